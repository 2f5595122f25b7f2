import { useCallback, useEffect, useRef, useState } from 'react'
import type { ApiErrorShape } from '../../../../shared/errors'
import { toErrorShape } from '../../../../shared/errors'
import type { QueryResult } from '../../../../shared/query'
import type { TeacherAnswer } from '../../../../shared/teacher'
import { getApi } from '../../api'
import { useElapsed } from '../../hooks/useElapsed'
import type { TeacherDiffTarget } from '../../hooks/useTeacherDiff'
import { useTeacherConfig } from '../../hooks/useTeacherConfig'
import type { ResolvedTheme } from '../../hooks/useTheme'
import { formatMs } from '../../lib/format'
import {
  describeTeacher,
  planMark,
  planMessage,
  sameSqlText,
  sidesOf,
  teacherErrorTitle,
  verdictOf,
  type MarkChoice,
  type SidedComparison,
  type Verdict,
} from '../../lib/teacherDiff'
import { ValidationChip } from '../AskStatusChip'
import { ErrorPanel } from '../ErrorPanel'
import { Modal } from '../Modal'
import { CompareTable, type SideState } from './CompareTable'
import { SqlDiffEditor, type SqlDiffEditorHandle } from './SqlDiffEditor'
import { TeacherConfigForm } from './TeacherConfigForm'
import '../../styles/teacher.css'

type AnswerState = { status: 'asking'; startedAt: number } | { status: 'done'; answer: TeacherAnswer } | { status: 'error'; error: ApiErrorShape }

/** What the last comparison ran: both sides through compare.results, or the student alone when the teacher wrote no SQL. */
type CompareState =
  | { status: 'idle' }
  | { status: 'running'; studentSql: string }
  | { status: 'done'; studentSql: string; teacherSql: string; sides: SidedComparison }
  | { status: 'student-only'; studentSql: string; result: QueryResult | null; error: ApiErrorShape | null }
  | { status: 'error'; studentSql: string; error: ApiErrorShape }

type MarkState =
  | { status: 'idle' }
  | { status: 'saving'; choice: MarkChoice }
  | { status: 'saved'; choice: MarkChoice; message: string; verdict: 'right' | 'wrong' }
  | { status: 'error'; error: ApiErrorShape }

interface Props {
  target: TeacherDiffTarget
  theme: ResolvedTheme
  onClose(): void
  /** A verdict was saved to the history. */
  onMarked(): void
  onShowHistory(): void
}

const NO_TEACHER = /no teacher is configured/i

/**
 * Student vs. teacher for one question: the teacher is asked, both SQLs are shown in a diff editor (the student's
 * side editable), both results are compared with the evaluation harness's rules, and the user marks which is right.
 */
export function TeacherDiffDialog({ target, theme, onClose, onMarked, onShowHistory }: Props) {
  const config = useTeacherConfig()
  const editor = useRef<SqlDiffEditorHandle>(null)
  const originalStudent = target.studentSql?.trim() ?? ''
  const [studentText, setStudentText] = useState(originalStudent)
  const [answer, setAnswer] = useState<AnswerState>({ status: 'asking', startedAt: performance.now() })
  const [compare, setCompare] = useState<CompareState>({ status: 'idle' })
  const [mark, setMark] = useState<MarkState>({ status: 'idle' })
  const [onlyDiffering, setOnlyDiffering] = useState(false)
  const [showConfig, setShowConfig] = useState(false)
  const live = useRef(true)
  const compareSeq = useRef(0)
  useEffect(() => {
    live.current = true
    return () => {
      live.current = false
    }
  }, [])

  const runCompare = useCallback(
    async (studentSql: string, teacherSql: string | null) => {
      const seq = ++compareSeq.current
      const current = () => live.current && seq === compareSeq.current
      const student = studentSql.trim()
      const teacher = teacherSql?.trim() ?? ''
      if (!student) return setCompare({ status: 'idle' })
      setCompare({ status: 'running', studentSql: student })
      const api = getApi()
      try {
        if (teacher) {
          // The teacher is the reference (`a`), as gold is in the evaluation: its ORDER BY decides whether order counts.
          const cmp = await api.compare.results({ dbId: target.dbId, a: teacher, b: student })
          if (current()) setCompare({ status: 'done', studentSql: student, teacherSql: teacher, sides: sidesOf(cmp) })
        } else {
          const result = await api.db.query({ dbId: target.dbId, sql: student }).then(
            (r) => ({ result: r, error: null }),
            (err: unknown) => ({ result: null, error: toErrorShape(err) }),
          )
          if (current()) setCompare({ status: 'student-only', studentSql: student, ...result })
        }
      } catch (err) {
        if (current()) setCompare({ status: 'error', studentSql: student, error: toErrorShape(err) })
      }
    },
    [target.dbId],
  )

  const askTeacher = useCallback(async () => {
    setAnswer({ status: 'asking', startedAt: performance.now() })
    setCompare({ status: 'idle' })
    try {
      const a = await getApi().teacher.ask({ dbId: target.dbId, question: target.question })
      if (!live.current) return
      setAnswer({ status: 'done', answer: a })
      setShowConfig(false)
      void runCompare(editor.current?.getStudentSql() ?? originalStudent, a.sql)
    } catch (err) {
      if (!live.current) return
      const error = toErrorShape(err)
      setAnswer({ status: 'error', error })
      if (NO_TEACHER.test(error.message)) setShowConfig(true)
      // The student's side still runs on its own, so its result is visible.
      void runCompare(editor.current?.getStudentSql() ?? originalStudent, null)
    }
  }, [target.dbId, target.question, originalStudent, runCompare])

  useEffect(() => {
    void askTeacher()
  }, [askTeacher])

  const teacherSql = answer.status === 'done' ? answer.answer.sql : null
  const compareAgain = () => void runCompare(editor.current?.getStudentSql() ?? studentText, teacherSql)
  const compareRef = useRef(compareAgain)
  compareRef.current = compareAgain

  const comparedStudent = compare.status === 'idle' ? null : compare.studentSql
  const stale = comparedStudent !== null && !sameSqlText(comparedStudent, studentText)
  const edited = !sameSqlText(studentText, originalStudent) && studentText.trim() !== originalStudent
  const verdict = verdictFor(answer, compare, studentText)

  const choose = async (choice: MarkChoice) => {
    const plan = planMark(choice, { student: target.studentSql, teacher: teacherSql, edited: editor.current?.getStudentSql() ?? studentText })
    if ('error' in plan) return setMark({ status: 'error', error: { code: 'BAD_REQUEST', message: plan.error } })
    setMark({ status: 'saving', choice })
    try {
      await getApi().history.mark({
        dbId: target.dbId,
        id: target.recordId,
        verdict: plan.verdict,
        ...(plan.correctedSql !== undefined ? { correctedSql: plan.correctedSql } : {}),
      })
      if (!live.current) return
      // A correction that does not run is still recorded (the user may fix it in History), but the customization's
      // first stage would drop it: say so now rather than let it vanish from the run's counts.
      const failing = choice === 'teacher' && answer.status === 'done' && answer.answer.validation !== 'ok' && answer.answer.validation !== 'empty_result'
      const message = planMessage(plan, choice) + (failing ? ' Note: the teacher’s SQL fails on this database, so a customization will drop this example until you correct it in History.' : '')
      setMark({ status: 'saved', choice, verdict: plan.verdict, message })
      onMarked()
    } catch (err) {
      if (live.current) setMark({ status: 'error', error: toErrorShape(err) })
    }
  }

  const saving = mark.status === 'saving'

  return (
    <Modal title="Student vs. teacher" titleId="teacher-diff-title" testId="teacher-diff" onClose={onClose} wide>
      <div className="teacher-diff__question">
        <span className="muted">Question</span> <q data-testid="teacher-diff-question">{target.question}</q>
      </div>
      <div className="teacher-diff__teacherline small">
        <span className="muted">Teacher:</span> <span data-testid="teacher-diff-teacher">{config === undefined ? '…' : describeTeacher(config)}</span>
        <button type="button" className="btn btn--link" onClick={() => setShowConfig((s) => !s)} aria-expanded={showConfig} data-testid="teacher-diff-configure">
          {config ? 'Change…' : 'Set up…'}
        </button>
        <span className="toolbar-spacer" />
        <TeacherStatus answer={answer} onRetry={() => void askTeacher()} />
      </div>
      {showConfig && (
        <div className="teacher-diff__config">
          <TeacherConfigForm config={config} onSaved={() => void askTeacher()} />
        </div>
      )}
      {answer.status === 'error' && !NO_TEACHER.test(answer.error.message) && <ErrorPanel error={answer.error} title={teacherErrorTitle(answer.error)} />}

      <div className="teacher-diff__labels" aria-hidden>
        <span>
          Student <span className="muted small">— editable; Ctrl+Enter compares again</span>
          {edited && <span className="chip chip--info teacher-diff__edited">edited</span>}
        </span>
        <span>
          Teacher{' '}
          {answer.status === 'done' ? (
            <ValidationChip validation={answer.answer.validation} />
          ) : answer.status === 'asking' ? (
            <span className="muted small">— thinking…</span>
          ) : null}
        </span>
      </div>
      <SqlDiffEditor
        ref={editor}
        student={originalStudent}
        teacher={answer.status === 'done' ? (answer.answer.sql ?? '-- The teacher wrote no SQL for this question.') : answer.status === 'asking' ? '-- Asking the teacher…' : '-- The teacher did not answer.'}
        theme={theme}
        onStudentChange={setStudentText}
        onCompare={() => compareRef.current()}
      />

      <div className={`teacher-verdict teacher-verdict--${verdict.kind}`} data-testid="teacher-verdict" data-verdict={verdict.kind} role="status" aria-live="polite">
        <span className="teacher-verdict__label" data-testid="teacher-verdict-label">
          {verdict.kind === 'pending' && <span className="spinner" aria-hidden />}
          {verdict.kind === 'same' ? '✓ ' : verdict.kind === 'different' ? '≠ ' : ''}
          {verdict.label}
        </span>
        <span className="teacher-verdict__detail" data-testid="teacher-verdict-detail">
          {verdict.detail}
          {stale && <strong> The student’s SQL has been edited since — compare again.</strong>}
        </span>
        <span className="toolbar-spacer" />
        <label className="small teacher-verdict__only">
          <input type="checkbox" checked={onlyDiffering} onChange={(e) => setOnlyDiffering(e.target.checked)} data-testid="compare-only-differing" /> only differing rows
        </label>
        <button
          type="button"
          className={`btn btn--small${stale ? ' btn--primary' : ''}`}
          onClick={compareAgain}
          disabled={!studentText.trim() || answer.status === 'asking' || compare.status === 'running'}
          title="Run both queries again and compare (Ctrl+Enter in the student side)"
          data-testid="compare-again"
        >
          Compare again
        </button>
      </div>

      <div className="teacher-diff__results">
        <CompareTable side="student" title="Student" state={studentSide(compare, studentText)} onlyDiffering={onlyDiffering} />
        <CompareTable side="teacher" title="Teacher" state={teacherSide(answer, compare)} onlyDiffering={onlyDiffering} />
      </div>

      <div className="teacher-mark" role="group" aria-labelledby="teacher-mark-title" data-testid="teacher-mark">
        <span id="teacher-mark-title" className="dialog__section-title">
          Which is right?
        </span>
        {(
          [
            ['student', 'Student is right', 'mark-student-right', !originalStudent, originalStudent ? 'Keep the student’s answer as a reference example (AddRef)' : 'The student wrote no SQL'],
            ['teacher', 'Teacher is right', 'mark-teacher-right', !teacherSql, teacherSql ? 'Mark the student wrong, corrected with the teacher’s SQL (FixIt)' : 'The teacher wrote no SQL'],
            ['edited', 'My edited SQL is right', 'mark-edited', !edited || !studentText.trim(), edited ? 'Mark the student wrong, corrected with the SQL you wrote on the student side (FixIt)' : 'Edit the student side first'],
          ] as const
        ).map(([choice, label, testId, unavailable, title]) => (
          <button key={choice} type="button" className="btn" onClick={() => void choose(choice)} disabled={saving || unavailable} title={title} data-testid={testId}>
            {label}
          </button>
        ))}
        {saving && <span className="spinner" aria-hidden />}
      </div>
      <div aria-live="polite">
        {mark.status === 'saved' && (
          <div className="teacher-mark__saved" data-testid="teacher-mark-saved" data-verdict={mark.verdict}>
            <span className={`chip ${mark.verdict === 'right' ? 'chip--ok' : 'chip--bad'}`}>{mark.verdict === 'right' ? '✓ right' : '✗ wrong · corrected'}</span>
            <span>{mark.message}</span>
            <button type="button" className="btn btn--link" onClick={onShowHistory} data-testid="teacher-show-history">
              Show in History
            </button>
          </div>
        )}
        {mark.status === 'error' && <ErrorPanel error={mark.error} title="Could not save the verdict" onDismiss={() => setMark({ status: 'idle' })} />}
      </div>

      <div className="dialog__actions">
        <span className="toolbar-spacer" />
        <button type="button" className="btn" onClick={onClose} data-testid="teacher-diff-close">
          Close
        </button>
      </div>
    </Modal>
  )
}

function TeacherStatus({ answer, onRetry }: { answer: AnswerState; onRetry(): void }) {
  const elapsed = useElapsed(answer.status === 'asking' ? answer.startedAt : null)
  if (answer.status === 'asking') {
    return (
      <span className="muted" role="status" data-testid="teacher-asking">
        <span className="spinner" aria-hidden /> Asking the teacher… {(elapsed / 1000).toFixed(1)} s
      </span>
    )
  }
  return (
    <>
      {answer.status === 'done' && <span className="muted">answered in {formatMs(answer.answer.totalMs)}</span>}
      <button type="button" className="btn btn--small" onClick={onRetry} data-testid="teacher-ask-again">
        Ask the teacher again
      </button>
    </>
  )
}

function verdictFor(answer: AnswerState, compare: CompareState, studentText: string): Verdict {
  if (answer.status === 'asking') return { kind: 'pending', label: 'Waiting for the teacher…', detail: 'The verdict comes once both queries have run.' }
  if (answer.status === 'error') return { kind: 'cannot', label: 'Cannot compare', detail: 'The teacher did not answer (see above).' }
  const comparedStudent = compare.status === 'idle' ? studentText : compare.studentSql
  if (compare.status === 'error') return { kind: 'cannot', label: 'Cannot compare', detail: compare.error.message }
  return verdictOf({
    studentSql: comparedStudent,
    teacherSql: answer.answer.sql,
    comparison: compare.status === 'done' ? compare.sides : null,
  })
}

function studentSide(compare: CompareState, studentText: string): SideState {
  if (compare.status === 'running') return { status: 'loading' }
  if (compare.status === 'done') {
    const s = compare.sides.student
    return s.ok ? { status: 'done', result: s.result, differing: compare.sides.studentRows } : { status: 'error', error: s.error, title: 'The student’s SQL failed' }
  }
  if (compare.status === 'student-only') {
    if (compare.result) return { status: 'done', result: compare.result, differing: [] }
    return { status: 'error', error: compare.error!, title: 'The student’s SQL failed' }
  }
  if (compare.status === 'error') return { status: 'error', error: compare.error, title: 'Could not compare' }
  return { status: 'none', message: studentText.trim() ? 'Not run yet.' : 'The student wrote no SQL.' }
}

function teacherSide(answer: AnswerState, compare: CompareState): SideState {
  if (answer.status === 'asking') return { status: 'loading' }
  if (answer.status === 'error') return { status: 'none', message: 'The teacher did not answer.' }
  const a = answer.answer
  if (!a.sql) return { status: 'none', message: 'The teacher wrote no SQL.' }
  if (compare.status === 'running') return { status: 'loading' }
  if (compare.status === 'done') {
    const t = compare.sides.teacher
    return t.ok ? { status: 'done', result: t.result, differing: compare.sides.teacherRows } : { status: 'error', error: t.error, title: 'The teacher’s SQL failed' }
  }
  if (a.result) return { status: 'done', result: a.result, differing: [] }
  return a.error ? { status: 'error', error: a.error, title: 'The teacher’s SQL failed' } : { status: 'none', message: 'No result.' }
}
