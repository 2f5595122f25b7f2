// `sqlstill schema DB` and `sqlstill query DB SQL` (or `--sql-file FILE|-`).
import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { Option } from 'commander'
import { SqlstillError } from '../../../shared/errors'
import type { Schema, Table } from '../../../shared/schema'
import { openDatabase } from '../../core/db'
import { isPermissionDenied } from '../../core/platform/fileErrors'
import { formatResult, type OutputFormat } from '../output'
import { DATABASE_ARGUMENT_HELP, parsePositiveInt } from '../parse'

export function register(program: Command): void {
  program
    .command('schema')
    .description('print the schema of a database (tables, columns, keys, row counts)')
    .argument('<db>', DATABASE_ARGUMENT_HELP)
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
    .argument('<db>', DATABASE_ARGUMENT_HELP)
    .argument('[sql]', 'the SQL statement (SELECT / WITH …); after "--" when it starts with "-" (a comment)')
    .option('--sql-file <file>', 'read the statement from a file ("-" for standard input): any length, any first character')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'))
    .option('--max-rows <n>', 'row cap', parsePositiveInt, 10_000)
    .option('--timeout <ms>', 'time limit in milliseconds', parsePositiveInt, 10_000)
    .action(async function (this: Command, dbPath: string, sqlArg: string | undefined, opts: { sqlFile?: string; format: OutputFormat; maxRows: number; timeout: number }) {
      if ((sqlArg === undefined) === (opts.sqlFile === undefined)) {
        this.error(sqlArg === undefined ? "error: missing required argument 'sql' (or --sql-file FILE)" : 'error: give the SQL as an argument or with --sql-file, not both')
      }
      const sql = sqlArg ?? (await readSqlFile(opts.sqlFile!))
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

/** The statement from a file or, for "-", from standard input (a pipe or a here-document). */
async function readSqlFile(file: string): Promise<string> {
  if (file !== '-') {
    try {
      return await readFile(file, 'utf8')
    } catch (err) {
      throw new SqlstillError(isPermissionDenied(err) ? 'PERMISSION_DENIED' : 'NOT_FOUND', `Cannot read the SQL file ${file}: ${(err as Error).message}`, { path: file })
    }
  }
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
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
