import { forwardRef, useEffect, useImperativeHandle, useRef } from 'react'
import type { ResolvedTheme } from '../../hooks/useTheme'
import { monaco, monacoTheme, onCtrlEnter } from '../../monaco'

export interface SqlDiffEditorHandle {
  getStudentSql(): string
  setStudentSql(text: string): void
  focusStudent(): void
}

interface Props {
  student: string
  teacher: string
  theme: ResolvedTheme
  onStudentChange?(value: string): void
  /** Ctrl/Cmd+Enter in the student side. */
  onCompare?(): void
}

/** Monaco's diff editor: the student's SQL on the left (editable), the teacher's on the right (read-only). */
export const SqlDiffEditor = forwardRef<SqlDiffEditorHandle, Props>(function SqlDiffEditor({ student, teacher, theme, onStudentChange, onCompare }, ref) {
  const host = useRef<HTMLDivElement>(null)
  const editor = useRef<monaco.editor.IStandaloneDiffEditor | null>(null)
  const onChangeRef = useRef(onStudentChange)
  onChangeRef.current = onStudentChange
  const onCompareRef = useRef(onCompare)
  onCompareRef.current = onCompare

  useEffect(() => {
    const original = monaco.editor.createModel(student, 'sql')
    const modified = monaco.editor.createModel(teacher, 'sql')
    const instance = monaco.editor.createDiffEditor(host.current!, {
      theme: monacoTheme(theme),
      automaticLayout: true,
      originalEditable: true,
      readOnly: true,
      renderSideBySide: true,
      // Both sides stay visible even in a narrow window: the point is to read them next to each other.
      useInlineViewWhenSpaceIsLimited: false,
      renderOverviewRuler: false,
      minimap: { enabled: false },
      fontSize: 13,
      lineNumbersMinChars: 3,
      scrollBeyondLastLine: false,
      wordWrap: 'on',
      diffWordWrap: 'on',
      originalAriaLabel: 'Student SQL (editable)',
      modifiedAriaLabel: 'Teacher SQL (read-only)',
      ignoreTrimWhitespace: false,
      renderIndicators: true,
      fixedOverflowWidgets: true,
    })
    instance.setModel({ original, modified })
    const studentEditor = instance.getOriginalEditor()
    onCtrlEnter(studentEditor, () => onCompareRef.current?.())
    const sub = original.onDidChangeContent(() => onChangeRef.current?.(original.getValue()))
    editor.current = instance
    return () => {
      sub.dispose()
      instance.dispose()
      original.dispose()
      modified.dispose()
      editor.current = null
    }
    // Created once per dialog; the texts change through the handle and the effect below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [])

  useEffect(() => {
    const model = editor.current?.getModel()?.modified
    if (model && model.getValue() !== teacher) model.setValue(teacher)
  }, [teacher])

  useEffect(() => {
    monaco.editor.setTheme(monacoTheme(theme))
  }, [theme])

  useImperativeHandle(ref, () => ({
    getStudentSql: () => editor.current?.getModel()?.original.getValue() ?? '',
    setStudentSql(text) {
      const model = editor.current?.getModel()?.original
      if (!model) return
      model.pushStackElement()
      model.pushEditOperations([], [{ range: model.getFullModelRange(), text }], () => null)
      model.pushStackElement()
    },
    focusStudent: () => editor.current?.getOriginalEditor().focus(),
  }))

  return <div ref={host} className="teacher-diff__editor" data-testid="teacher-diff-editor" />
})
