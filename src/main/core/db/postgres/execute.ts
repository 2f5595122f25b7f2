// Runs one checked read on a connection: BEGIN READ ONLY, a time limit for every statement, the statement as a
// NO SCROLL cursor (DECLARE accepts only a plain read, and sends it through the extended protocol, which refuses a
// second statement), FETCH in batches until the row or byte cap, ROLLBACK. Nothing is materialised beyond the caps.
import { performance } from 'node:perf_hooks'
import type pg from 'pg'
import { SqlstillError, toErrorShape } from '../../../../shared/errors'
import { BLOB_HEAD_BUDGET, DEFAULT_ROW_CAP, type QueryResult, type ResultColumn } from '../../../../shared/query'
import type { SqlValue } from '../../../../shared/schema'
import type { CompileResult } from '../execute'
import { classifyQueryError } from './classifyError'
import { checkReadStatement, tokenize, trimStatement } from './guard'
import { byteaHead, convertValue, OID } from './values'
import type { Catalog } from './catalog'

/** The same cap the SQLite layer uses: a result must fit one IPC message and the grid. */
export const MAX_RESULT_BYTES = 64 * 1024 ** 2
const MAX_BATCH_ROWS = 1000
/** A batch aims at about this many bytes, so a table of 10 MB documents is not fetched 1,000 rows at a time. */
const BATCH_TARGET_BYTES = 4 * 1024 ** 2
const CURSOR = 'sqlstill_cursor'

/** Lets the caller stop a running query between round trips (the server-side cancel stops the one in progress). */
export interface StopSignal {
  stopped: boolean
}

/** Statements that send the SQL as given must not be split into two by the simple protocol. */
export function extended(text: string): pg.QueryConfig {
  return { text, queryMode: 'extended' } as pg.QueryConfig
}

function valueBytes(v: SqlValue): number {
  if (typeof v === 'string') return v.length + 2
  if (typeof v === 'object' && v !== null && '$blob' in v && v.head) return v.head.length + 16
  return 8
}

export function normalizeCap(maxRows: number | undefined): number {
  if (maxRows === undefined || maxRows === null) return DEFAULT_ROW_CAP
  if (!Number.isInteger(maxRows) || maxRows < 0) {
    throw new SqlstillError('BAD_REQUEST', `maxRows must be a non-negative integer (got ${String(maxRows)}).`)
  }
  return maxRows
}

/** PostgreSQL's settings (and Node's timers) hold at most a 32-bit count of milliseconds. */
export const MAX_TIMEOUT_MS = 2_147_483_647

async function inReadOnlyTransaction<T>(client: pg.Client, timeoutMs: number, body: () => Promise<T>): Promise<T> {
  await client.query('BEGIN READ ONLY')
  try {
    await client.query(`SET LOCAL statement_timeout = ${Math.min(MAX_TIMEOUT_MS, Math.max(1, Math.ceil(timeoutMs)))}`)
    return await body()
  } finally {
    // After an error the transaction is aborted; ROLLBACK ends it either way. A dead connection fails here too,
    // and the caller's error is the one that matters.
    await client.query('ROLLBACK').catch(() => undefined)
  }
}

export interface RunOptions {
  maxRows?: number
  maxBytes?: number
  timeoutMs: number
  signal: StopSignal
}

export async function runPostgresQuery(client: pg.Client, catalog: Catalog, sql: string, opts: RunOptions): Promise<QueryResult> {
  const start = performance.now()
  const rowCap = normalizeCap(opts.maxRows)
  const { text } = checkReadStatement(sql)
  const maxBytes = opts.maxBytes ?? MAX_RESULT_BYTES
  const stopIfAsked = (): void => {
    if (opts.signal.stopped) throw new SqlstillError('CANCELLED', 'The query was stopped.')
  }
  return inReadOnlyTransaction(client, opts.timeoutMs, async () => {
    try {
      // A newline before the statement: a leading comment cannot swallow the cursor's own words.
      await client.query(extended(`DECLARE ${CURSOR} NO SCROLL CURSOR FOR\n${text}`))
      const rows: SqlValue[][] = []
      let fields: pg.FieldDef[] | undefined
      let columns: ResultColumn[] = []
      let truncatedBy: QueryResult['truncatedBy']
      let bytes = 0
      let headBudget = BLOB_HEAD_BUDGET
      let batch = Math.min(MAX_BATCH_ROWS, rowCap + 1)
      for (;;) {
        stopIfAsked()
        const res = (await client.query({ text: `FETCH FORWARD ${batch} FROM ${CURSOR}`, rowMode: 'array' })) as unknown as pg.QueryArrayResult<(string | null)[]>
        if (!fields) {
          fields = res.fields
          await catalog.load(client, fields.map((f) => f.dataTypeID), fields.map((f) => f.tableID))
          columns = fields.map((f) => ({ name: f.name, declaredType: catalog.typeName(f.dataTypeID), table: f.tableID ? catalog.tableName(f.tableID) : null }))
        }
        let batchBytes = 0
        for (const raw of res.rows) {
          if (rows.length >= rowCap) {
            truncatedBy = 'rows'
            break
          }
          let rowBytes = 0
          const row = raw.map((v, i) => {
            const oid = fields![i].dataTypeID
            const value = convertValue(v, oid, catalog.typeInfo)
            if (oid === OID.bytea && v !== null && headBudget > 0) {
              const head = byteaHead(v)
              headBudget -= Math.ceil((head.length * 3) / 4)
              ;(value as { head?: string }).head = head
            }
            rowBytes += valueBytes(value)
            return value
          })
          bytes += rowBytes
          batchBytes += rowBytes
          if (bytes > maxBytes) {
            truncatedBy = 'bytes'
            break
          }
          rows.push(row)
        }
        if (truncatedBy || res.rows.length < batch) break
        const avg = batchBytes / Math.max(1, res.rows.length)
        batch = Math.max(1, Math.min(MAX_BATCH_ROWS, rowCap + 1 - rows.length, Math.floor(BATCH_TARGET_BYTES / Math.max(avg, 1))))
      }
      const truncated = truncatedBy !== undefined
      const elapsedMs = Math.round(Math.max(performance.now() - start, 0.001) * 1000) / 1000
      return { columns, rows, rowCount: rows.length, truncated, ...(truncated ? { truncatedBy, byteCap: maxBytes } : {}), rowCap, elapsedMs, sql: text }
    } catch (err) {
      throw classifyQueryError(err)
    }
  })
}

/** PostgreSQL's statements, by first word: anything else is a syntax error, reported without a round trip. */
const COMMANDS = new Set(
  ('abort alter analyze analyse begin call checkpoint close cluster comment commit copy create deallocate declare delete discard do ' +
    'drop end execute explain fetch grant import insert listen load lock merge move notify prepare reassign refresh reindex release ' +
    'reset revoke rollback savepoint security select set show start table truncate unlisten update vacuum values with').split(' '),
)

/** Statements PREPARE accepts: a write among them is parsed and checked against the schema, never run. */
const PREPARABLE = new Set(['insert', 'update', 'delete', 'merge', 'select', 'with', 'values', 'table'])

/**
 * Checks a statement without running it. A read is declared as a cursor (which validates it the way query() will)
 * and described through `SELECT * FROM (…) LIMIT 0` for its column names; a write is PREPAREd (parse and analysis
 * only) and reported as valid but not runnable; other statements (DDL, SET…) are valid-but-refused without a check.
 */
export async function compilePostgres(client: pg.Client, sql: string, timeoutMs: number): Promise<CompileResult> {
  try {
    let text: string
    try {
      text = checkReadStatement(sql).text
    } catch (err) {
      if (!(err instanceof SqlstillError) || err.code !== 'READ_ONLY') throw err
      const first = tokenize(trimStatement(sql)).find((t) => t.kind === 'word')
      if (first?.kind === 'word' && (first.quoted || !COMMANDS.has(first.text))) {
        return { ok: false, error: { code: 'SQL_ERROR', message: `syntax error at or near "${first.text}"`, details: { sqlState: '42601' } } }
      }
      if (first?.kind === 'word' && !first.quoted && PREPARABLE.has(first.text)) {
        try {
          await inReadOnlyTransaction(client, timeoutMs, async () => {
            await client.query(extended(`PREPARE sqlstill_compile AS\n${trimStatement(sql)}`))
          })
        } finally {
          // Prepared statements outlive ROLLBACK.
          await client.query('DEALLOCATE sqlstill_compile').catch(() => undefined)
        }
      }
      return { ok: true, readonly: false, columnNames: [] }
    }
    return await inReadOnlyTransaction(client, timeoutMs, async () => {
      await client.query(extended(`DECLARE ${CURSOR} NO SCROLL CURSOR FOR\n${text}`))
      await client.query(`CLOSE ${CURSOR}`)
      const res = await client.query(extended(`SELECT * FROM (\n${text}\n) AS sqlstill_compile LIMIT 0`))
      return { ok: true as const, readonly: true, columnNames: res.fields.map((f) => f.name) }
    })
  } catch (err) {
    return { ok: false, error: toErrorShape(classifyQueryError(err)) }
  }
}
