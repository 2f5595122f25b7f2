import { useMemo, useState } from 'react'
import { BLOB_HEAD_BUDGET, BLOB_HEAD_BYTES } from '../../../../shared/query'
import { formatBytes } from '../../../../shared/format'
import type { SqlValue } from '../../../../shared/schema'
import { copyText } from '../../lib/download'
import { formatCount } from '../../lib/format'
import { base64ToBytes, hexDump } from '../../lib/hexDump'
import { Modal } from '../Modal'

interface Shown {
  /** What the pane shows and Copy copies. */
  text: string
  /** One line above the pane: what kind of value this is and how much of it is shown. */
  summary: string
}

/** JSON objects and arrays read better indented; anything else (a bare number, a quoted string) is left as typed. */
function prettyJson(text: string): string | null {
  const trimmed = text.trim()
  if (!/^[[{]/.test(trimmed)) return null
  try {
    return JSON.stringify(JSON.parse(trimmed), null, 2)
  } catch {
    return null
  }
}

function describe(value: Exclude<SqlValue, null>): Shown {
  if (typeof value === 'object' && '$blob' in value) {
    const size = `BLOB, ${formatCount(value.$blob)} bytes (${formatBytes(value.$blob)})`
    if (value.head === undefined) {
      return {
        summary: size,
        text: `The bytes were not loaded: a result carries at most ${formatBytes(BLOB_HEAD_BUDGET)} of BLOB previews. Select fewer rows to see this one.`,
      }
    }
    const bytes = base64ToBytes(value.head)
    const part = value.$blob > bytes.length ? ` — the first ${formatCount(Math.min(bytes.length, BLOB_HEAD_BYTES))} bytes` : ''
    return { summary: size + part, text: hexDump(bytes) }
  }
  const text = typeof value === 'object' ? value.$bigint : String(value)
  const json = typeof value === 'string' ? prettyJson(value) : null
  if (json !== null) return { summary: `JSON, ${formatCount(text.length)} characters (pretty-printed)`, text: json }
  return { summary: `${typeof value === 'string' ? 'Text' : 'Value'}, ${formatCount(text.length)} characters`, text }
}

/** The full value of one cell: long text and JSON in a scrollable monospace pane, BLOBs as a hex dump. */
export function CellViewer({ column, value, onClose }: { column: string; value: Exclude<SqlValue, null>; onClose(): void }) {
  const shown = useMemo(() => describe(value), [value])
  const [copied, setCopied] = useState(false)
  const copy = async () => {
    await copyText(shown.text)
    setCopied(true)
  }
  return (
    <Modal title={column} titleId="cell-viewer-title" testId="cell-viewer" onClose={onClose} closeOnBackdrop closeButton wide>
      <div className="cell-viewer__summary" data-testid="cell-viewer-summary">
        {shown.summary}
      </div>
      <pre className="cell-viewer__text" data-testid="cell-viewer-text" tabIndex={0}>
        {shown.text}
      </pre>
      <div className="dialog__actions">
        <button type="button" className="btn" onClick={() => void copy()} data-testid="cell-viewer-copy">
          Copy
        </button>
        {copied && (
          <span className="result-notice" role="status">
            Copied
          </span>
        )}
        <span className="toolbar-spacer" />
        <button type="button" className="btn" onClick={onClose}>
          Close
        </button>
      </div>
    </Modal>
  )
}
