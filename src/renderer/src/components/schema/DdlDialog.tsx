// A read-only view of an object's CREATE text, with Copy. A <pre> rather than a second Monaco: it opens at once,
// needs no editor model to dispose, and the text is for reading and copying, not editing.
import { useState } from 'react'
import { copyText } from '../../lib/download'
import { Modal } from '../Modal'

interface Props {
  title: string
  ddl: string
  onClose(): void
}

export function DdlDialog({ title, ddl, onClose }: Props) {
  const [copied, setCopied] = useState(false)
  const copy = async () => {
    await copyText(ddl)
    setCopied(true)
  }
  return (
    <Modal title={title} titleId="ddl-dialog-title" testId="ddl-dialog" onClose={onClose} wide closeButton closeOnBackdrop>
      <pre className="ddl-view mono" data-testid="ddl-text" tabIndex={0} aria-label="DDL">
        {ddl}
      </pre>
      <div className="dialog__actions">
        <span className="toolbar-spacer" />
        <span className="muted small" role="status">
          {copied ? 'Copied to the clipboard' : ''}
        </span>
        <button type="button" className="btn" onClick={() => void copy()} data-testid="ddl-copy">
          Copy
        </button>
        <button type="button" className="btn btn--primary" onClick={onClose}>
          Close
        </button>
      </div>
    </Modal>
  )
}
