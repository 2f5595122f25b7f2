// The "Diagram" panel: decides which tables to draw, then hands them to the layout and the drawing.
// Above DIAGRAM_TABLE_LIMIT tables a diagram is a hairball and its DOM grows without bound, so it then asks for a
// narrower tree filter, or draws the neighbourhood (FK-linked tables) of one table instead.
import { useMemo, useState } from 'react'
import type { Table } from '../../../../shared/schema'
import { Modal } from '../Modal'
import { ErDiagram } from './ErDiagram'
import { layoutErDiagram, neighbourhood } from './erLayout'

export const DIAGRAM_TABLE_LIMIT = 80

interface Props {
  /** Every table and view of the schema (neighbourhoods may reach outside the filter). */
  tables: Table[]
  /** The tables the tree's filter shows. */
  matching: Table[]
  filtered: boolean
  /** The table focused in the tree, the natural centre of a neighbourhood. */
  focusTable: string | null
  onSelectTable(name: string): void
  onClose(): void
}

export function ErDiagramDialog({ tables, matching, filtered, focusTable, onSelectTable, onClose }: Props) {
  const tooMany = matching.length > DIAGRAM_TABLE_LIMIT
  const [center, setCenter] = useState<string | null>(tooMany ? focusTable : null)
  const [picked, setPicked] = useState(focusTable ?? matching[0]?.name ?? '')

  const drawn = useMemo(() => (center ? neighbourhood(tables, center, DIAGRAM_TABLE_LIMIT) : tooMany ? [] : matching), [center, tables, matching, tooMany])
  const layout = useMemo(() => (drawn.length > 0 ? layoutErDiagram(drawn) : null), [drawn])
  const fkCount = layout?.edges.length ?? 0

  return (
    <Modal
      title="Diagram"
      titleId="er-dialog-title"
      testId="er-dialog"
      onClose={onClose}
      wide
      closeButton
      closeOnBackdrop
      closeLabel="Close the diagram"
    >
      <div className="er-dialog__bar">
        <span className="muted small" data-testid="er-summary">
          {layout
            ? `${drawn.length} ${drawn.length === 1 ? 'table' : 'tables'} · ${fkCount} foreign ${fkCount === 1 ? 'key' : 'keys'}${center ? ` · around ${center}` : filtered ? ' · matching the tree filter' : ''} — click a table to show it in the tree`
            : ''}
        </span>
        {center && (
          <button type="button" className="btn btn--small" onClick={() => setCenter(null)} data-testid="er-choose-center">
            {tooMany ? 'Choose another table' : `Show all ${matching.length}`}
          </button>
        )}
      </div>
      {layout ? (
        <ErDiagram layout={layout} onSelectTable={onSelectTable} />
      ) : tooMany ? (
        <div className="er-dialog__too-many" data-testid="er-too-many">
          <p>
            {matching.length} tables {filtered ? 'match the filter' : 'in this schema'} — more than {DIAGRAM_TABLE_LIMIT} make an unreadable drawing. Narrow
            the tree filter, or draw one table with the tables up to two foreign keys away:
          </p>
          <div className="er-dialog__pick">
            <select className="select" value={picked} onChange={(e) => setPicked(e.target.value)} aria-label="Centre table" data-testid="er-center-select">
              {matching.map((t) => (
                <option key={t.name} value={t.name}>
                  {t.name}
                </option>
              ))}
            </select>
            <button type="button" className="btn btn--primary" disabled={!picked} onClick={() => setCenter(picked)} data-testid="er-center-draw">
              Draw its neighbourhood
            </button>
          </div>
        </div>
      ) : (
        <p className="muted">{filtered ? 'No table matches the filter.' : 'This database has no tables.'}</p>
      )}
    </Modal>
  )
}
