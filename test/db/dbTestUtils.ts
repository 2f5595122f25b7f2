import { createHash } from 'node:crypto'
import { copyFileSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'vitest'
import { SqlstillError, type ErrorCode } from '../../src/shared/errors'
import { spiderDb, tempDir } from '../helpers/paths'

/** Copies a Spider database into a fresh temp folder, so tests may lock, corrupt or watch it. */
export function copySpiderDb(id: string, dir = tempDir('sqlstill-db-')): string {
  const target = join(dir, `${id}.sqlite`)
  copyFileSync(spiderDb(id), target)
  return target
}

export interface FileState {
  sha256: string
  mtimeMs: number
  size: number
}

export function fileState(path: string): FileState {
  const st = statSync(path)
  return { sha256: createHash('sha256').update(readFileSync(path)).digest('hex'), mtimeMs: st.mtimeMs, size: st.size }
}

export function listDir(dir: string): string[] {
  return readdirSync(dir).sort()
}

/** Awaits a promise that must reject with a SqlstillError whose code is one of `codes`; returns the error. */
export async function expectRejects(promise: Promise<unknown>, codes: ErrorCode[]): Promise<SqlstillError> {
  let error: unknown
  try {
    await promise
  } catch (err) {
    error = err
  }
  expect(error, 'expected the call to fail').toBeInstanceOf(SqlstillError)
  expect(codes).toContain((error as SqlstillError).code)
  return error as SqlstillError
}

export function expectThrows(fn: () => unknown, codes: ErrorCode[]): SqlstillError {
  let error: unknown
  try {
    fn()
  } catch (err) {
    error = err
  }
  expect(error, 'expected the call to throw').toBeInstanceOf(SqlstillError)
  expect(codes).toContain((error as SqlstillError).code)
  return error as SqlstillError
}
