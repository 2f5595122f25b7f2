// The DDL a schema browser shows for an object: a table's CREATE with its indexes and triggers after it (as
// DBeaver's "Source" tab does), so copying it recreates the whole table.
import type { Index, Table, Trigger } from '../../../shared/schema'

const statement = (sql: string) => `${sql.trim().replace(/;\s*$/, '')};`

export function tableDdl(table: Table): string {
  const parts = [table.sql ? statement(table.sql) : `-- ${table.name}: SQLite stores no CREATE statement for this ${table.kind}`]
  for (const ix of table.indexes) if (ix.sql) parts.push(statement(ix.sql))
  for (const tr of table.triggers ?? []) parts.push(statement(tr.sql))
  return parts.join('\n\n') + '\n'
}

export function indexDdl(table: Table, index: Index): string {
  if (index.sql) return statement(index.sql) + '\n'
  // automatic indexes have no text of their own: say where they come from
  const from = index.origin === 'pk' ? 'PRIMARY KEY' : 'UNIQUE'
  return `-- ${index.name}: created by SQLite for the ${from} (${index.columns.join(', ')}) constraint of ${table.name}\n`
}

export function triggerDdl(trigger: Trigger): string {
  return statement(trigger.sql) + '\n'
}
