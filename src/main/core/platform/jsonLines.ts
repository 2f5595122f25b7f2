// Append-only JSONL logs (question history, SQL runs): one JSON value per line, appended whole. A crash mid-append
// can leave a torn last line; the next append must start on a fresh line, or it would be glued onto the torn one
// and lost with it.
import { appendFileSync, closeSync, fstatSync, openSync, readSync } from 'node:fs'

function endsMidLine(file: string): boolean {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch {
    return false // no file yet
  }
  try {
    const size = fstatSync(fd).size
    if (size === 0) return false
    const last = Buffer.alloc(1)
    readSync(fd, last, 0, 1, size - 1)
    return last[0] !== 0x0a
  } finally {
    closeSync(fd)
  }
}

export function appendJsonLine(file: string, value: unknown): void {
  appendFileSync(file, (endsMidLine(file) ? '\n' : '') + JSON.stringify(value) + '\n')
}
