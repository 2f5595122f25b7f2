// The app's one atomic write, as config.json, the models index and run.json (which resume trusts) now use it:
// the whole new file or the old one, no temporary file left behind, concurrent writers never sharing a temp file,
// and a failed write that leaves the old contents and says why.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { writeAtomic } from '../../src/main/core/distill/pipeline/runDir'
import { writeFileAtomic } from '../../src/main/core/platform/atomicFile'
import { JsonFileStore } from '../../src/main/core/settings/keyValueStore'
import { tempDir } from '../helpers/paths'

describe('writeFileAtomic', () => {
  it('replaces the file whole, creates its folder, and leaves nothing else beside it', () => {
    const dir = tempDir('sqlstill-atomic-')
    const path = join(dir, 'nested', 'run.json')
    writeFileAtomic(path, '{"v":1}')
    writeFileAtomic(path, [Buffer.from('{"v":'), Buffer.from('2}')])
    writeFileAtomic(path, '{"v":3}', { durable: false })
    expect(readFileSync(path, 'utf8')).toBe('{"v":3}')
    expect(readdirSync(join(dir, 'nested'))).toEqual(['run.json'])
  })

  it('many writers of one file at once: every read sees one whole version, no temporary file survives', async () => {
    const dir = tempDir('sqlstill-atomic-')
    const path = join(dir, 'config.json')
    const versions = Array.from({ length: 50 }, (_, i) => JSON.stringify({ i, pad: 'x'.repeat(10_000 + i) }))
    await Promise.all(versions.map((v) => Promise.resolve().then(() => writeFileAtomic(path, v))))
    expect(versions).toContain(readFileSync(path, 'utf8'))
    expect(readdirSync(dir)).toEqual(['config.json'])
  })

  it('a write that cannot happen keeps the old file and names the problem; no temporary file is left', () => {
    const dir = tempDir('sqlstill-atomic-')
    const path = join(dir, 'models', 'index.json')
    writeFileAtomic(path, 'old')
    // a folder where the temporary file would have to be a file of that folder's name: rename fails
    const blocked = join(dir, 'blocked')
    mkdirSync(join(blocked, 'x'), { recursive: true })
    writeFileSync(join(blocked, 'x', 'keep'), 'k')
    expect(() => writeFileAtomic(join(blocked, 'x'), 'new')).toThrow(expect.objectContaining({ code: 'INTERNAL', message: expect.stringContaining('cannot write') }))
    expect(readdirSync(blocked)).toEqual(['x'])
    expect(readFileSync(path, 'utf8')).toBe('old')
  })

  it('is what the settings store and the run folder write through', () => {
    const dir = tempDir('sqlstill-atomic-')
    const store = new JsonFileStore(dir)
    store.set('settings', { rowCap: 5 })
    expect(new JsonFileStore(dir).get('settings')).toEqual({ rowCap: 5 })
    writeAtomic(join(dir, 'run', 'run.json'), '{}')
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'run'])
    expect(readdirSync(join(dir, 'run'))).toEqual(['run.json'])
  })
})
