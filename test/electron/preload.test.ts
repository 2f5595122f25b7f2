// The built sandboxed preload (out/preload/index.cjs), run in a bare VM context with a stand-in for the only
// module a sandboxed preload may require: it must need nothing but 'electron', expose exactly the API transport
// and the file-path bridge, and answer a dropped file's path through webUtils.getPathForFile.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { PRELOAD_GLOBAL } from '../../src/shared/api'
import { PRELOAD_FILES_GLOBAL } from '../../src/shared/fileBridge'
import { repoRoot } from '../helpers/paths'

const bundle = join(repoRoot, 'out', 'preload', 'index.cjs')

describe.skipIf(!existsSync(bundle))('the built preload', () => {
  it('requires only electron and exposes the transport and the file bridge, nothing else', () => {
    const exposed = new Map<string, Record<string, unknown>>()
    const required: string[] = []
    const askedFor: unknown[] = []
    const invoked: unknown[][] = []
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, value: Record<string, unknown>) => exposed.set(key, value) },
      ipcRenderer: { invoke: (...args: unknown[]) => (invoked.push(args), Promise.resolve({ ok: true, value: null })), on: () => undefined, removeListener: () => undefined },
      webUtils: {
        getPathForFile: (file: unknown) => {
          askedFor.push(file)
          return '/home/me/shop.sqlite'
        },
      },
    }
    const module = { exports: {} }
    runInNewContext(readFileSync(bundle, 'utf8'), {
      require: (name: string) => {
        required.push(name)
        if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`)
        return electron
      },
      module,
      exports: module.exports,
      console,
    })
    expect([...new Set(required)]).toEqual(['electron'])
    expect([...exposed.keys()].sort()).toEqual([PRELOAD_GLOBAL, PRELOAD_FILES_GLOBAL].sort())
    expect(Object.keys(exposed.get(PRELOAD_FILES_GLOBAL)!)).toEqual(['pathForFile'])
    expect(Object.keys(exposed.get(PRELOAD_GLOBAL)!).sort()).toEqual(['invoke', 'subscribe'])

    const file = { name: 'shop.sqlite' }
    expect((exposed.get(PRELOAD_FILES_GLOBAL)!.pathForFile as (f: unknown) => string)(file)).toBe('/home/me/shop.sqlite')
    expect(askedFor).toEqual([file])
    void (exposed.get(PRELOAD_GLOBAL)!.invoke as (m: string, a: unknown) => Promise<unknown>)('app.info', null)
    expect(invoked).toEqual([['sqlstill:invoke', 'app.info', null]])
  })
})
