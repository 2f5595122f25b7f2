// Acceptance: runaway queries are really stopped (the host process is killed), within about a second, and the
// handle keeps working; a crashed host fails only what it was running.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase, type DatabaseHandle } from '../../src/main/core/db'
import type { HostedDatabase } from '../../src/main/core/hosts/database/client'
import { spiderDb } from '../helpers/paths'
import { expectRejects } from './dbTestUtils'

const FOREVER = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c'

let db: DatabaseHandle

beforeAll(async () => {
  db = await openDatabase(spiderDb('concert_singer'))
})

afterAll(async () => {
  await db.close()
})

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (cond()) return true
    await new Promise((r) => setTimeout(r, 20))
  }
  return cond()
}

describe('timeout and cancel', () => {
  it('a query past timeoutMs rejects with TIMEOUT within 2 s, and the next query works', async () => {
    const pid = (db as HostedDatabase).hostPid!
    const started = performance.now()
    const err = await expectRejects(db.query(FOREVER, { timeoutMs: 1000 }), ['TIMEOUT'])
    const elapsed = performance.now() - started
    expect(elapsed).toBeGreaterThanOrEqual(990)
    expect(elapsed).toBeLessThan(2_000)
    expect(err.message).toMatch(/1000 ms/)
    // The runaway query's process is gone, not left computing.
    expect(await waitFor(() => !pidAlive(pid), 2_000)).toBe(true)
    expect((await db.query('SELECT count(*) FROM singer')).rows).toEqual([[6]])
  })

  it('cancel(queryId) mid-query rejects with CANCELLED within 1 s; queued queries still run', async () => {
    await db.query('SELECT 1') // make sure a host is up, so the query below starts at once
    const running = db.query(FOREVER, { queryId: 'q-long', timeoutMs: 60_000 })
    const queued = db.query('SELECT Name FROM singer ORDER BY Singer_ID LIMIT 1', { queryId: 'q-next' })
    const queuedCancelled = db.query('SELECT 2', { queryId: 'q-dropped' })
    await new Promise((r) => setTimeout(r, 300))
    expect(db.cancel('q-dropped')).toBe(true)
    await expectRejects(queuedCancelled, ['CANCELLED'])
    const started = performance.now()
    expect(db.cancel('q-long')).toBe(true)
    await expectRejects(running, ['CANCELLED'])
    expect(performance.now() - started).toBeLessThan(1_000)
    expect((await queued).rows).toEqual([['Joe Sharp']])
    expect(db.cancel('q-long')).toBe(false)
    expect(db.cancel('no-such-query')).toBe(false)
  })

  it('compile() never runs the statement: it returns at once for a query that would never end', async () => {
    const started = performance.now()
    const res = await db.compile(FOREVER)
    expect(res).toEqual({ ok: true, readonly: true, columnNames: ['count(*)'] })
    expect(performance.now() - started).toBeLessThan(1_000)
  })

  it('survives the host crashing: the running call fails with INTERNAL, the next one works', async () => {
    await db.query('SELECT 1')
    const pid = (db as HostedDatabase).hostPid!
    const running = db.query(FOREVER, { timeoutMs: 30_000 })
    await new Promise((r) => setTimeout(r, 200))
    process.kill(pid, 'SIGKILL')
    const err = await expectRejects(running, ['INTERNAL'])
    expect(err.message).toMatch(/stopped unexpectedly/)
    expect((await db.query('SELECT count(*) FROM stadium')).rows).toEqual([[9]])
    expect((db as HostedDatabase).hostPid).not.toBe(pid)
  })

  it('handles are independent: a runaway query on one does not block another', async () => {
    const other = await openDatabase(spiderDb('pets_1'))
    try {
      const slow = db.query(FOREVER, { timeoutMs: 1500 })
      const started = performance.now()
      const res = await other.query('SELECT count(*) FROM Student')
      expect(performance.now() - started).toBeLessThan(1_000)
      expect(res.rows[0][0]).toBeGreaterThan(0)
      await expectRejects(slow, ['TIMEOUT'])
    } finally {
      await other.close()
    }
  })

  it('close() stops a running query and later calls fail clearly', async () => {
    const h = await openDatabase(spiderDb('concert_singer'))
    const pid = (h as HostedDatabase).hostPid!
    const running = h.query(FOREVER, { timeoutMs: 60_000 })
    await new Promise((r) => setTimeout(r, 200))
    await h.close()
    await expectRejects(running, ['NOT_FOUND'])
    expect(await waitFor(() => !pidAlive(pid), 2_000)).toBe(true)
    await expectRejects(h.schema(), ['NOT_FOUND'])
  })
})
