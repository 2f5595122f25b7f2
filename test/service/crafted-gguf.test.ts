// The reported crash, end to end: a 1,084-byte GGUF declaring a 2^40-element array killed `ask --model` with a V8
// fatal error, and the web host on `model.info`, and again on every `model.list` once it sat in the models folder.
// Now each says NOT_A_MODEL and the host keeps answering.
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { Envelope } from '../../src/shared/errors'
import type { ModelEntry } from '../../src/shared/models'
import { repoRoot, spiderDb, tempDir } from '../helpers/paths'
import { startWebHost, type RunningHost } from '../helpers/webHost'

function craftedGguf(path: string): void {
  const key = Buffer.from('general.junk')
  const head = Buffer.alloc(24 + 8 + key.length + 16)
  head.write('GGUF', 0)
  head.writeUInt32LE(3, 4)
  head.writeBigUInt64LE(0n, 8) // tensors
  head.writeBigUInt64LE(1n, 16) // keys
  head.writeBigUInt64LE(BigInt(key.length), 24)
  key.copy(head, 32)
  head.writeUInt32LE(9, 32 + key.length) // array
  head.writeUInt32LE(0, 36 + key.length) // of u8
  head.writeBigUInt64LE(1n << 40n, 40 + key.length)
  writeFileSync(path, Buffer.concat([head, Buffer.alloc(1084 - head.length)]))
}

let host: RunningHost | undefined
afterAll(async () => {
  await host?.stop()
})

describe('a crafted GGUF', () => {
  it('is refused by `ask --model` with NOT_A_MODEL (exit 65), not a V8 fatal error', () => {
    const file = join(tempDir(), 'crafted.gguf')
    craftedGguf(file)
    const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'sqlstill.js'), 'ask', spiderDb('concert_singer'), 'How many singers?', '--model', file], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, SQLSTILL_DATA_DIR: tempDir() },
      timeout: 60_000,
    })
    expect(r.status, r.stderr).toBe(65)
    expect(r.stderr).toMatch(/NOT_A_MODEL/)
  })

  it('in the models folder: model.list lists it with the error, model.info refuses it, the host keeps answering', async () => {
    const dataDir = tempDir('sqlstill-crafted-')
    mkdirSync(join(dataDir, 'models'), { recursive: true })
    const file = join(dataDir, 'models', 'crafted.gguf')
    craftedGguf(file)
    host = await startWebHost({ dataDir, args: ['--no-demo'] })
    const invoke = async <T>(method: string, arg: unknown) => {
      const res = await fetch(`${host!.origin}/api/invoke/${method}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${host!.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(arg),
      })
      return (await res.json()) as Envelope<T>
    }
    const list = await invoke<ModelEntry[]>('model.list', null)
    expect(list.ok).toBe(true)
    const entry = list.ok ? list.value.find((m) => m.fileName === 'crafted.gguf') : undefined
    expect(entry?.info).toBeNull()
    expect(entry?.error?.code).toBe('NOT_A_MODEL')
    const info = await invoke('model.info', { path: file })
    expect(info).toMatchObject({ ok: false, error: { code: 'NOT_A_MODEL' } })
    expect((await invoke<{ shell: string }>('app.info', null)).ok).toBe(true)
    expect(host.process.exitCode).toBeNull()
  })
})
