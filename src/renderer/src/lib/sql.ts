/** Quotes an identifier for SQLite ("a""b"), so table names with spaces or quotes stay valid. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

export function selectAllSql(table: string, limit = 100): string {
  return `SELECT * FROM ${quoteIdent(table)} LIMIT ${limit};`
}
