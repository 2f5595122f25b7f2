// The one atomic write of the app (the addon's is native/src/files.cpp): data goes to a temporary file beside the
// target, is fsynced, then renamed over the target (and the directory fsynced), so a crash or a full disk leaves the
// old file or the complete new one, never a mix. Used for everything something later trusts: run.json (resume),
// config.json, the models index, checkpoints, stage outputs, adapters' sidecars.
import { randomBytes } from 'node:crypto'
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
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

export interface AtomicWriteOptions {
  /**
   * false: atomic but not fsynced, for what can be recomputed (the teacher's response cache, thousands of small
   * files where a sync each would dominate). Default true.
   */
  durable?: boolean
}

/** Writes `chunks` (or text) to `path` atomically, creating its folder; throws INTERNAL naming a full disk. */
export function writeFileAtomic(path: string, chunks: readonly Uint8Array[] | string, options: AtomicWriteOptions = {}): void {
  const durable = options.durable ?? true
  // unique per writer: two writers of one file (two processes, or two async callers) never share a temporary file
  const tmp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`
  let fd: number | undefined
  try {
    mkdirSync(dirname(path), { recursive: true })
    fd = openSync(tmp, 'w')
    for (const chunk of typeof chunks === 'string' ? [Buffer.from(chunks, 'utf8')] : chunks) {
      let off = 0
      while (off < chunk.byteLength) off += writeSync(fd, chunk, off, chunk.byteLength - off)
    }
    if (durable) fsyncSync(fd)
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
  if (durable) fsyncDir(dirname(path))
}
