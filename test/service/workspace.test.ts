// The editor's per-database state through the real core service: tabs, saved queries and the SQL run by hand,
// kept by database file (two same-named files do not share), surviving a reopen, and robust to a mangled file.
import { appendFileSync, copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dispatch } from '../../src/main/core/service/dispatch'
import { CoreService } from '../../src/main/core/service/coreService'
import { JsonFileStore } from '../../src/main/core/settings/keyValueStore'
import { perDatabaseFile } from '../../src/main/core/platform/perDatabaseFile'
import { WorkspaceStore } from '../../src/main/core/workspace/workspaceStore'
import { MAX_EDITOR_TABS, type EditorTab } from '../../src/shared/workspace'
import { spiderDb, tempDir } from '../helpers/paths'

let dataDir: string
let service: CoreService
let dbA: string
let dbB: string

beforeAll(() => {
  dataDir = tempDir('sqlstill-workspace-')
  // two files with the same name in different folders
  mkdirSync(join(dataDir, 'a'))
  mkdirSync(join(dataDir, 'b'))
  dbA = join(dataDir, 'a', 'music.sqlite')
  dbB = join(dataDir, 'b', 'music.sqlite')
  copyFileSync(spiderDb('concert_singer'), dbA)
  copyFileSync(spiderDb('concert_singer'), dbB)
  service = new CoreService({ shell: 'web', version: '0.0.0-test', dataDir, store: new JsonFileStore(dataDir) })
})
afterAll(async () => {
  await service?.dispose()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

const tab = (id: string, sql: string, kind: EditorTab['kind'] = 'query'): EditorTab => ({ id, title: `T ${id}`, sql, kind })

describe('workspace.* (editor tabs, saved queries, SQL run by hand)', () => {
  it('keeps tabs per database file, across a close and reopen', async () => {
    const a = await service.openDatabase(dbA)
    const b = await service.openDatabase(dbB)
    expect((await service.handlers['workspace.get']({ dbId: a.id })).tabs).toEqual([])
    await service.handlers['workspace.saveTabs']({ dbId: a.id, tabs: [tab('1', 'SELECT 1'), tab('2', 'SELECT 2', 'answer')], activeTabId: '2' })
    await service.handlers['workspace.saveTabs']({ dbId: b.id, tabs: [tab('9', 'SELECT 9')], activeTabId: '9' })
    await service.handlers['db.close']({ dbId: a.id })
    const again = await service.openDatabase(dbA)
    const ws = await service.handlers['workspace.get']({ dbId: again.id })
    expect(ws.tabs.map((t) => t.sql)).toEqual(['SELECT 1', 'SELECT 2'])
    expect(ws.activeTabId).toBe('2')
    expect((await service.handlers['workspace.get']({ dbId: b.id })).tabs.map((t) => t.sql)).toEqual(['SELECT 9'])
  })

  it('refuses what the contract does not allow: too many tabs, duplicate ids, a bad kind', async () => {
    const a = await service.openDatabase(dbA)
    const many = Array.from({ length: MAX_EDITOR_TABS + 1 }, (_, i) => tab(String(i), ''))
    const tooMany = await dispatch(service.handlers, 'workspace.saveTabs', { dbId: a.id, tabs: many, activeTabId: null })
    expect(tooMany.ok ? null : tooMany.error.code).toBe('BAD_REQUEST')
    const dup = await dispatch(service.handlers, 'workspace.saveTabs', { dbId: a.id, tabs: [tab('x', ''), tab('x', '')], activeTabId: null })
    expect(dup.ok ? null : dup.error.code).toBe('BAD_REQUEST')
    const kind = await dispatch(service.handlers, 'workspace.saveTabs', { dbId: a.id, tabs: [{ ...tab('y', ''), kind: 'script' }], activeTabId: null })
    expect(kind.ok ? null : kind.error.code).toBe('BAD_REQUEST')
    // what was kept is untouched
    expect((await service.handlers['workspace.get']({ dbId: a.id })).tabs).toHaveLength(2)
  })

  it('saves queries by name (same name, any case, replaces) and deletes them', async () => {
    const a = await service.openDatabase(dbA)
    const first = await service.handlers['workspace.saveQuery']({ dbId: a.id, name: 'Singers', sql: 'SELECT * FROM singer' })
    await service.handlers['workspace.saveQuery']({ dbId: a.id, name: 'Concerts', sql: 'SELECT * FROM concert' })
    const replaced = await service.handlers['workspace.saveQuery']({ dbId: a.id, name: 'singers ', sql: 'SELECT name FROM singer' })
    expect(replaced.id).toBe(first.id)
    const saved = (await service.handlers['workspace.get']({ dbId: a.id })).saved
    expect(saved.map((q) => [q.name, q.sql])).toEqual([
      ['singers', 'SELECT name FROM singer'],
      ['Concerts', 'SELECT * FROM concert'],
    ])
    expect((await service.handlers['workspace.deleteQuery']({ dbId: a.id, id: first.id })).map((q) => q.name)).toEqual(['Concerts'])
    const gone = await dispatch(service.handlers, 'workspace.deleteQuery', { dbId: a.id, id: first.id })
    expect(gone.ok ? null : gone.error.code).toBe('NOT_FOUND')
    // tabs were not touched by saving queries
    expect((await service.handlers['workspace.get']({ dbId: a.id })).tabs).toHaveLength(2)
  })

  it('records the SQL run from the editor (and only that), with rows or the error code, newest first', async () => {
    const a = await service.openDatabase(dbA)
    await service.handlers['db.query']({ dbId: a.id, sql: 'SELECT count(*) FROM singer', record: true })
    await service.handlers['db.query']({ dbId: a.id, sql: 'SELECT 1' }) // not from the editor: not recorded
    await dispatch(service.handlers, 'db.query', { dbId: a.id, sql: 'SELECT nope FROM singer', record: true })
    await dispatch(service.handlers, 'db.query', { dbId: a.id, sql: 'DELETE FROM singer', record: true })
    const runs = await service.handlers['workspace.runs']({ dbId: a.id })
    expect(runs.map((r) => [r.sql, r.rowCount ?? r.errorCode])).toEqual([
      ['DELETE FROM singer', 'READ_ONLY'],
      ['SELECT nope FROM singer', 'SQL_ERROR'],
      ['SELECT count(*) FROM singer', 1],
    ])
  })

  it('reads a mangled workspace file as empty, and skips a torn line of the run log', async () => {
    const store = new WorkspaceStore(dataDir)
    const stateFile = perDatabaseFile(dataDir, 'workspace', dbA, '.json')
    writeFileSync(stateFile, '{"tabs": [{"id": 1}], "saved": "no"')
    expect(store.get(dbA)).toEqual({ tabs: [], activeTabId: null, saved: [] })
    writeFileSync(stateFile, JSON.stringify({ tabs: [{ id: 'ok', title: 'Fine', sql: 'SELECT 1', kind: 'query' }, { id: 2 }], saved: [{ id: 'x' }] }))
    expect(store.get(dbA).tabs.map((t) => t.id)).toEqual(['ok'])
    // a crash mid-append left a torn line: the next run is not glued onto it
    appendFileSync(perDatabaseFile(dataDir, 'workspace', dbA, '.sql.jsonl'), '{"sql": "SELECT torn')
    store.recordRun(dbA, { sql: 'SELECT after', at: new Date().toISOString(), elapsedMs: 1, rowCount: 1 })
    expect(store.runs(dbA).map((r) => r.sql).slice(0, 2)).toEqual(['SELECT after', 'DELETE FROM singer'])
  })
})
