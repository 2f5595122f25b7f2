import { forwardRef, useEffect, useImperativeHandle, useRef } from 'react'
import { format as formatSql } from 'sql-formatter'
import { errorRange, splitStatements, statementAt, type StatementSpan } from '../../../shared/sqlStatements'
import { monaco, monacoTheme, onCtrlEnter, onRunScript } from '../monaco'
import type { ResolvedTheme } from '../hooks/useTheme'

/** SQL to run and where it sits in its tab, so an error can be marked at the right place. */
export interface RunnableSql {
  tabId: string
  sql: string
  /** Offset of `sql` in the tab's text. */
  offset: number
}

export interface SqlEditorHandle {
  /** The selection if any; else the statement under the cursor; else (one statement) the whole buffer. */
  getRunnable(): RunnableSql | null
  /** Every statement of the shown tab, in order (the selection's, when there is one). */
  getStatements(): RunnableSql[]
  getValue(): string
  /** Replaces the shown tab's text as one undoable edit. */
  setValue(text: string): void
  /** Replaces a tab's text (shown or not) as one undoable edit. */
  setTabValue(tabId: string, text: string): void
  /** Shows a tab, creating its buffer (with its own undo history) the first time. */
  showTab(tabId: string, text: string): void
  /** Forgets a closed tab's buffer. */
  dropTab(tabId: string): void
  /** Text of a tab's buffer, whether shown or not; null when it has none. */
  tabText(tabId: string): string | null
  /** Pretty-prints the buffer; returns why not when the formatter cannot parse it. */
  format(): string | null
  focus(): void
  /** Model text streamed into a tab; the edits since `beginStream` undo as one step. */
  beginStream(tabId: string): void
  stream(tabId: string, text: string): void
  /** Underlines where SQLite's message points in the statement that failed; cleared by the next edit or run. */
  markError(at: RunnableSql, message: string): void
  clearMarks(): void
  setReadOnly(readOnly: boolean): void
}

interface Props {
  initialValue: string
  theme: ResolvedTheme
  onRun(): void
  onRunScript(): void
  /** A tab's text changed (typing, a streamed answer, undo). */
  onChange?(tabId: string, value: string): void
}

const MARKER_OWNER = 'sqlstill.run'

/** Monaco with SQL highlighting, one buffer per query tab; Ctrl/Cmd+Enter runs, Ctrl/Cmd+Shift+Enter runs all. */
export const SqlEditor = forwardRef<SqlEditorHandle, Props>(function SqlEditor({ initialValue, theme, onRun, onRunScript: runScript, onChange }, ref) {
  const host = useRef<HTMLDivElement>(null)
  const editor = useRef<monaco.editor.IStandaloneCodeEditor | null>(null)
  const models = useRef(new Map<string, monaco.editor.ITextModel>())
  const shown = useRef<string | null>(null)
  // The Monaco actions are registered once; read the latest callbacks through refs.
  const callbacks = useRef({ onRun, runScript, onChange })
  callbacks.current = { onRun, runScript, onChange }

  useEffect(() => {
    const instance = monaco.editor.create(host.current!, {
      value: initialValue,
      language: 'sql',
      theme: monacoTheme(theme),
      automaticLayout: true,
      minimap: { enabled: false },
      fontSize: 13,
      lineNumbersMinChars: 3,
      scrollBeyondLastLine: false,
      renderLineHighlight: 'line',
      tabSize: 2,
      wordWrap: 'on',
      padding: { top: 6 },
      ariaLabel: 'SQL editor',
      fixedOverflowWidgets: true,
      overviewRulerLanes: 0,
      hideCursorInOverviewRuler: true,
      overviewRulerBorder: false,
    })
    onCtrlEnter(instance, () => callbacks.current.onRun())
    onRunScript(instance, () => callbacks.current.runScript())
    editor.current = instance
    const all = models.current
    return () => {
      for (const model of all.values()) model.dispose()
      all.clear()
      instance.getModel()?.dispose()
      instance.dispose()
      editor.current = null
    }
    // The editor is created once; value and theme changes go through the handle and the effect below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [])

  useEffect(() => {
    monaco.editor.setTheme(monacoTheme(theme))
  }, [theme])

  const modelOf = (tabId: string | null) => (tabId ? models.current.get(tabId) : undefined) ?? editor.current?.getModel() ?? undefined

  useImperativeHandle(ref, () => {
    const runnableOf = (span: StatementSpan, base = 0): RunnableSql => ({
      tabId: shown.current ?? '',
      sql: span.sql,
      offset: base + span.start,
    })
    return {
      getRunnable() {
        const instance = editor.current
        const model = instance?.getModel()
        if (!instance || !model) return null
        const selection = instance.getSelection()
        if (selection && !selection.isEmpty()) {
          const selected = model.getValueInRange(selection)
          if (selected.trim()) return { tabId: shown.current ?? '', sql: selected, offset: model.getOffsetAt(selection.getStartPosition()) }
        }
        const text = model.getValue()
        const span = statementAt(text, model.getOffsetAt(instance.getPosition() ?? new monaco.Position(1, 1)))
        return span ? runnableOf(span) : null
      },
      getStatements() {
        const instance = editor.current
        const model = instance?.getModel()
        if (!instance || !model) return []
        const selection = instance.getSelection()
        if (selection && !selection.isEmpty() && model.getValueInRange(selection).trim()) {
          const base = model.getOffsetAt(selection.getStartPosition())
          return splitStatements(model.getValueInRange(selection)).map((s) => runnableOf(s, base))
        }
        return splitStatements(model.getValue()).map((s) => runnableOf(s))
      },
      getValue: () => editor.current?.getValue() ?? '',
      setValue(text) {
        this.setTabValue(shown.current ?? '', text)
      },
      setTabValue(tabId, text) {
        const instance = editor.current
        const model = modelOf(tabId)
        if (!instance || !model) return
        // Model-level edits: they also apply while the editor is read-only (during a question), which
        // executeEdits refuses.
        model.pushStackElement()
        model.pushEditOperations([], [{ range: model.getFullModelRange(), text }], () => null)
        model.pushStackElement()
        if (instance.getModel() === model) instance.setSelection(new monaco.Selection(1, 1, 1, 1))
      },
      showTab(tabId, text) {
        const instance = editor.current
        if (!instance) return
        let model = models.current.get(tabId)
        if (!model) {
          model = monaco.editor.createModel(text, 'sql')
          const created = model
          created.onDidChangeContent(() => {
            monaco.editor.setModelMarkers(created, MARKER_OWNER, [])
            callbacks.current.onChange?.(tabId, created.getValue())
          })
          models.current.set(tabId, model)
        }
        if (shown.current === tabId && instance.getModel() === model) return
        const initial = instance.getModel()
        // the buffer Monaco was created with belongs to no tab: drop it once the first tab is shown
        const orphan = initial && ![...models.current.values()].includes(initial) ? initial : null
        instance.setModel(model)
        orphan?.dispose()
        shown.current = tabId
      },
      dropTab(tabId) {
        const model = models.current.get(tabId)
        if (!model || editor.current?.getModel() === model) return
        models.current.delete(tabId)
        model.dispose()
      },
      tabText: (tabId) => models.current.get(tabId)?.getValue() ?? null,
      format() {
        const value = editor.current?.getValue() ?? ''
        if (!value.trim()) return null
        try {
          this.setValue(formatSql(value, { language: 'sqlite', keywordCase: 'upper', tabWidth: 2 }))
          return null
        } catch (err) {
          // sql-formatter rejects some valid SQLite; leaving the text as it is beats mangling it.
          return (err as Error).message.split('\n')[0] ?? 'The formatter could not parse this SQL.'
        }
      },
      focus: () => editor.current?.focus(),
      beginStream: (tabId) => modelOf(tabId)?.pushStackElement(),
      stream(tabId, text) {
        const model = modelOf(tabId)
        if (!model) return
        model.pushEditOperations([], [{ range: model.getFullModelRange(), text }], () => null)
        if (editor.current?.getModel() === model) editor.current.revealLine(model.getLineCount())
      },
      markError(at, message) {
        const model = models.current.get(at.tabId)
        const range = model && errorRange(at.sql, message)
        if (!model || !range) return
        const start = model.getPositionAt(at.offset + range.start)
        const end = model.getPositionAt(at.offset + range.end)
        monaco.editor.setModelMarkers(model, MARKER_OWNER, [
          {
            severity: monaco.MarkerSeverity.Error,
            message,
            startLineNumber: start.lineNumber,
            startColumn: start.column,
            endLineNumber: end.lineNumber,
            endColumn: end.column,
          },
        ])
        if (editor.current?.getModel() === model) editor.current.revealPositionInCenterIfOutsideViewport(start)
      },
      clearMarks() {
        for (const model of models.current.values()) monaco.editor.setModelMarkers(model, MARKER_OWNER, [])
      },
      setReadOnly: (readOnly) => editor.current?.updateOptions({ readOnly }),
    }
  })

  return <div ref={host} className="sql-editor" data-testid="sql-editor" />
})
