import { useTeacherConfig } from '../../hooks/useTeacherConfig'
import { describeTeacher, shortTeacherName } from '../../lib/teacherDiff'

/** The top bar's door to the teacher configuration; shows which teacher is set. */
export function TeacherButton({ onClick }: { onClick(): void }) {
  const config = useTeacherConfig()
  const name = config === undefined ? '…' : shortTeacherName(config)
  return (
    <button
      type="button"
      className={`btn topbar__teacher${config ? ' topbar__teacher--set' : ''}`}
      onClick={onClick}
      aria-label={config ? `Teacher (${describeTeacher(config)})` : 'Teacher (none configured)'}
      title={config ? `Teacher: ${describeTeacher(config)}` : 'Configure a teacher to compare answers with'}
      data-testid="open-teacher"
    >
      <span className="topbar__teacher-label">Teacher</span>
      <span className="topbar__teacher-name" data-testid="open-teacher-name">
        {name}
      </span>
    </button>
  )
}
