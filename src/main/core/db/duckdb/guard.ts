// Decides what may run on a DuckDB database. A .duckdb file is attached READ_ONLY, but the views over data files
// live in an in-memory database, which DuckDB would let anyone write to; and even a read-only database takes
// CREATE TEMP, SET, ATTACH or CHECKPOINT. So this layer, not the connection, is what keeps a handle a pure reader:
// exactly one statement, which DuckDB's own parser types as SELECT (that covers FROM …, VALUES, DESCRIBE, SHOW,
// SUMMARIZE and reading PRAGMAs, which DuckDB turns into SELECTs), or an EXPLAIN whose statement is such a SELECT.
// A few SELECT-typed functions act on the database (checkpoint(), nextval()): a READ_ONLY file refuses them, and
// an in-memory database of views has nothing they could change. Files are guarded by DuckDB itself (connect.ts).
import type { DuckDBConnection, DuckDBPreparedStatement } from '@duckdb/node-api'
import { StatementType } from '@duckdb/node-api'
import { SqlstillError } from '../../../../shared/errors'
import { classifyDuckDbError } from './errors'

const COMMENT_OR_SPACE = String.raw`(?:\s+|--[^\n]*(?:\n|$)|/\*[\s\S]*?\*/)*`
/** EXPLAIN [ANALYZE] [(options)]: what is left must itself be a SELECT. */
const EXPLAIN_PREFIX = new RegExp(String.raw`^${COMMENT_OR_SPACE}explain\s+(?:analy[sz]e\s+)?(?:\([^()]*\)\s*)?`, 'iu')

const ONLY_COMMENTS = new RegExp(String.raw`^(?:\s+|;|--[^\n]*(?:\n|$)|/\*[\s\S]*?\*/)*$`, 'u')

export const NOT_A_READ_MESSAGE =
  'sqlstill opens databases read-only: only a single query that reads (SELECT, WITH … SELECT, FROM …, VALUES, ' +
  'DESCRIBE, SHOW, EXPLAIN of a query) can run; this statement would write or change the connection, so it was not run.'

export type Judged = { prepared: DuckDBPreparedStatement; readonly: boolean }

function checkText(sql: unknown): asserts sql is string {
  if (typeof sql !== 'string') throw new SqlstillError('BAD_REQUEST', 'The SQL must be a string.')
  // DuckDB reads the SQL as a C string: whatever followed a NUL would be silently dropped
  if (sql.includes('\0')) {
    throw new SqlstillError('BAD_REQUEST', 'The SQL contains a NUL character; DuckDB would ignore everything after it, so it was not run.')
  }
}

/** Parses and prepares exactly one statement (nothing runs). Throws MULTIPLE_STATEMENTS, SQL_ERROR… */
async function prepareOne(connection: DuckDBConnection, sql: string): Promise<DuckDBPreparedStatement> {
  // DuckDB's extractStatements fails without a message on text that holds no statement
  if (ONLY_COMMENTS.test(sql)) throw new SqlstillError('SQL_ERROR', 'There is no SQL statement to run.')
  let extracted
  try {
    extracted = await connection.extractStatements(sql)
  } catch (err) {
    throw classifyDuckDbError(err, { sql })
  }
  if (extracted.count === 0) throw new SqlstillError('SQL_ERROR', 'There is no SQL statement to run.')
  if (extracted.count > 1) {
    throw new SqlstillError(
      'MULTIPLE_STATEMENTS',
      'Only one SQL statement can run at a time; remove everything after the first statement (a trailing semicolon or ' +
        'comment is fine). DuckDB also splits a PIVOT without an IN list into more than one statement.',
      { statements: extracted.count },
    )
  }
  try {
    return await extracted.prepare(0)
  } catch (err) {
    // A write that cannot even be bound (DELETE FROM a view over a CSV file, DROP of a missing table) is still a
    // write: it is refused as one, so a user sees "read-only" rather than a catalog error about a view.
    if (WRITE_KEYWORD.test(sql)) throw new SqlstillError('READ_ONLY', NOT_A_READ_MESSAGE, { duckdbMessage: err instanceof Error ? err.message : String(err) })
    throw classifyDuckDbError(err, { sql })
  }
}

/** Statements whose first keyword says they write or change the connection, whatever they name. */
const WRITE_KEYWORD = new RegExp(
  String.raw`^${COMMENT_OR_SPACE}(?:insert|update|delete|upsert|merge|truncate|create|drop|alter|copy|attach|detach|install|load|set|reset|checkpoint|force|vacuum|analyze|begin|start|commit|end|rollback|abort|export|import|use|prepare|execute|deallocate|grant|revoke|comment)\b`,
  'iu',
)

/** True when an EXPLAIN explains a SELECT (EXPLAIN ANALYZE runs its statement, so that must be a read too). */
async function explainsARead(connection: DuckDBConnection, sql: string): Promise<boolean> {
  const prefix = EXPLAIN_PREFIX.exec(sql)
  if (!prefix) return false
  try {
    const inner = await prepareOne(connection, sql.slice(prefix[0].length))
    try {
      return inner.statementType === StatementType.SELECT
    } finally {
      inner.destroySync()
    }
  } catch {
    return false
  }
}

/** Prepares one statement and says whether it only reads; nothing has run yet either way. */
export async function judgeStatement(connection: DuckDBConnection, sql: unknown): Promise<Judged> {
  checkText(sql)
  const prepared = await prepareOne(connection, sql)
  const type = prepared.statementType
  const readonly = type === StatementType.SELECT || (type === StatementType.EXPLAIN && (await explainsARead(connection, sql)))
  return { prepared, readonly }
}

/** Prepares one statement that only reads; anything else is refused with READ_ONLY before it runs. */
export async function prepareRead(connection: DuckDBConnection, sql: unknown): Promise<DuckDBPreparedStatement> {
  const { prepared, readonly } = await judgeStatement(connection, sql)
  if (!readonly) {
    prepared.destroySync()
    throw new SqlstillError('READ_ONLY', NOT_A_READ_MESSAGE, { statementType: StatementType[prepared.statementType] })
  }
  return prepared
}
