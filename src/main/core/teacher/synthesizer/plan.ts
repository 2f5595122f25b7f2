// The structured description of a synthesized query. The SQL, the template question and the short "query plan"
// text are all rendered from it, so an LLM teacher can later write a better question for the same SQL, and a
// Struct-SQL-style plan target can be produced for training.

export type Agg = 'count' | 'avg' | 'sum' | 'min' | 'max'
export type CompareOp = '=' | '!=' | '>' | '<' | '>=' | '<=' | 'like'

/** A column of one of the plan's tables; `at` indexes the plan's table list (0 = FROM, i = joins[i - 1]). */
export interface ColRef {
  at: number
  table: string
  column: string
}

/** `col: null` is `*` (only with count). */
export interface SelectItem {
  agg?: Agg
  col: ColRef | null
  distinct?: boolean
}

export interface ValueCondition {
  kind: 'value'
  col: ColRef
  op: CompareOp
  /** For `like`, the substring (the SQL wraps it in %…%). */
  value: string | number
}

export interface SubqueryCondition {
  kind: 'subquery'
  col: ColRef
  op: 'in' | 'not in' | '>' | '<'
  sub: QueryPlan
}

export type Condition = ValueCondition | SubqueryCondition

/** Joins `table` (at index i + 1) on `left` (an earlier table's column) = `right` (a column of `table`). */
export interface JoinStep {
  table: string
  left: ColRef
  right: ColRef
  /** The foreign-key column's natural role, e.g. "support rep" for customers.support_rep_id → employees. */
  role?: string
  /** True when `table` holds the foreign key (a child of the earlier table): "artists that have an album …". */
  childSide?: boolean
}

export interface HavingClause {
  agg: Agg
  col: ColRef | null
  op: '>' | '<' | '>=' | '<=' | '='
  value: number
}

export interface OrderClause {
  item: SelectItem
  dir: 'asc' | 'desc'
}

export interface QueryPlan {
  from: string
  joins: JoinStep[]
  select: SelectItem[]
  distinct?: boolean
  where: Condition[]
  connector?: 'and' | 'or'
  groupBy: ColRef[]
  having?: HavingClause
  orderBy?: OrderClause
  limit?: number
  setOp?: { op: 'union' | 'intersect' | 'except'; right: QueryPlan }
  /** Picks among equivalent question templates; keeps rendering deterministic. */
  phrasing?: number
}

export function planTables(plan: QueryPlan): string[] {
  return [plan.from, ...plan.joins.map((j) => j.table)]
}

/** Every table the query reads, subqueries and set operands included, without repeats. */
export function allPlanTables(plan: QueryPlan): string[] {
  const out = new Set<string>(planTables(plan))
  for (const c of plan.where) if (c.kind === 'subquery') for (const t of allPlanTables(c.sub)) out.add(t)
  if (plan.setOp) for (const t of allPlanTables(plan.setOp.right)) out.add(t)
  return [...out]
}

const SQL_KEYWORDS = new Set(
  (
    'abort action add after all alter analyze and as asc attach autoincrement before begin between by cascade case cast ' +
    'check collate column commit conflict constraint create cross current current_date current_time current_timestamp ' +
    'database default deferrable deferred delete desc detach distinct drop each else end escape except exclusive exists ' +
    'explain fail for foreign from full glob group having if ignore immediate in index indexed initially inner insert ' +
    'instead intersect into is isnull join key left like limit match natural no not notnull null of offset on or order ' +
    'outer plan pragma primary query raise recursive references regexp reindex release rename replace restrict right ' +
    'rollback row savepoint select set table temp temporary then to transaction trigger union unique update using ' +
    'vacuum values view virtual when where with without count avg sum min max'
  ).split(' '),
)

/** Quotes only when needed, so the SQL stays in the plain Spider style that the hardness counter reads. */
export function sqlIdent(name: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !SQL_KEYWORDS.has(name.toLowerCase())) return name
  return `"${name.replace(/"/g, '""')}"`
}

export function sqlLiteral(value: string | number): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'NULL'
  return `'${value.replace(/'/g, "''")}'`
}

function aliasOf(plan: QueryPlan, at: number): string | null {
  return plan.joins.length > 0 ? `T${at + 1}` : null
}

function colSql(plan: QueryPlan, col: ColRef): string {
  const alias = aliasOf(plan, col.at)
  return alias ? `${alias}.${sqlIdent(col.column)}` : sqlIdent(col.column)
}

function itemSql(plan: QueryPlan, item: SelectItem): string {
  const inner = item.col ? colSql(plan, item.col) : '*'
  if (!item.agg) return inner
  return `${item.agg}(${item.distinct ? 'DISTINCT ' : ''}${inner})`
}

function conditionSql(plan: QueryPlan, c: Condition): string {
  if (c.kind === 'value') {
    if (c.op === 'like') return `${colSql(plan, c.col)} LIKE ${sqlLiteral(`%${c.value}%`)}`
    return `${colSql(plan, c.col)} ${c.op} ${sqlLiteral(c.value)}`
  }
  return `${colSql(plan, c.col)} ${c.op.toUpperCase()} (${planToSql(c.sub)})`
}

export function planToSql(plan: QueryPlan): string {
  const parts: string[] = []
  parts.push(`SELECT ${plan.distinct ? 'DISTINCT ' : ''}${plan.select.map((s) => itemSql(plan, s)).join(', ')}`)
  let from = `FROM ${sqlIdent(plan.from)}`
  if (plan.joins.length > 0) from += ` AS T1`
  plan.joins.forEach((j, i) => {
    from += ` JOIN ${sqlIdent(j.table)} AS T${i + 2} ON ${colSql(plan, j.left)} = ${colSql(plan, j.right)}`
  })
  parts.push(from)
  if (plan.where.length > 0) {
    const glue = plan.connector === 'or' ? ' OR ' : ' AND '
    parts.push(`WHERE ${plan.where.map((c) => conditionSql(plan, c)).join(glue)}`)
  }
  if (plan.groupBy.length > 0) parts.push(`GROUP BY ${plan.groupBy.map((g) => colSql(plan, g)).join(', ')}`)
  if (plan.having) {
    const h = plan.having
    parts.push(`HAVING ${itemSql(plan, { agg: h.agg, col: h.col })} ${h.op} ${sqlLiteral(h.value)}`)
  }
  if (plan.orderBy) parts.push(`ORDER BY ${itemSql(plan, plan.orderBy.item)} ${plan.orderBy.dir.toUpperCase()}`)
  if (plan.limit !== undefined) parts.push(`LIMIT ${plan.limit}`)
  let sql = parts.join(' ')
  if (plan.setOp) sql += ` ${plan.setOp.op.toUpperCase()} ${planToSql(plan.setOp.right)}`
  return sql
}

function qualified(plan: QueryPlan, col: ColRef | null): string {
  if (!col) return '*'
  const sameTableTwice = planTables(plan).filter((t) => t === col.table).length > 1
  return sameTableTwice ? `${col.table}#${col.at + 1}.${col.column}` : `${col.table}.${col.column}`
}

function itemPlan(plan: QueryPlan, item: SelectItem): string {
  const inner = qualified(plan, item.col)
  return item.agg ? `${item.agg.toUpperCase()}(${item.distinct ? 'DISTINCT ' : ''}${inner})` : inner
}

function conditionPlan(plan: QueryPlan, c: Condition): string {
  if (c.kind === 'value') {
    const v = c.op === 'like' ? sqlLiteral(`%${c.value}%`) : sqlLiteral(c.value)
    return `${qualified(plan, c.col)} ${c.op.toUpperCase()} ${v}`
  }
  return `${qualified(plan, c.col)} ${c.op.toUpperCase()} (${describePlan(c.sub)})`
}

/**
 * A short structured plan in execution order, e.g.
 * "FROM tracks JOIN albums ON tracks.album_id = albums.album_id; WHERE albums.title = 'X'; SELECT tracks.name;
 * ORDER BY tracks.milliseconds DESC LIMIT 5".
 */
export function describePlan(plan: QueryPlan): string {
  const steps: string[] = []
  let from = `FROM ${plan.from}`
  for (const j of plan.joins) from += ` JOIN ${j.table} ON ${qualified(plan, j.left)} = ${qualified(plan, j.right)}`
  steps.push(from)
  if (plan.where.length > 0) {
    const glue = plan.connector === 'or' ? ' OR ' : ' AND '
    steps.push(`WHERE ${plan.where.map((c) => conditionPlan(plan, c)).join(glue)}`)
  }
  if (plan.groupBy.length > 0) steps.push(`GROUP BY ${plan.groupBy.map((g) => qualified(plan, g)).join(', ')}`)
  if (plan.having) {
    const h = plan.having
    steps.push(`HAVING ${itemPlan(plan, { agg: h.agg, col: h.col })} ${h.op} ${h.value}`)
  }
  steps.push(`SELECT ${plan.distinct ? 'DISTINCT ' : ''}${plan.select.map((s) => itemPlan(plan, s)).join(', ')}`)
  if (plan.orderBy || plan.limit !== undefined) {
    let order = plan.orderBy ? `ORDER BY ${itemPlan(plan, plan.orderBy.item)} ${plan.orderBy.dir.toUpperCase()}` : ''
    if (plan.limit !== undefined) order += `${order ? ' ' : ''}LIMIT ${plan.limit}`
    steps.push(order)
  }
  let text = steps.join('; ')
  if (plan.setOp) text = `(${text}) ${plan.setOp.op.toUpperCase()} (${describePlan(plan.setOp.right)})`
  return text
}
