import { Modal } from './Modal'

const SHORTCUTS: [keys: string[][], what: string][] = [
  [[['Enter']], 'Ask the question (in the question box)'],
  [[['Shift', 'Enter']], 'New line in the question box'],
  [[['Esc']], 'Stop a running question; close a dialog'],
  [[['Ctrl', 'Enter'], ['⌘', 'Enter']], 'Run the SQL — the selection if there is one, else the statement under the cursor'],
  [[['Ctrl', 'Shift', 'Enter'], ['⌘', 'Shift', 'Enter']], 'Run every statement in the tab (or the selection) as a script, one result each'],
  [[['Ctrl', 'Space']], 'Suggest tables, columns and keywords in the editor'],
  [[['Ctrl', 'Enter'], ['⌘', 'Enter']], 'In the student-vs-teacher diff: compare the edited student SQL again'],
  [[['Ctrl', 'C']], 'Copy the selected cells (with a header row) or rows from the result grid'],
  [[['↑↓←→'], ['Home'], ['End'], ['PgUp'], ['PgDn']], 'Move between the result grid’s cells (Ctrl+Home/End: first/last cell)'],
  [[['Shift', '↑↓←→'], ['Shift', 'click']], 'Extend the cell selection in the result grid'],
  [[['Ctrl', 'A']], 'Select every cell of the result grid'],
  [[['Enter']], 'Show the whole value of the focused cell (long text, JSON, BLOBs)'],
  [[['↑'], ['↓'], ['Home'], ['End']], 'Schema tree: move between rows'],
  [[['→'], ['←']], 'Schema tree: open / close a table or group, go to its first row / back to its parent'],
  [[['Enter']], 'Schema tree: query the table (SELECT * into the editor); on an index or trigger, show its DDL'],
  [[['Alt', 'Enter']], 'Schema tree: show the DDL of the table, index or trigger'],
  [[['?'], ['F1']], 'Show this help'],
]

/** Keyboard shortcuts, opened with ? or F1. */
export function HelpOverlay({ onClose }: { onClose(): void }) {
  return (
    <Modal title="Keyboard shortcuts" titleId="help-title" testId="help-overlay" onClose={onClose} closeOnBackdrop>
        <table className="shortcuts">
          <tbody>
            {SHORTCUTS.map(([combos, what]) => (
              <tr key={what}>
                <td className="shortcuts__keys">
                  {combos.map((keys, i) => (
                    <span key={i}>
                      {i > 0 && <span className="muted"> or </span>}
                      {keys.map((k, j) => (
                        <span key={k}>
                          {j > 0 && '+'}
                          <kbd>{k}</kbd>
                        </span>
                      ))}
                    </span>
                  ))}
                </td>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="muted small">
          Ask a question in plain words; the local model writes SQL into the editor, checks it against the database, and tries once more when it
          fails. Mark answers right or wrong in History — corrected answers become examples for fine-tuning.
        </p>
        <div className="dialog__actions">
          <span className="toolbar-spacer" />
          <button type="button" className="btn btn--primary" onClick={onClose} autoFocus data-testid="help-close">
            Close
          </button>
        </div>
    </Modal>
  )
}
