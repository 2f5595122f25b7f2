import type { AskState } from '../../hooks/useAsk'
import '../../styles/teacher.css'

interface Props {
  state: AskState
  always: boolean
  onAlwaysChange(on: boolean): void
  onCompare(): void
}

/** Next to the ask bar: compare the student's last answer with the teacher's, once or after every question. */
export function TeacherAskControls({ state, always, onAlwaysChange, onCompare }: Props) {
  const answered = state.status === 'done'
  return (
    <div className="teacher-ask">
      <button
        type="button"
        className="btn"
        onClick={onCompare}
        disabled={!answered}
        title={answered ? `Ask the teacher “${state.question}” too and compare` : 'Ask the student a question first'}
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
