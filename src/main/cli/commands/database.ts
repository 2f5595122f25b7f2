// `sqlstill schema DB` and `sqlstill query DB SQL`.
import type { Command } from 'commander'
import { Option } from 'commander'
import type { Schema, Table } from '../../../shared/schema'
import { openDatabase } from '../../core/db'
import { formatResult, type OutputFormat } from '../output'
import { parsePositiveInt } from '../parse'

export function register(program: Command): void {
  program
    .command('schema')
    .description('print the schema of a SQLite database (tables, columns, keys, row counts)')
    .argument('<db>', 'path to a SQLite database file')
    .option('--json', 'print the full schema model as JSON')
    .action(async (dbPath: string, opts: { json?: boolean }) => {
      const db = await openDatabase(dbPath)
      try {
        const schema = await db.schema()
        process.stdout.write(opts.json ? JSON.stringify(schema, null, 2) + '\n' : describeSchema(schema))
      } finally {
        await db.close()
      }
    })

  program
    .command('query')
    .description('run one read-only SQL statement and print the result')
    .argument('<db>', 'path to a SQLite database file')
    .argument('<sql>', 'the SQL statement (SELECT / WITH …)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'))
    .option('--max-rows <n>', 'row cap', parsePositiveInt, 10_000)
    .option('--timeout <ms>', 'time limit in milliseconds', parsePositiveInt, 10_000)
    .action(async (dbPath: string, sql: string, opts: { format: OutputFormat; maxRows: number; timeout: number }) => {
      const db = await openDatabase(dbPath)
      try {
        const result = await db.query(sql, { maxRows: opts.maxRows, timeoutMs: opts.timeout })
        process.stdout.write(formatResult(result, opts.format))
        if (result.truncated && opts.format !== 'table')
          process.stderr.write(`sqlstill: result truncated at ${result.rowCap} rows (use --max-rows)\n`)
      } finally {
        await db.close()
      }
    })
}

function describeTable(table: Table): string {
  const count = table.rowCount === null ? '' : ` (${table.rowCountExact ? '' : '~'}${table.rowCount} rows)`
  const lines = [`${table.kind === 'view' ? 'view' : 'table'} ${table.name}${count}`]
  for (const column of table.columns) {
    const fk = table.foreignKeys.find((f) => f.columns.includes(column.name))
    const flags = [
      column.primaryKey ? 'PK' : '',
      column.notNull ? 'NOT NULL' : '',
      fk ? `→ ${fk.refTable}${fk.refColumns.length ? `.${fk.refColumns[fk.columns.indexOf(column.name)] ?? fk.refColumns[0]}` : ''}` : '',
    ].filter(Boolean)
    lines.push(`  ${column.name} ${column.type || 'ANY'}${flags.length ? '  ' + flags.join(' ') : ''}`)
  }
  return lines.join('\n')
}

function describeSchema(schema: Schema): string {
  return schema.tables.map(describeTable).join('\n\n') + '\n'
}
