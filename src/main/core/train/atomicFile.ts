// Durable writes: data goes to a temporary file beside the target, is fsynced, then renamed over the target (and
// the directory fsynced), so a crash or a full disk leaves the old file or the complete new one, never a mix.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import { SqlstillError } from '../../../shared/errors'

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r')
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  } catch {
    // some filesystems refuse fsync on directories; the rename itself is still atomic
  }
}

export function writeFileAtomic(path: string, chunks: readonly Uint8Array[] | string): void {
  const tmp = `${path}.tmp-${process.pid}`
  let fd: number | undefined
  try {
    fd = openSync(tmp, 'w')
    for (const chunk of typeof chunks === 'string' ? [Buffer.from(chunks, 'utf8')] : chunks) {
      let off = 0
      while (off < chunk.byteLength) off += writeSync(fd, chunk, off, chunk.byteLength - off)
    }
    fsyncSync(fd)
    closeSync(fd)
    fd = undefined
    renameSync(tmp, path)
  } catch (err) {
    if (fd !== undefined) {
      try {
        closeSync(fd)
      } catch {
        // already failing; the write error is the one to report
      }
    }
    rmSync(tmp, { force: true })
    const code = (err as NodeJS.ErrnoException).code
    const reason = code === 'ENOSPC' || code === 'EDQUOT' ? 'the disk is full' : (err as Error).message
    throw new SqlstillError('INTERNAL', `cannot write ${path}: ${reason}`, { path, errno: code })
  }
  fsyncDir(dirname(path))
}
