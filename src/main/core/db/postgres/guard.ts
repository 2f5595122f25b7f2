// The checks a statement passes before it reaches PostgreSQL. The server enforces read-only on its own (the
// session has default_transaction_read_only on and every query runs inside BEGIN READ ONLY … ROLLBACK, through
// DECLARE CURSOR, which accepts only a plain read), so these checks are not the only wall: they give a refused
// statement a clear READ_ONLY error before anything runs, and they refuse the few functions that act even inside a
// read-only transaction. A role granted SELECT only is still the one to connect with: the deny-list below covers
// the built-in functions, not whatever functions the database's owner has added.
import { SqlstillError } from '../../../../shared/errors'

export type Token =
  | { kind: 'word'; text: string; quoted: boolean }
  | { kind: 'semicolon' }
  | { kind: 'other'; text: string }

/**
 * Splits SQL into identifiers/keywords (unquoted ones lower-cased, as PostgreSQL folds them; quoted ones as written,
 * U&"…" escapes decoded), semicolons and other symbols. String constants ('…', E'…', U&'…', $tag$…$tag$) and
 * comments (--, nested /* *\/) are dropped: no function can be named inside them.
 */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  const n = sql.length
  while (i < n) {
    const c = sql[i]
    if (/\s/u.test(c)) {
      i++
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++
    } else if (c === '/' && sql[i + 1] === '*') {
      let depth = 1
      i += 2
      while (i < n && depth > 0) {
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth++
          i += 2
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth--
          i += 2
        } else i++
      }
    } else if (c === "'") {
      i = skipQuoted(sql, i, "'", false)
    } else if ((c === 'e' || c === 'E') && sql[i + 1] === "'") {
      i = skipQuoted(sql, i + 1, "'", true)
    } else if ((c === 'u' || c === 'U') && sql[i + 1] === '&' && sql[i + 2] === "'") {
      i = skipQuoted(sql, i + 2, "'", false)
    } else if ((c === 'u' || c === 'U') && sql[i + 1] === '&' && sql[i + 2] === '"') {
      const end = skipQuoted(sql, i + 2, '"', false)
      // `U&"!0070g_…" UESCAPE '!'` picks another escape character: decode with it, or a name could hide.
      const uescape = /^\s*uescape\s*'(.)'/iu.exec(sql.slice(end))
      tokens.push({ kind: 'word', text: decodeUnicodeEscapes(sql.slice(i + 3, end - 1).replace(/""/gu, '"'), uescape?.[1] ?? '\\'), quoted: true })
      i = uescape ? end + uescape[0].length : end
    } else if (c === '"') {
      const end = skipQuoted(sql, i, '"', false)
      tokens.push({ kind: 'word', text: sql.slice(i + 1, end - 1).replace(/""/gu, '"'), quoted: true })
      i = end
    } else if (c === '$' && /^\$(?:[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/u.test(sql.slice(i))) {
      const tag = /^\$(?:[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/u.exec(sql.slice(i))![0]
      const close = sql.indexOf(tag, i + tag.length)
      i = close < 0 ? n : close + tag.length
    } else if (/[A-Za-z_\u0080-\uffff]/u.test(c)) {
      let j = i + 1
      while (j < n && /[\w$\u0080-\uffff]/u.test(sql[j])) j++
      tokens.push({ kind: 'word', text: sql.slice(i, j).toLowerCase(), quoted: false })
      i = j
    } else if (c === ';') {
      tokens.push({ kind: 'semicolon' })
      i++
    } else {
      tokens.push({ kind: 'other', text: c })
      i++
    }
  }
  return tokens
}

/** Returns the index just past a quoted run starting at `start` (the opening quote); a doubled quote is one char. */
function skipQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1
  while (i < sql.length) {
    const c = sql[i]
    if (backslashEscapes && c === '\\') i += 2
    else if (c === quote) {
      if (sql[i + 1] === quote) i += 2
      else return i + 1
    } else i++
  }
  return sql.length
}

function decodeUnicodeEscapes(text: string, escape: string): string {
  let out = ''
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== escape) {
      out += text[i]
    } else if (text[i + 1] === escape) {
      out += escape
      i++
    } else if (text[i + 1] === '+' && /^[0-9a-fA-F]{6}$/u.test(text.slice(i + 2, i + 8))) {
      out += String.fromCodePoint(Number.parseInt(text.slice(i + 2, i + 8), 16))
      i += 7
    } else if (/^[0-9a-fA-F]{4}$/u.test(text.slice(i + 1, i + 5))) {
      out += String.fromCodePoint(Number.parseInt(text.slice(i + 1, i + 5), 16))
      i += 4
    } else {
      out += text[i]
    }
  }
  return out
}

/**
 * Functions refused by name, each because it acts even inside a read-only transaction that is rolled back:
 * - advisory locks: session-level ones survive ROLLBACK and would block other clients;
 * - signalling other sessions or the server: pg_terminate_backend, pg_cancel_backend, pg_reload_conf,
 *   pg_rotate_logfile, pg_promote, pg_log_backend_memory_contexts;
 * - reading or writing the server's files: pg_read_file, pg_read_binary_file, pg_ls_*, pg_stat_file, pg_file_*
 *   (adminpack), lo_import/lo_export and the other large-object functions;
 * - WAL, backup and replication control: pg_switch_wal, pg_create_restore_point, pg_backup_*, replication slots
 *   and origins, pg_logical_* (which also consume a slot's changes), pg_wal_replay_*;
 * - reaching other servers: dblink*, postgres_fdw's connection helpers;
 * - changing the session or talking to other sessions: set_config, pg_notify, pg_stat_reset*;
 * - sequences and transaction ids: nextval/setval (sequence changes are not rolled back), txid_current and
 *   pg_current_xact_id (they assign a transaction id);
 * - running SQL hidden in a string, which would escape this check: query_to_xml*, cursor_to_xml*, ts_stat, ts_rewrite.
 * pg_sleep stays allowed: the time limit stops it.
 */
const DENIED_FUNCTIONS = new Set([
  'pg_terminate_backend',
  'pg_cancel_backend',
  'pg_reload_conf',
  'pg_rotate_logfile',
  'pg_promote',
  'pg_log_backend_memory_contexts',
  'pg_stat_file',
  'pg_switch_wal',
  'pg_create_restore_point',
  'pg_start_backup',
  'pg_stop_backup',
  'pg_import_system_collations',
  'pg_notify',
  'set_config',
  'nextval',
  'setval',
  'pg_current_xact_id',
  'pg_current_xact_id_if_assigned',
  'query_to_xml',
  'query_to_xmlschema',
  'query_to_xml_and_xmlschema',
  'cursor_to_xml',
  'cursor_to_xmlschema',
  'ts_stat',
  'ts_rewrite',
  'loread',
  'lowrite',
  'pg_drop_replication_slot',
  'pg_replication_slot_advance',
])

const DENIED_PREFIXES = [
  'pg_advisory_',
  'pg_try_advisory_',
  'pg_read_',
  'pg_ls_',
  'pg_file_',
  'lo_',
  'pg_backup_',
  'pg_wal_replay_',
  'pg_create_physical_replication_slot',
  'pg_create_logical_replication_slot',
  'pg_copy_',
  'pg_replication_origin_',
  'pg_logical_',
  'pg_stat_reset',
  'pg_stat_statements_reset',
  'dblink',
  'postgres_fdw_disconnect',
  'txid_',
]

export function isDeniedFunction(name: string): boolean {
  const lower = name.toLowerCase()
  return DENIED_FUNCTIONS.has(lower) || DENIED_PREFIXES.some((p) => lower.startsWith(p))
}

/** Statements DECLARE CURSOR accepts: the only ones query() runs. */
const READ_STARTS = new Set(['select', 'with', 'values', 'table'])

export const SELECT_ONLY_ADVICE =
  'For a database you care about, connect as a role that is granted SELECT only (CREATE ROLE reader LOGIN PASSWORD …; GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader).'

export interface CheckedStatement {
  /** The statement as it will run: trailing semicolons and whitespace removed. */
  text: string
}

/** Drops trailing whitespace and semicolons: `SELECT 1;` runs as `SELECT 1`. */
export function trimStatement(sql: string): string {
  return sql.replace(/[\s;]+$/u, '')
}

/**
 * Throws BAD_REQUEST / SQL_ERROR / MULTIPLE_STATEMENTS / READ_ONLY for anything query() must not run; returns the
 * trimmed statement otherwise.
 */
export function checkReadStatement(sql: string): CheckedStatement {
  if (typeof sql !== 'string') throw new SqlstillError('BAD_REQUEST', 'The SQL must be a string.')
  if (sql.includes('\0')) throw new SqlstillError('BAD_REQUEST', 'The SQL contains a NUL character, which PostgreSQL does not accept.')
  const text = trimStatement(sql)
  const tokens = tokenize(text)
  if (tokens.length === 0) throw new SqlstillError('SQL_ERROR', 'There is no SQL statement to run.')
  if (tokens.some((t) => t.kind === 'semicolon')) {
    throw new SqlstillError(
      'MULTIPLE_STATEMENTS',
      'Only one SQL statement can run at a time; remove everything after the first statement (a trailing semicolon or comment is fine).',
    )
  }
  const first = tokens.find((t) => !(t.kind === 'other' && t.text === '('))
  if (!first || first.kind !== 'word' || first.quoted || !READ_STARTS.has(first.text)) {
    throw new SqlstillError(
      'READ_ONLY',
      'sqlstill opens PostgreSQL databases read-only: only a query that reads (SELECT, WITH … SELECT, VALUES, TABLE) can run; ' +
        `this statement${first?.kind === 'word' ? ` (${first.text.toUpperCase()})` : ''} was not run.`,
      { statement: first?.kind === 'word' ? first.text : null },
    )
  }
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]
    if (t.kind !== 'word') continue
    if (isDeniedFunction(t.text)) {
      throw new SqlstillError(
        'READ_ONLY',
        `The function ${t.text}() can act outside a read-only transaction (locks, files, other sessions, settings), so sqlstill does not run it. ${SELECT_ONLY_ADVICE}`,
        { function: t.text },
      )
    }
    if (!t.quoted && t.text === 'for' && isLockingClause(tokens, k + 1)) {
      throw new SqlstillError('READ_ONLY', 'SELECT … FOR UPDATE/SHARE locks rows, which a read-only connection may not do; it was not run.')
    }
    if (!t.quoted && t.text === 'into' && tokens.slice(0, k).some((p) => p.kind === 'word' && !p.quoted && p.text === 'select')) {
      // SELECT … INTO creates a table; DECLARE would refuse it too, but with a less helpful message.
      throw new SqlstillError('READ_ONLY', 'SELECT … INTO creates a table, which a read-only connection may not do; it was not run.')
    }
  }
  return { text }
}

function isLockingClause(tokens: Token[], k: number): boolean {
  const word = (i: number): string | undefined => {
    const t = tokens[i]
    return t?.kind === 'word' && !t.quoted ? t.text : undefined
  }
  const a = word(k)
  if (a === 'update' || a === 'share') return true
  if (a === 'no' && word(k + 1) === 'key') return word(k + 2) === 'update'
  if (a === 'key') return word(k + 1) === 'share'
  return false
}
