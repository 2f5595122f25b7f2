import type { AskState } from '../../hooks/useAsk'
import '../../styles/teacher.css'

interface Props {
  state: AskState
  /** What the question box holds now. */
  question: string
  always: boolean
  onAlwaysChange(on: boolean): void
  /** null: compare the last answer (it is the question in the box); a question: ask the student it first. */
  onCompare(question: string | null): void
}

/**
 * Next to the ask bar: compare the student's answer with the teacher's, once or after every question. It compares
 * the question in the box: the last answer when that is the one asked, otherwise it asks the student first.
 */
export function TeacherAskControls({ state, question, always, onAlwaysChange, onCompare }: Props) {
  const typed = question.trim()
  const answered = state.status === 'done'
  const compareLast = answered && (typed === '' || typed === state.question)
  const enabled = state.status !== 'running' && (compareLast || typed !== '')
  const title = compareLast
    ? `Ask the teacher “${state.question}” too and compare`
    : typed
      ? `Ask the student and the teacher “${typed}” and compare`
      : 'Ask the student a question first'
  return (
    <div className="teacher-ask">
      <button
        type="button"
        className="btn"
        onClick={() => onCompare(compareLast ? null : typed)}
        disabled={!enabled}
        title={title}
        aria-label="Ask the teacher too and compare with the student’s answer"
        data-testid="ask-teacher"
      >
        Compare with teacher
      </button>
      <label className="teacher-ask__always small" title="Ask the teacher too after every question">
        <input type="checkbox" checked={always} onChange={(e) => onAlwaysChange(e.target.checked)} data-testid="ask-teacher-always" />
        always
      </label>
    </div>
  )
}
