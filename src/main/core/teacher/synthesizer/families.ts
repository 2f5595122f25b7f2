// Query families: each builds one random QueryPlan from the profile, around a focus table or FK edge so the
// synthesizer can steer coverage. They return null when the focus does not suit them (no numeric column…).
import type { Hardness } from '../../eval/types'
import { columnPhrase } from './naming'
import type { ColRef, CompareOp, Condition, JoinStep, QueryPlan, SelectItem, ValueCondition } from './plan'
import type { Rng } from './prng'
import type { ColumnProfile, DbProfile, FkEdge, TableProfile } from './profile'

export interface FamilyContext {
  rng: Rng
  profile: DbProfile
  table: TableProfile
  /** An FK edge touching `table` (or any edge when the family needs one and the table has none). */
  edge?: FkEdge
}

export interface Family {
  name: string
  /** The Spider levels this family usually lands on; the real label is computed from the SQL. */
  levels: Hardness[]
  needsEdge?: boolean
  build(ctx: FamilyContext): QueryPlan | null
}

function tableOf(profile: DbProfile, name: string): TableProfile {
  return profile.tables.find((t) => t.name === name)!
}

function ref(at: number, table: TableProfile | string, column: string): ColRef {
  return { at, table: typeof table === 'string' ? table : table.name, column }
}

function filterable(t: TableProfile): ColumnProfile[] {
  return t.columns.filter((c) => (c.kind === 'text' || c.kind === 'number' || c.kind === 'date') && c.values.length > 0 && c.distinct > 1)
}

function numeric(t: TableProfile): ColumnProfile[] {
  return t.columns.filter((c) => c.kind === 'number' && c.distinct > 2)
}

function categorical(t: TableProfile): ColumnProfile[] {
  return t.columns.filter((c) => (c.kind === 'text' || (c.kind === 'number' && c.distinct <= 12)) && c.distinct > 1 && c.distinct < t.rowCount)
}

function displayColumns(t: TableProfile): ColumnProfile[] {
  return t.columns.filter((c) => c.kind !== 'key' && c.kind !== 'other' && c.name !== t.label)
}

/** A condition on a real value of one of the table's columns. */
function valueCondition(rng: Rng, t: TableProfile, at: number, avoid: string[] = []): ValueCondition | null {
  const cols = filterable(t).filter((c) => !avoid.includes(c.name))
  if (cols.length === 0) return null
  const c = rng.pick(cols)
  const col = ref(at, t, c.name)
  if (c.kind === 'text') {
    const roll = rng.next()
    if (roll < 0.2) {
      const words = c.values.flatMap((v) => String(v).split(/\s+/)).filter((w) => /^[A-Za-z]{3,}$/.test(w))
      if (words.length > 0) return { kind: 'value', col, op: 'like', value: rng.pick(words) }
    }
    if (roll > 0.93 && c.distinct > 2) return { kind: 'value', col, op: '!=', value: rng.pick(c.values.slice(0, 5)) }
    // Frequent values first: questions about values that occur are more natural and less often empty.
    return { kind: 'value', col, op: '=', value: rng.pick(c.values.slice(0, 12)) }
  }
  const sorted = [...c.values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  if (c.kind === 'number' && c.distinct <= 12 && rng.chance(0.5)) return { kind: 'value', col, op: '=', value: rng.pick(c.values) }
  // A value strictly inside the observed range, so both sides of the comparison are non-empty.
  const inner = sorted.length > 2 ? sorted.slice(1, -1) : sorted
  const value = rng.pick(inner)
  const op: CompareOp = rng.pick(['>', '<', '>=', '<='] as const)
  return { kind: 'value', col, op, value }
}

/** "names of albums whose title is X" with title = X answers itself; such pairs teach nothing. */
function selectsFilteredValue(plan: QueryPlan, c: ValueCondition): boolean {
  return c.op === '=' && plan.select.length === 1 && plan.select[0].col?.column === c.col.column && plan.select[0].col.at === c.col.at
}

function labelItem(t: TableProfile, at = 0): SelectItem {
  return { col: ref(at, t, t.label) }
}

function base(from: string, rng: Rng): QueryPlan {
  return { from, joins: [], select: [], where: [], groupBy: [], phrasing: rng.int(0, 11) }
}

function childJoin(edge: FkEdge, parentAt: number, fromParent: boolean): JoinStep {
  // Parent is FROM (at 0) and the child is joined: "artists that have an album …".
  if (fromParent) {
    return { table: edge.child, left: ref(parentAt, edge.parent, edge.refColumn), right: ref(1, edge.child, edge.column), childSide: true }
  }
  return {
    table: edge.parent,
    left: ref(parentAt, edge.child, edge.column),
    right: ref(1, edge.parent, edge.refColumn),
    role: roleOf(edge),
  }
}

/** `support_rep_id` → "support rep"; undefined when the column just repeats the parent's name. */
function roleOf(edge: FkEdge): string | undefined {
  const words = columnPhrase(edge.column).replace(/\s*\bid$/, '').trim()
  const parent = columnPhrase(edge.parent)
  if (!words || parent.startsWith(words) || words.startsWith(parent.replace(/s$/, ''))) return edge.child === edge.parent ? words || undefined : undefined
  return words
}

const projection: Family = {
  name: 'projection',
  levels: ['easy', 'medium'],
  build({ rng, table }) {
    const p = base(table.name, rng)
    p.select = [labelItem(table)]
    const extra = displayColumns(table)
    if (extra.length > 0 && rng.chance(0.35)) p.select.push({ col: ref(0, table, rng.pick(extra).name) })
    const c1 = valueCondition(rng, table, 0)
    if (!c1 || selectsFilteredValue(p, c1)) return null
    p.where = [c1]
    if (rng.chance(0.3)) {
      const c2 = valueCondition(rng, table, 0, [c1.col.column])
      if (c2) {
        p.where.push(c2)
        p.connector = rng.chance(0.3) ? 'or' : 'and'
      }
    }
    return p
  },
}

const distinctValues: Family = {
  name: 'distinct',
  levels: ['easy'],
  build({ rng, table }) {
    const cats = categorical(table)
    if (cats.length === 0) return null
    const p = base(table.name, rng)
    p.distinct = true
    p.select = [{ col: ref(0, table, rng.pick(cats).name) }]
    return p
  },
}

const countRows: Family = {
  name: 'count',
  levels: ['easy'],
  build({ rng, table }) {
    const p = base(table.name, rng)
    p.select = [{ agg: 'count', col: null }]
    const c = valueCondition(rng, table, 0)
    if (c) p.where = [c]
    else if (table.rowCount < 2) return null
    return p
  },
}

const aggregate: Family = {
  name: 'aggregate',
  levels: ['easy', 'medium'],
  build({ rng, table }) {
    const nums = numeric(table)
    if (nums.length === 0) return null
    const p = base(table.name, rng)
    const col = ref(0, table, rng.pick(nums).name)
    if (rng.chance(0.3)) p.select = [{ agg: 'min', col }, { agg: 'max', col }]
    else p.select = [{ agg: rng.pick(['avg', 'sum', 'min', 'max'] as const), col }]
    const c = rng.chance(0.6) ? valueCondition(rng, table, 0, [col.column]) : null
    if (c) p.where = [c]
    return p
  },
}

const topN: Family = {
  name: 'top_n',
  levels: ['medium', 'hard'],
  build({ rng, table }) {
    const nums = numeric(table).filter((c) => c.name !== table.label)
    if (nums.length === 0) return null
    const p = base(table.name, rng)
    const by = ref(0, table, rng.pick(nums).name)
    p.select = [labelItem(table)]
    if (rng.chance(0.3)) p.select.push({ col: by })
    p.orderBy = { item: { col: by }, dir: rng.chance(0.65) ? 'desc' : 'asc' }
    p.limit = rng.pick([1, 1, 3, 5, 10])
    if (rng.chance(0.35)) {
      const c = valueCondition(rng, table, 0, [by.column])
      if (c) p.where = [c]
    }
    return p
  },
}

const sorted: Family = {
  name: 'sorted',
  levels: ['medium'],
  build({ rng, table }) {
    const nums = numeric(table).filter((c) => c.name !== table.label)
    const c = valueCondition(rng, table, 0)
    if (nums.length === 0 || !c) return null
    const p = base(table.name, rng)
    const by = ref(0, table, rng.pick(nums).name)
    p.select = [labelItem(table), { col: by }]
    p.where = [c]
    p.orderBy = { item: { col: by }, dir: rng.chance(0.5) ? 'desc' : 'asc' }
    return p
  },
}

const groupCount: Family = {
  name: 'group_aggregate',
  levels: ['medium'],
  build({ rng, table }) {
    const cats = categorical(table)
    if (cats.length === 0) return null
    const p = base(table.name, rng)
    const g = ref(0, table, rng.pick(cats).name)
    const nums = numeric(table).filter((c) => c.name !== g.column)
    const agg: SelectItem =
      nums.length > 0 && rng.chance(0.4)
        ? { agg: rng.pick(['avg', 'sum', 'max', 'min'] as const), col: ref(0, table, rng.pick(nums).name) }
        : { agg: 'count', col: null }
    p.select = [{ col: g }, agg]
    p.groupBy = [g]
    return p
  },
}

const groupHaving: Family = {
  name: 'group_having',
  levels: ['medium', 'hard'],
  build({ rng, table }) {
    const cats = categorical(table).filter((c) => c.distinct >= 3)
    if (cats.length === 0) return null
    const p = base(table.name, rng)
    const g = ref(0, table, rng.pick(cats).name)
    p.select = [{ col: g }]
    p.groupBy = [g]
    // Average group size as the threshold: some groups pass and some do not.
    const threshold = Math.max(1, Math.floor(table.rowCount / Math.max(1, tableColumn(table, g.column).distinct)))
    // ">= 1" would keep every group.
    p.having = { agg: 'count', col: null, op: threshold <= 1 ? '>' : rng.pick(['>', '>='] as const), value: threshold }
    if (rng.chance(0.3)) p.select.push({ agg: 'count', col: null })
    return p
  },
}

const groupTop: Family = {
  name: 'group_top',
  levels: ['hard'],
  build({ rng, table }) {
    const cats = categorical(table).filter((c) => c.distinct >= 2)
    if (cats.length === 0) return null
    const p = base(table.name, rng)
    const g = ref(0, table, rng.pick(cats).name)
    p.select = [{ col: g }]
    if (rng.chance(0.4)) p.select.push({ agg: 'count', col: null })
    p.groupBy = [g]
    p.orderBy = { item: { agg: 'count', col: null }, dir: rng.chance(0.75) ? 'desc' : 'asc' }
    p.limit = 1
    return p
  },
}

function tableColumn(t: TableProfile, name: string): ColumnProfile {
  return t.columns.find((c) => c.name === name)!
}

const joinFilter: Family = {
  name: 'join_filter',
  levels: ['medium', 'hard'],
  needsEdge: true,
  build({ rng, profile, edge }) {
    if (!edge) return null
    const child = tableOf(profile, edge.child)
    const parent = tableOf(profile, edge.parent)
    // A self-reference (employees.reports_to) is joined from the child side only: "employees whose manager …".
    const fromParent = edge.child !== edge.parent && rng.chance(0.35)
    const first = fromParent ? parent : child
    const second = fromParent ? child : parent
    const p = base(first.name, rng)
    p.joins = [childJoin(edge, 0, fromParent)]
    p.select = [labelItem(first)]
    if (fromParent) p.distinct = true
    else if (rng.chance(0.3)) p.select.push(labelItem(second, 1))
    const c = valueCondition(rng, second, 1)
    if (!c) return null
    p.where = [c]
    return p
  },
}

const joinGroup: Family = {
  name: 'join_group',
  levels: ['medium', 'extra'],
  needsEdge: true,
  build({ rng, profile, edge }) {
    if (!edge || edge.child === edge.parent) return null
    const child = tableOf(profile, edge.child)
    const parent = tableOf(profile, edge.parent)
    const p = base(child.name, rng)
    p.joins = [childJoin(edge, 0, false)]
    p.select = [labelItem(parent, 1), { agg: 'count', col: null }]
    p.groupBy = [ref(1, parent, edge.refColumn)]
    if (rng.chance(0.5)) {
      p.orderBy = { item: { agg: 'count', col: null }, dir: rng.chance(0.75) ? 'desc' : 'asc' }
      p.limit = rng.pick([1, 1, 3])
    } else if (rng.chance(0.4)) {
      p.having = { agg: 'count', col: null, op: '>', value: Math.max(1, Math.floor(child.rowCount / Math.max(1, parent.rowCount))) }
    }
    return p
  },
}

const join2: Family = {
  name: 'join_two_hops',
  levels: ['hard', 'extra'],
  needsEdge: true,
  build({ rng, profile, edge }) {
    if (!edge || edge.child === edge.parent) return null
    // child → parent → grandparent, or sibling: a ← child → b (bridge tables such as playlist_tracks).
    const next = profile.edges.filter(
      (e) => e !== edge && e.child !== e.parent && (e.child === edge.parent || (e.child === edge.child && e.parent !== edge.parent)),
    )
    if (next.length === 0) return null
    const e2 = rng.pick(next)
    const child = tableOf(profile, edge.child)
    const p = base(child.name, rng)
    p.joins = [childJoin(edge, 0, false)]
    const fromAt = e2.child === edge.parent ? 1 : 0
    p.joins.push({
      table: e2.parent,
      left: ref(fromAt, e2.child, e2.column),
      right: ref(2, e2.parent, e2.refColumn),
      role: roleOf(e2),
    })
    const far = tableOf(profile, e2.parent)
    const c = valueCondition(rng, far, 2)
    if (!c) return null
    p.where = [c]
    // For bridge tables the interesting answer is on the other side: "tracks in playlist X".
    // Two parents of one child (a bridge such as playlist_tracks): the answer is on the first parent's side,
    // "album titles of tracks whose media type is X"; along a chain it is the child itself.
    p.select = fromAt === 0 ? [labelItem(tableOf(profile, edge.parent), 1)] : [labelItem(child)]
    p.distinct = true
    if (rng.chance(0.3)) {
      p.select = [{ agg: 'count', col: null }]
      p.distinct = false
    }
    return p
  },
}

const nestedAverage: Family = {
  name: 'nested_compare',
  levels: ['hard', 'extra'],
  build({ rng, table }) {
    const nums = numeric(table)
    if (nums.length === 0) return null
    const col = ref(0, table, rng.pick(nums).name)
    const p = base(table.name, rng)
    p.select = [labelItem(table)]
    if (rng.chance(0.3)) p.select.push({ col })
    const sub = base(table.name, rng)
    sub.select = [{ agg: 'avg', col: { ...col } }]
    if (rng.chance(0.3)) {
      const c = valueCondition(rng, table, 0, [col.column])
      if (c) sub.where = [c]
    }
    p.where = [{ kind: 'subquery', col, op: rng.chance(0.6) ? '>' : '<', sub }]
    return p
  },
}

const nestedMembership: Family = {
  name: 'nested_membership',
  levels: ['hard', 'extra'],
  needsEdge: true,
  build({ rng, profile, edge }) {
    if (!edge || edge.child === edge.parent) return null
    const child = tableOf(profile, edge.child)
    const parent = tableOf(profile, edge.parent)
    const p = base(parent.name, rng)
    p.select = [labelItem(parent)]
    const sub = base(child.name, rng)
    sub.select = [{ col: ref(0, child, edge.column) }]
    const negate = rng.chance(0.45)
    const c = valueCondition(rng, child, 0)
    if (c && (!negate || rng.chance(0.4))) sub.where = [c]
    else if (!negate) return null
    const cond: Condition = { kind: 'subquery', col: ref(0, parent, edge.refColumn), op: negate ? 'not in' : 'in', sub }
    p.where = [cond]
    return p
  },
}

const setOperation: Family = {
  name: 'set_operation',
  levels: ['hard', 'extra'],
  build({ rng, table, profile }) {
    const op = rng.pick(['union', 'intersect', 'except'] as const)
    const left = base(table.name, rng)
    left.select = [labelItem(table)]
    const c1 = valueCondition(rng, table, 0)
    if (!c1 || selectsFilteredValue(left, c1)) return null
    left.where = [c1]
    const right = base(table.name, rng)
    right.select = [labelItem(table)]
    // Sometimes the right operand reaches through a parent, which makes it an "extra" query.
    const parentEdges = profile.edges.filter((e) => e.child === table.name && e.parent !== table.name)
    if (parentEdges.length > 0 && rng.chance(0.35)) {
      const e = rng.pick(parentEdges)
      right.joins = [childJoin(e, 0, false)]
      right.select = [{ col: ref(0, table, table.label) }]
      const c2 = valueCondition(rng, tableOf(profile, e.parent), 1)
      if (!c2) return null
      right.where = [c2]
    } else {
      const c2 = valueCondition(rng, table, 0, [])
      if (!c2 || (c2.col.column === c1.col.column && c2.value === c1.value && c2.op === c1.op)) return null
      right.where = [c2]
    }
    left.setOp = { op, right }
    return left
  },
}

const joinNested: Family = {
  name: 'join_nested',
  levels: ['extra'],
  needsEdge: true,
  build({ rng, profile, edge }) {
    if (!edge || edge.child === edge.parent) return null
    const child = tableOf(profile, edge.child)
    const parent = tableOf(profile, edge.parent)
    const nums = numeric(child)
    if (nums.length === 0) return null
    const col = ref(0, child, rng.pick(nums).name)
    const p = base(child.name, rng)
    p.joins = [childJoin(edge, 0, false)]
    p.select = [labelItem(child), labelItem(parent, 1)]
    const sub = base(child.name, rng)
    sub.select = [{ agg: 'avg', col: { at: 0, table: child.name, column: col.column } }]
    p.where = [{ kind: 'subquery', col, op: rng.chance(0.5) ? '>' : '<', sub }]
    const c = valueCondition(rng, parent, 1)
    if (c) p.where.push(c)
    if (rng.chance(0.4)) {
      p.orderBy = { item: { col }, dir: 'desc' }
      p.limit = rng.pick([3, 5])
    }
    return p
  },
}

const multiFilterTop: Family = {
  name: 'filtered_top_n',
  levels: ['hard', 'extra'],
  build({ rng, table }) {
    const nums = numeric(table)
    if (nums.length === 0) return null
    const c1 = valueCondition(rng, table, 0)
    const c2 = c1 ? valueCondition(rng, table, 0, [c1.col.column]) : null
    if (!c1 || !c2) return null
    const p = base(table.name, rng)
    const by = ref(0, table, rng.pick(nums).name)
    p.select = [labelItem(table), { col: by }]
    p.where = [c1, c2]
    p.connector = rng.chance(0.4) ? 'or' : 'and'
    p.orderBy = { item: { col: by }, dir: rng.chance(0.6) ? 'desc' : 'asc' }
    p.limit = rng.pick([3, 5, 10])
    return p
  },
}

export const FAMILIES: Family[] = [
  projection,
  distinctValues,
  countRows,
  aggregate,
  topN,
  sorted,
  groupCount,
  groupHaving,
  groupTop,
  joinFilter,
  joinGroup,
  join2,
  nestedAverage,
  nestedMembership,
  setOperation,
  joinNested,
  multiFilterTop,
]
