// The db host: one child process per open database. It owns the read-only connection and runs one request at
// a time, synchronously. It exists so the parent can stop a runaway query for real, by killing this process
// (better-sqlite3 has no sqlite3_interrupt, and a thread stuck in sqlite3_step cannot be stopped).
import { Worker } from 'node:worker_threads'
import type Database from 'better-sqlite3'
import { SqlstillError, toErrorShape } from '../../../../shared/errors'
import { classifySqliteError } from '../../db/classifyError'
import { compileStatement, runQuery } from '../../db/execute'
import { introspectSchema } from '../../db/introspect'
import { openReadOnlySync } from '../../db/openReadOnly'
import { MEMORY_CAP_SIGNAL, QUERY_PROCESS_MEMORY_CAP_BYTES, type HostRequest, type HostResponse } from './protocol'

// A memory cap for this process, so one query cannot take the machine: `SELECT randomblob(5e8)` ×4 in one row took
// 3.9 GB. SQLite's own heap limit is off in better-sqlite3's build (no memory statistics), and the main thread is
// inside sqlite3_step while a query runs, so a worker thread watches the resident size and, past the cap, ends the
// process with MEMORY_CAP_SIGNAL; the parent reports that as TOO_LARGE and starts a new host for the next request.
new Worker(
  `const { workerData } = require('node:worker_threads')
   setInterval(() => {
     if (process.memoryUsage.rss() > workerData.cap) process.kill(process.pid, workerData.signal)
   }, 50)`, // not unref'd: that would end the worker at once (the worker itself is unref'd below)
  { eval: true, workerData: { cap: QUERY_PROCESS_MEMORY_CAP_BYTES, signal: process.platform === 'win32' ? 'SIGKILL' : MEMORY_CAP_SIGNAL } },
).unref()

let db: Database.Database | undefined
let dbPath: string | undefined
let sampleValues: number | undefined

function connection(): Database.Database {
  if (!db) throw new SqlstillError('INTERNAL', 'The database host has no open database.')
  return db
}

function handle(req: HostRequest): unknown {
  switch (req.op) {
    case 'open':
      db?.close()
      db = openReadOnlySync(req.path, { checkHeader: true })
      dbPath = db.name
      sampleValues = req.sampleValues
      return null
    case 'schema':
      try {
        return introspectSchema(connection(), { sampleValues })
      } catch (err) {
        throw classifySqliteError(err, { path: dbPath })
      }
    case 'query':
      return runQuery(connection(), req.sql, { maxRows: req.maxRows, path: dbPath })
    case 'compile':
      return compileStatement(connection(), req.sql, dbPath)
    case 'close':
      db?.close()
      db = undefined
      return null
    default:
      throw new SqlstillError('BAD_REQUEST', `Unknown db host request: ${(req as { op: string }).op}`)
  }
}

function reply(res: HostResponse): void {
  process.send?.(res)
}

process.on('message', (msg: HostRequest) => {
  let res: HostResponse
  try {
    res = { id: msg.id, ok: true, value: handle(msg) }
  } catch (err) {
    res = { id: msg.id, ok: false, error: toErrorShape(classifySqliteError(err, { path: dbPath })) }
  }
  reply(res)
  if (msg.op === 'close') process.disconnect?.()
})

// The parent went away (or closed us): nothing else will ever ask for anything.
process.on('disconnect', () => {
  try {
    db?.close()
  } finally {
    process.exit(0)
  }
})
