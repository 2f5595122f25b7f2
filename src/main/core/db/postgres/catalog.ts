// Names for the OIDs a result carries: each column's type (pg_type) and source table (pg_class), looked up once
// per database for the OIDs not seen before (OIDs are the database's own, the same on every connection to it).
import type pg from 'pg'
import type { TypeInfo } from './values'

/** How a table is named across sqlstill: plain in `public`, `schema.table` elsewhere. */
export function qualifiedName(schema: string, table: string): string {
  return schema === 'public' ? table : `${schema}.${table}`
}

export class Catalog {
  private readonly types = new Map<number, TypeInfo>()
  private readonly tables = new Map<number, string>()

  readonly typeInfo = (oid: number): TypeInfo | undefined => this.types.get(oid)

  typeName(oid: number): string | null {
    return this.types.get(oid)?.name ?? null
  }

  tableName(oid: number): string | null {
    return this.tables.get(oid) ?? null
  }

  async load(client: pg.Client, typeOids: number[], tableOids: number[]): Promise<void> {
    const newTypes = [...new Set(typeOids)].filter((o) => o && !this.types.has(o))
    if (newTypes.length > 0) {
      const res = await client.query({
        text: 'SELECT t.oid::int8 AS oid, format_type(t.oid, NULL) AS name, t.typelem::int8 AS elem FROM pg_catalog.pg_type t WHERE t.oid = ANY($1::oid[])',
        values: [newTypes],
      })
      for (const r of res.rows as { oid: string; name: string; elem: string }[]) this.types.set(Number(r.oid), { name: r.name, elem: Number(r.elem) })
    }
    const newTables = [...new Set(tableOids)].filter((o) => o && !this.tables.has(o))
    if (newTables.length > 0) {
      const res = await client.query({
        text: 'SELECT c.oid::int8 AS oid, n.nspname AS schema, c.relname AS name FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ANY($1::oid[])',
        values: [newTables],
      })
      for (const r of res.rows as { oid: string; schema: string; name: string }[]) this.tables.set(Number(r.oid), qualifiedName(r.schema, r.name))
    }
  }
}
