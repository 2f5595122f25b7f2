// Schema linking: when the whole schema does not fit the prompt budget, keep the tables (and then the columns)
// most relevant to the question, plus whatever tables are needed to join them.
import type { Schema, Table } from '../../../shared/schema'
import { primaryKeyColumns } from '../../../shared/schema'
import { Bm25Index, terms } from './bm25'
import type { SerializeOptions, TableView } from './serialize'
import { formatSample, serializeTable } from './serialize'
import type { TokenCounter } from './tokens'
import { estimateTokens } from './tokens'

export const DEFAULT_SCHEMA_BUDGET = 1500

export interface LinkOptions {
  /** Token budget for the schema part of the prompt. Default 1,500. */
  budgetTokens?: number
  countTokens?: TokenCounter
  serialize?: SerializeOptions
}

export interface LinkedSchema {
  views: TableView[]
  /** The serialized schema text for the prompt. */
  text: string
  tokens: number
  /** Tokens the full schema would have taken. */
  fullTokens: number
  /** True when anything was left out. */
  pruned: boolean
  droppedTables: string[]
  droppedColumns: number
  /** Tables added only to keep joins between the chosen ones possible. */
  joinTables: string[]
  /** Relevance of each table to the question, for display and debugging. */
  scores: Record<string, number>
}

const TABLE_NAME_WEIGHT = 3
const MAX_MISSES = 20

function repeat<T>(items: T[], times: number): T[] {
  const out: T[] = []
  for (let i = 0; i < times; i++) out.push(...items)
  return out
}

function tableDocument(table: Table): string[] {
  const doc = repeat(terms(table.name), TABLE_NAME_WEIGHT)
  for (const c of table.columns) for (const t of columnTerms(c)) doc.push(t)
  return doc
}

/** Undirected FK adjacency (lowercased table names). */
function fkGraph(schema: Schema): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>()
  const link = (a: string, b: string) => {
    if (a === b) return
    ;(graph.get(a) ?? graph.set(a, new Set()).get(a)!).add(b)
    ;(graph.get(b) ?? graph.set(b, new Set()).get(b)!).add(a)
  }
  const names = new Set(schema.tables.map((t) => t.name.toLowerCase()))
  for (const t of schema.tables) {
    for (const fk of t.foreignKeys) {
      const ref = fk.refTable.toLowerCase()
      if (names.has(ref)) link(t.name.toLowerCase(), ref)
    }
  }
  return graph
}

function shortestPath(graph: Map<string, Set<string>>, from: string, to: string): string[] | null {
  if (from === to) return [from]
  const prev = new Map<string, string>([[from, from]])
  let frontier = [from]
  while (frontier.length) {
    const next: string[] = []
    for (const node of frontier) {
      for (const n of graph.get(node) ?? []) {
        if (prev.has(n)) continue
        prev.set(n, node)
        if (n === to) {
          const path = [to]
          let cur = to
          while (cur !== from) path.push((cur = prev.get(cur)!))
          return path.reverse()
        }
        next.push(n)
      }
    }
    frontier = next
  }
  return null
}

function indexGraph(tables: Table[]): number[][] {
  const byName = new Map(tables.map((t, i) => [t.name.toLowerCase(), i]))
  const graph: number[][] = tables.map(() => [])
  tables.forEach((t, i) => {
    for (const fk of t.foreignKeys) {
      const j = byName.get(fk.refTable.toLowerCase())
      if (j === undefined || j === i) continue
      graph[i].push(j)
      graph[j].push(i)
    }
  })
  return graph
}

/** Tables strictly between `from` and each target on a shortest FK path (one BFS from `from`). */
function pathTables(graph: number[][], from: number, targets: number[]): number[] {
  if (!targets.length) return []
  const prev = new Map<number, number>([[from, from]])
  const wanted = new Set(targets)
  let remaining = wanted.size
  let frontier = [from]
  while (frontier.length && remaining > 0) {
    const next: number[] = []
    for (const node of frontier) {
      for (const n of graph[node]) {
        if (prev.has(n)) continue
        prev.set(n, node)
        if (wanted.has(n)) remaining--
        next.push(n)
      }
    }
    frontier = next
  }
  const out = new Set<number>()
  for (const t of targets) {
    if (!prev.has(t)) continue
    for (let cur = prev.get(t)!; cur !== from; cur = prev.get(cur)!) out.add(cur)
  }
  return [...out]
}

/** Adds the tables on shortest FK paths between every pair of kept tables. */
export function joinClosure(schema: Schema, kept: string[]): string[] {
  const graph = fkGraph(schema)
  const keys = kept.map((k) => k.toLowerCase())
  const added = new Set<string>()
  const inSet = new Set(keys)
  for (let i = 0; i < keys.length; i++) {
    for (let j = i + 1; j < keys.length; j++) {
      const path = shortestPath(graph, keys[i], keys[j])
      if (!path) continue
      for (const node of path) if (!inSet.has(node)) added.add(node)
    }
  }
  return [...added]
}

/** What linking needs from a schema regardless of the question: built once per schema object and reused. */
interface PreparedSchema {
  tables: Table[]
  fullTexts: string[]
  costs: number[]
  fullTokens: number
  tableIndex: Bm25Index
  referencedBy: ReferenceIndex
  /** Undirected FK adjacency by table index. */
  graph: number[][]
  count: TokenCounter
}

const preparedCache = new WeakMap<Schema, Map<string, PreparedSchema>>()

function prepare(schema: Schema, serialize: SerializeOptions | undefined, count: TokenCounter): PreparedSchema {
  const key = `${serialize?.samplesPerColumn ?? ''}|${serialize?.maxSampleChars ?? ''}`
  let bySettings = preparedCache.get(schema)
  const cached = bySettings?.get(key)
  if (cached && cached.count === count) return cached
  const tables = schema.tables.filter((t) => t.kind !== 'virtual' || t.columns.length > 0)
  const fullTexts = tables.map((t) => serializeTable(t, serialize))
  const costs = fullTexts.map((t) => count(t) + 1) // +1 for the blank line between tables
  const tableIndex = new Bm25Index()
  for (const t of tables) tableIndex.add(tableDocument(t))
  const prepared: PreparedSchema = {
    tables,
    fullTexts,
    costs,
    fullTokens: costs.reduce((sum, c) => sum + c, 0),
    tableIndex,
    referencedBy: referenceIndex(tables),
    graph: indexGraph(tables),
    count,
  }
  if (!bySettings) preparedCache.set(schema, (bySettings = new Map()))
  bySettings.set(key, prepared)
  return prepared
}

/**
 * Picks the part of the schema to show for a question. The question-independent work (serializing every table,
 * indexing names and samples) is cached per schema object, so keep the Schema object around between questions.
 */
export function linkSchema(schema: Schema, question: string, options: LinkOptions = {}): LinkedSchema {
  const budget = options.budgetTokens ?? DEFAULT_SCHEMA_BUDGET
  const count = options.countTokens ?? estimateTokens
  const render = (v: TableView) => serializeTable(v, options.serialize)
  const { tables, fullTexts, costs, fullTokens, tableIndex, referencedBy, graph } = prepare(schema, options.serialize, count)

  const questionTerms = terms(question)
  const tableScores = tableIndex.scoreAll(questionTerms)
  const scores: Record<string, number> = {}
  tables.forEach((t, i) => (scores[t.name] = tableScores[i]))

  if (fullTokens <= budget) {
    return {
      views: tables.map((table) => ({ table })),
      text: fullTexts.join('\n\n'),
      tokens: fullTokens,
      fullTokens,
      pruned: false,
      droppedTables: [],
      droppedColumns: 0,
      joinTables: [],
      scores,
    }
  }

  // Stable ranking: score, then schema order, so equal scores never reshuffle between runs.
  const ranked = tables.map((_, i) => i).sort((a, b) => tableScores[b] - tableScores[a] || a - b)
  const questionSet = new Set(questionTerms)
  const allNames = new Set(tables.map((t) => t.name.toLowerCase()))
  // Tables are chosen by what they cost at their most compact (keys and the question's columns), so that a
  // relevant table is kept with fewer columns rather than dropped; the rendering below spends what is left.
  const compactCost = (i: number, keptNames: Set<string>) =>
    count(render({ table: tables[i], columns: compactColumns(tables[i], keptNames, referencedBy, questionSet) })) + 1
  // A table comes with the tables needed to join it to those already kept (shortest FK paths), and the pair is
  // only taken when both fit: a join path that blows the budget is worth less than the next relevant table.
  const chosen: number[] = []
  const joinSet = new Set<number>()
  const inSet = new Set<number>()
  const compactOf = new Map<number, number>()
  const costOf = (i: number) => {
    let c = compactOf.get(i)
    if (c === undefined) compactOf.set(i, (c = compactCost(i, allNames)))
    return c
  }
  let used = 0
  let misses = 0
  for (const i of ranked) {
    if (chosen.length > 0 && tableScores[i] <= 0) break
    // Smaller, less relevant tables may still fit after a miss, but not worth scanning a huge schema for.
    if (misses >= MAX_MISSES) break
    if (joinSet.has(i)) {
      joinSet.delete(i)
      chosen.push(i)
      continue
    }
    const extra = pathTables(graph, i, chosen).filter((n) => !inSet.has(n))
    const cost = costOf(i) + extra.reduce((sum, n) => sum + costOf(n), 0)
    if (used + cost <= budget || chosen.length === 0) {
      chosen.push(i)
      inSet.add(i)
      for (const n of extra) {
        joinSet.add(n)
        inSet.add(n)
      }
      used += cost
    } else misses++
    if (used >= budget) break
  }
  const joinTables = [...joinSet]
  const keptIdx = [...chosen, ...joinTables]
  const keptNames = new Set(keptIdx.map((i) => tables[i].name.toLowerCase()))

  // Degrade the least relevant tables first: sample values go before columns; keys and the question's
  // columns always stay.
  const views: TableView[] = keptIdx.map((i) => ({ table: tables[i] }))
  const viewTexts = keptIdx.map((i) => fullTexts[i])
  const viewCosts = keptIdx.map((i) => costs[i])
  let total = viewCosts.reduce((s, c) => s + c, 0)
  let droppedColumns = 0
  const noSamples = { ...options.serialize, samplesPerColumn: 0 }
  for (let v = views.length - 1; v >= 0 && total > budget; v--) {
    const table = views[v].table
    const bare = serializeTable({ table }, noSamples)
    const bareCost = count(bare) + 1
    if (bareCost < viewCosts[v]) {
      total += bareCost - viewCosts[v]
      viewCosts[v] = bareCost
      viewTexts[v] = bare
    }
  }
  for (let v = views.length - 1; v >= 0 && total > budget; v--) {
    const table = views[v].table
    const keep = compactColumns(table, keptNames, referencedBy, questionSet)
    if (keep.length === table.columns.length) continue
    const pruned: TableView = { table, columns: keep }
    const text = serializeTable(pruned, noSamples)
    const cost = count(text) + 1
    total += cost - viewCosts[v]
    viewCosts[v] = cost
    viewTexts[v] = text
    droppedColumns += table.columns.length - keep.length
    views[v] = pruned
  }

  const keptSet = new Set(keptIdx)
  // Present the kept tables in schema order: models read related tables more easily next to each other.
  const order = views
    .map((view, k) => ({ view, k, pos: keptIdx[k] }))
    .sort((a, b) => a.pos - b.pos)
  return {
    views: order.map((o) => o.view),
    text: order.map((o) => viewTexts[o.k]).join('\n\n'),
    tokens: total,
    fullTokens,
    pruned: true,
    droppedTables: tables.filter((_, i) => !keptSet.has(i)).map((t) => t.name),
    droppedColumns,
    joinTables: joinTables.map((i) => tables[i].name),
    scores,
  }
}

// Terms of a column's name and samples, computed once per column object: linking a big schema asks often.
const columnTermsCache = new WeakMap<object, string[]>()
function columnTerms(column: Table['columns'][number]): string[] {
  let cached = columnTermsCache.get(column)
  if (!cached) {
    cached = terms(column.name)
    for (const v of column.samples) {
      const text = formatSample(v)
      if (text !== null) cached.push(...terms(text))
    }
    columnTermsCache.set(column, cached)
  }
  return cached
}

/** For each table (lowercased), the kept-or-not tables whose foreign keys point at it, and the columns they name. */
type ReferenceIndex = Map<string, { fromTable: string; columns: string[] }[]>

function referenceIndex(tables: Table[]): ReferenceIndex {
  const index: ReferenceIndex = new Map()
  for (const t of tables) {
    for (const fk of t.foreignKeys) {
      const key = fk.refTable.toLowerCase()
      ;(index.get(key) ?? index.set(key, []).get(key)!).push({ fromTable: t.name.toLowerCase(), columns: fk.refColumns })
    }
  }
  return index
}

function compactColumns(table: Table, keptNames: Set<string>, referencedBy: ReferenceIndex, question: Set<string>): string[] {
  const essential = essentialColumns(table, keptNames, referencedBy)
  return table.columns.filter((c) => essential.has(c.name.toLowerCase()) || columnMatches(c, question)).map((c) => c.name)
}

function essentialColumns(table: Table, keptNames: Set<string>, referencedBy: ReferenceIndex): Set<string> {
  const out = new Set(primaryKeyColumns(table).map((c) => c.toLowerCase()))
  for (const fk of table.foreignKeys) {
    if (keptNames.has(fk.refTable.toLowerCase())) for (const c of fk.columns) out.add(c.toLowerCase())
  }
  for (const ref of referencedBy.get(table.name.toLowerCase()) ?? []) {
    if (keptNames.has(ref.fromTable)) for (const c of ref.columns) out.add(c.toLowerCase())
  }
  if (out.size === 0 && table.columns[0]) out.add(table.columns[0].name.toLowerCase())
  return out
}

function columnMatches(column: Table['columns'][number], question: Set<string>): boolean {
  return columnTerms(column).some((t) => question.has(t))
}
