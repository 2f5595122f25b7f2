// Browser mode's half of drag-and-drop: a dropped File has no path the page may know, so its bytes go to the local
// host, which keeps a copy under the data folder and opens that (read-only, like every database). The route is
// transport-level plumbing beside the API contract (src/main/web/webHost.ts: UPLOAD_DATABASE_PATH).
import type { DatabaseInfo } from '../../../shared/api'
import { SqlstillError, isErrorShape, type Envelope } from '../../../shared/errors'

export const UPLOAD_DATABASE_URL = '/api/upload-database'

export interface UploadedCopy {
  database: DatabaseInfo
  path: string
  originalName: string
  copy: true
}

export async function uploadDatabase(file: File): Promise<UploadedCopy> {
  let response: Response
  try {
    response = await fetch(`${UPLOAD_DATABASE_URL}?name=${encodeURIComponent(file.name)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: file,
      credentials: 'same-origin',
    })
  } catch (err) {
    throw new SqlstillError('INTERNAL', `Could not send ${file.name} to the sqlstill host (${(err as Error).message}).`)
  }
  const body = (await response.json().catch(() => null)) as Envelope<UploadedCopy> | null
  if (body?.ok) return body.value
  if (body && !body.ok && isErrorShape(body.error)) throw SqlstillError.fromShape(body.error)
  throw new SqlstillError('INTERNAL', `The sqlstill host answered HTTP ${response.status} to the upload.`)
}
