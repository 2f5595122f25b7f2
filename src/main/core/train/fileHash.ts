import { createHash } from 'node:crypto'
import { closeSync, openSync, readSync } from 'node:fs'

/** sha256 of a file, read in 8 MiB chunks (model files are too large to read whole). */
export function sha256File(path: string): string {
  const h = createHash('sha256')
  const fd = openSync(path, 'r')
  try {
    const buf = Buffer.allocUnsafe(8 << 20)
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null)
      if (n === 0) break
      h.update(buf.subarray(0, n))
    }
  } finally {
    closeSync(fd)
  }
  return h.digest('hex')
}
