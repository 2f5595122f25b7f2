import { forwardRef, useEffect, useImperativeHandle, useRef } from 'react'
import { format as formatSql } from 'sql-formatter'
import { monaco, monacoTheme, onCtrlEnter } from '../monaco'
import type { ResolvedTheme } from '../hooks/useTheme'

export interface SqlEditorHandle {
  /** The selected text if any, else the whole buffer. */
  getRunnableSql(): string
  getValue(): string
  /** Replaces the buffer as one undoable edit. */
  setValue(text: string): void
  /** Pretty-prints the buffer; returns why not when the formatter cannot parse it. */
  format(): string | null
  focus(): void
  /** Shows streamed model text; the edits since `beginStream` undo as one step. */
  beginStream(): void
  stream(text: string): void
  setReadOnly(readOnly: boolean): void
}

interface Props {
  initialValue: string
  theme: ResolvedTheme
  onRun(): void
  onChange?(value: string): void
}

/** Monaco with SQL highlighting; Ctrl/Cmd+Enter runs. */
export const SqlEditor = forwardRef<SqlEditorHandle, Props>(function SqlEditor({ initialValue, theme, onRun, onChange }, ref) {
  const host = useRef<HTMLDivElement>(null)
  const editor = useRef<monaco.editor.IStandaloneCodeEditor | null>(null)
  // The Monaco command is registered once; read the latest callbacks through refs.
  const onRunRef = useRef(onRun)
  onRunRef.current = onRun
  const onChangeRef = useRef(onChange)
  onChangeRef.current = onChange

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
    onCtrlEnter(instance, () => onRunRef.current())
    const sub = instance.onDidChangeModelContent(() => onChangeRef.current?.(instance.getValue()))
    editor.current = instance
    return () => {
      sub.dispose()
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

  useImperativeHandle(ref, () => ({
    getRunnableSql() {
      const instance = editor.current
      const model = instance?.getModel()
      if (!instance || !model) return ''
      const selection = instance.getSelection()
      const selected = selection && !selection.isEmpty() ? model.getValueInRange(selection) : ''
      return selected.trim() ? selected : model.getValue()
    },
    getValue: () => editor.current?.getValue() ?? '',
    setValue(text) {
      const instance = editor.current
      const model = instance?.getModel()
      if (!instance || !model) return
      // Model-level edits: they also apply while the editor is read-only (during a question), which
      // executeEdits refuses.
      model.pushStackElement()
      model.pushEditOperations([], [{ range: model.getFullModelRange(), text }], () => null)
      model.pushStackElement()
      instance.setSelection(new monaco.Selection(1, 1, 1, 1))
    },
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
    beginStream: () => editor.current?.getModel()?.pushStackElement(),
    stream(text) {
      const instance = editor.current
      const model = instance?.getModel()
      if (!instance || !model) return
      model.pushEditOperations([], [{ range: model.getFullModelRange(), text }], () => null)
      instance.revealLine(model.getLineCount())
    },
    setReadOnly: (readOnly) => editor.current?.updateOptions({ readOnly }),
  }))

  return <div ref={host} className="sql-editor" data-testid="sql-editor" />
})
