import { useState } from 'react'
import type { ApiErrorShape } from '../../../shared/errors'
import { toErrorShape } from '../../../shared/errors'
import { PRELOAD_FILES_GLOBAL, type FileBridge } from '../../../shared/fileBridge'
import { getApi } from '../api'
import { useFileDrop } from '../hooks/useFileDrop'
import { uploadDatabase } from '../lib/uploadDatabase'
import { ErrorPanel } from './ErrorPanel'
import '../styles/drop.css'

declare global {
  interface Window {
    [PRELOAD_FILES_GLOBAL]?: FileBridge
  }
}

interface Props {
  /** Opens (or re-selects) a database by path and makes it the active tab; false when it failed. */
  onOpenPath(path: string): Promise<boolean>
}

type Notice =
  | { kind: 'opening'; name: string }
  | { kind: 'copied'; name: string; path: string }
  | { kind: 'error'; name: string; error: ApiErrorShape }

/**
 * Drag a database file onto the window to open it. The desktop app opens the file where it is (the preload tells
 * its path); browser mode cannot know paths, so it uploads the bytes and opens a copy — and says so.
 * The core decides what is a database: anything else comes back as its clear error.
 */
export function DatabaseDropZone({ onOpenPath }: Props) {
  const [notice, setNotice] = useState<Notice | null>(null)

  const openOne = async (file: File) => {
    setNotice({ kind: 'opening', name: file.name })
    try {
      const path = window[PRELOAD_FILES_GLOBAL]?.pathForFile(file) ?? ''
      if (path) {
        // Opened first directly, for the error; then through the app, which makes it the active tab.
        await getApi().db.open({ path })
        await onOpenPath(path)
        setNotice(null)
      } else {
        const copy = await uploadDatabase(file)
        await onOpenPath(copy.path)
        setNotice({ kind: 'copied', name: copy.originalName, path: copy.path })
      }
    } catch (err) {
      setNotice({ kind: 'error', name: file.name, error: toErrorShape(err) })
    }
  }

  const dragging = useFileDrop((files) => {
    void (async () => {
      for (const file of files) await openOne(file)
    })()
  })

  return (
    <>
      {dragging && (
        <div className="drop-overlay" data-testid="drop-overlay" aria-hidden>
          <div className="drop-overlay__card">
            <strong>Drop a SQLite database to open it</strong>
            <span className="muted small">.sqlite, .db, .duckdb, .csv, .parquet … opened read-only</span>
          </div>
        </div>
      )}
      {notice && (
        <div className="drop-notice" role="status" aria-live="polite" data-testid="drop-notice" data-kind={notice.kind}>
          {notice.kind === 'opening' && (
            <div className="drop-notice__line">
              <span className="spinner" aria-hidden /> Opening {notice.name}…
            </div>
          )}
          {notice.kind === 'copied' && (
            <div className="drop-notice__line">
              <div className="drop-notice__text">
                <strong>Opened a copy of {notice.name}</strong>
                <span className="small muted">
                  In browser mode a dropped file cannot be opened where it is, so sqlstill saved a copy (read-only):{' '}
                  <code data-testid="drop-copy-path">{notice.path}</code>. Changes to the original will not show here.
                </span>
              </div>
              <button className="icon-btn" onClick={() => setNotice(null)} aria-label="Dismiss" data-testid="drop-notice-dismiss">
                ×
              </button>
            </div>
          )}
          {notice.kind === 'error' && <ErrorPanel error={notice.error} title={`Could not open ${notice.name}`} onDismiss={() => setNotice(null)} />}
        </div>
      )}
    </>
  )
}
