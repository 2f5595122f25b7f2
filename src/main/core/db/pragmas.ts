// PRAGMAs are the one statement whose effect SQLite's classification does not show: `PRAGMA locking_mode=EXCLUSIVE`,
// `busy_timeout=600000` or `mmap_size=…` prepare as read-only readers (they return a row) yet change the connection
// (most already while being prepared), and locking_mode=EXCLUSIVE makes every other program's writes fail until
// the database is closed. So a PRAGMA runs
// only when it is on this list of reads, in a reading form: bare (`PRAGMA page_size`), or with the argument the read
// takes (`PRAGMA table_info(singer)`). Every `=` form and every other PRAGMA is refused as READ_ONLY.
// (The pragma_xxx() table-valued functions need no list: SQLite offers them only for PRAGMAs without side effects.)
import { SqlstillError } from '../../../shared/errors'

/** PRAGMAs whose bare form only reports a value. */
const READS = new Set([
  'analysis_limit', 'application_id', 'auto_vacuum', 'automatic_index', 'busy_timeout', 'cache_size', 'cache_spill',
  'cell_size_check', 'checkpoint_fullfsync', 'collation_list', 'compile_options', 'data_version', 'database_list',
  'defer_foreign_keys', 'encoding', 'foreign_key_check', 'foreign_keys', 'freelist_count', 'fullfsync', 'function_list',
  'hard_heap_limit', 'ignore_check_constraints', 'integrity_check', 'journal_mode', 'journal_size_limit',
  'legacy_alter_table', 'locking_mode', 'max_page_count', 'mmap_size', 'module_list', 'page_count', 'page_size',
  'pragma_list', 'query_only', 'quick_check', 'read_uncommitted', 'recursive_triggers', 'reverse_unordered_selects',
  'schema_version', 'secure_delete', 'soft_heap_limit', 'synchronous', 'table_list', 'temp_store', 'threads',
  'trusted_schema', 'user_version', 'wal_autocheckpoint',
])

/** PRAGMAs whose parenthesized argument names what to read (a table, an index, a row limit), not a new setting. */
const READS_WITH_ARGUMENT = new Set([
  'foreign_key_check', 'foreign_key_list', 'index_info', 'index_list', 'index_xinfo', 'integrity_check', 'quick_check',
  'table_info', 'table_list', 'table_xinfo',
])

/** Skips whitespace and comments from `i`. */
function skipTrivia(sql: string, i: number): number {
  for (;;) {
    while (i < sql.length && /\s/u.test(sql[i]!)) i++
    if (sql.startsWith('--', i)) {
      const nl = sql.indexOf('\n', i)
      i = nl < 0 ? sql.length : nl + 1
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2)
      i = end < 0 ? sql.length : end + 2
    } else return i
  }
}

/** An identifier at `i` (bare, "quoted", `quoted` or [bracketed]): its lower-cased text and where it ends. */
function identifier(sql: string, i: number): { name: string; end: number } | null {
  const open = sql[i]
  const close = open === '"' ? '"' : open === '`' ? '`' : open === '[' ? ']' : null
  if (close) {
    const end = sql.indexOf(close, i + 1)
    return end < 0 ? null : { name: sql.slice(i + 1, end).toLowerCase(), end: end + 1 }
  }
  const m = /^[A-Za-z_][A-Za-z0-9_$]*/u.exec(sql.slice(i))
  return m ? { name: m[0].toLowerCase(), end: i + m[0].length } : null
}

/** False for a PRAGMA statement that assertReadingPragma refuses. */
export function isReadingPragma(sql: string): boolean {
  try {
    assertReadingPragma(sql)
    return true
  } catch {
    return false
  }
}

/**
 * Throws READ_ONLY for a PRAGMA statement that is not a known read in a reading form; anything else passes. Call it
 * before preparing: SQLite applies most PRAGMA settings while it compiles them, not when the statement runs.
 */
export function assertReadingPragma(sql: string): void {
  let i = skipTrivia(sql, 0)
  if (!/^pragma\b/iu.test(sql.slice(i, i + 7))) return
  i = skipTrivia(sql, i + 6)
  let id = identifier(sql, i)
  if (id && sql[skipTrivia(sql, id.end)] === '.') id = identifier(sql, skipTrivia(sql, skipTrivia(sql, id.end) + 1)) // schema.name
  if (!id) return // SQLite's own syntax error follows
  const rest = sql.slice(skipTrivia(sql, id.end)).replace(/[\s;]+$/u, '')
  const form = rest === '' ? 'bare' : rest.startsWith('(') ? 'argument' : 'setting'
  const allowed = form === 'bare' ? READS.has(id.name) : form === 'argument' && READS_WITH_ARGUMENT.has(id.name)
  if (!allowed) {
    throw new SqlstillError(
      'READ_ONLY',
      `PRAGMA ${id.name}${form === 'bare' ? '' : ' with a value'} is not run: only PRAGMAs that read (such as table_info(…), ` +
        'index_list(…), page_size, user_version) may run, because the others change how the connection behaves.',
      { pragma: id.name },
    )
  }
}
