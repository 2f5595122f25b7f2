import { useTeacherConfig } from '../../hooks/useTeacherConfig'
import { Modal } from '../Modal'
import { TeacherConfigForm } from './TeacherConfigForm'
import '../../styles/teacher.css'

/** The teacher's configuration, from the top bar. */
export function TeacherDialog({ onClose }: { onClose(): void }) {
  const config = useTeacherConfig()
  return (
    <Modal title="Teacher" titleId="teacher-title" testId="teacher-dialog" onClose={onClose}>
      <p className="muted">
        The teacher is a bigger model that answers the same questions as the student. Compare their answers after a question, mark which is right,
        and the next customization learns from it. It can also write the training pairs for a customization.
      </p>
      <TeacherConfigForm config={config} />
      <div className="dialog__actions teacher-dialog__close">
        <span className="toolbar-spacer" />
        <button type="button" className="btn" onClick={onClose} data-testid="teacher-dialog-close">
          Close
        </button>
      </div>
    </Modal>
  )
}
