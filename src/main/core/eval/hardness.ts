// Spider's hardness levels, computed with the official counting rules (spider/evaluation.py eval_hardness on
// the structure spider/process_sql.py builds). This is a port of the parts of process_sql that the counts read:
// it keeps the official quirks that change counts (e.g. a column-valued comparison swallows what follows it up
// to the next AND; HAVING's AND/OR tokens count as aggregates), and it is lenient where the official parser
// would throw on SQL outside Spider's style (aliases without AS, LEFT JOIN, IN lists) so app queries get a
// level too. Column resolution is not needed for counting and is left out.
import type { Hardness, HardnessOrUnknown } from './types'

const CLAUSE_KEYWORDS = new Set(['select', 'from', 'where', 'group', 'order', 'limit', 'intersect', 'union', 'except'])
const JOIN_KEYWORDS = new Set(['join', 'on', 'as'])
const WHERE_OPS = ['not', 'between', '=', '>', '<', '>=', '<=', '!=', 'in', 'like', 'is', 'exists']
const UNIT_OPS = new Set(['-', '+', '*', '/'])
const AGG_OPS = new Set(['max', 'min', 'count', 'sum', 'avg'])
const SQL_OPS = ['intersect', 'union', 'except'] as const
const JOIN_MODIFIERS = new Set(['left', 'right', 'inner', 'outer', 'cross', 'natural', 'full'])

/** A column unit: only whether it is aggregated matters for the counts. */
interface ColUnit {
  agg: boolean
}
interface ValUnit {
  col1: ColUnit
  col2: ColUnit | null
}
interface CondUnit {
  not: boolean
  op: string
  val1: unknown
  val2: unknown
}
type Conds = (CondUnit | 'and' | 'or')[]

export interface ParsedSql {
  select: { agg: boolean }[]
  tableUnits: number
  fromConds: Conds
  where: Conds
  groupBy: ColUnit[]
  having: Conds
  orderBy: ValUnit[]
  limit: boolean
  intersect: ParsedSql | null
  union: ParsedSql | null
  except: ParsedSql | null
}

class ParseError extends Error {}

/** Spider's tokenizer: string values stay whole (always double-quoted), everything else is lowercased, and
 * "! =" / "> =" / "< =" are joined. */
export function tokenizeSpider(sql: string): string[] {
  const toks: string[] = []
  let i = 0
  while (i < sql.length) {
    const ch = sql[i]
    if (/\s/.test(ch)) {
      i++
    } else if (ch === '"' || ch === "'") {
      let end = i + 1
      while (end < sql.length && sql[end] !== ch) end++
      if (end >= sql.length) throw new ParseError('unterminated string')
      toks.push(`"${sql.slice(i + 1, end)}"`)
      i = end + 1
    } else if (ch === '`' || ch === '[') {
      const close = sql.indexOf(ch === '`' ? '`' : ']', i + 1)
      if (close < 0) throw new ParseError('unterminated identifier')
      toks.push(sql.slice(i + 1, close).toLowerCase())
      i = close + 1
    } else if (/[\w$.]/.test(ch)) {
      let end = i + 1
      while (end < sql.length && /[\w$.]/.test(sql[end])) end++
      toks.push(sql.slice(i, end).toLowerCase())
      i = end
    } else if ((ch === '!' || ch === '>' || ch === '<') && sql[i + 1] === '=') {
      toks.push(ch + '=')
      i += 2
    } else if (ch === '<' && sql[i + 1] === '>') {
      toks.push('!=')
      i += 2
    } else if (ch === '=' && sql[i + 1] === '=') {
      toks.push('=')
      i += 2
    } else {
      toks.push(ch)
      i++
    }
  }
  // "> =" with a space in between.
  for (let k = toks.length - 1; k > 0; k--) {
    if (toks[k] === '=' && (toks[k - 1] === '!' || toks[k - 1] === '>' || toks[k - 1] === '<')) {
      toks.splice(k - 1, 2, toks[k - 1] + '=')
    }
  }
  return toks
}

function isFloat(tok: string): boolean {
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(tok) || /^[+-]?(inf|infinity|nan)$/i.test(tok)
}

class SpiderParser {
  constructor(private readonly toks: string[]) {}

  private at(idx: number): string | undefined {
    return this.toks[idx]
  }

  private expect(idx: number, tok: string): void {
    if (this.toks[idx] !== tok) throw new ParseError(`expected "${tok}" at token ${idx}, found "${this.toks[idx] ?? 'end'}"`)
  }

  parseSql(start: number): [number, ParsedSql] {
    let idx = start
    let isBlock = false
    if (this.at(idx) === '(') {
      isBlock = true
      idx++
    }
    const [fromEnd, tableUnits, fromConds] = this.parseFrom(start)
    // As in the official parser, the select list is parsed for its units but parsing goes on after FROM.
    const select = this.parseSelect(idx)
    idx = fromEnd
    let where: Conds = []
    if (this.at(idx) === 'where') [idx, where] = this.parseCondition(idx + 1)
    const groupBy: ColUnit[] = []
    if (this.at(idx) === 'group') {
      this.expect(idx + 1, 'by')
      idx += 2
      while (idx < this.toks.length && !this.endsClause(idx)) {
        let col: ColUnit
        ;[idx, col] = this.parseColUnit(idx)
        groupBy.push(col)
        if (this.at(idx) === ',') idx++
        else break
      }
    }
    let having: Conds = []
    if (this.at(idx) === 'having') [idx, having] = this.parseCondition(idx + 1)
    const orderBy: ValUnit[] = []
    if (this.at(idx) === 'order') {
      this.expect(idx + 1, 'by')
      idx += 2
      while (idx < this.toks.length && !this.endsClause(idx)) {
        let unit: ValUnit
        ;[idx, unit] = this.parseValUnit(idx)
        orderBy.push(unit)
        if (this.at(idx) === 'asc' || this.at(idx) === 'desc') idx++
        if (this.at(idx) === ',') idx++
        else break
      }
    }
    let limit = false
    if (this.at(idx) === 'limit') {
      limit = true
      idx += 2
      if (this.at(idx) === ',' || this.at(idx) === 'offset') idx += 2
    }
    if (this.at(idx) === ';') idx++
    if (isBlock) {
      this.expect(idx, ')')
      idx++
    }
    if (this.at(idx) === ';') idx++
    const sql: ParsedSql = {
      select,
      tableUnits,
      fromConds,
      where,
      groupBy,
      having,
      orderBy,
      limit,
      intersect: null,
      union: null,
      except: null,
    }
    const op = this.at(idx)
    if (op === 'intersect' || op === 'union' || op === 'except') {
      idx++
      if (this.at(idx) === 'all') idx++
      let iue: ParsedSql
      ;[idx, iue] = this.parseSql(idx)
      sql[op] = iue
    }
    return [idx, sql]
  }

  private endsClause(idx: number): boolean {
    const t = this.toks[idx]
    return CLAUSE_KEYWORDS.has(t) || t === ')' || t === ';'
  }

  private parseSelect(start: number): { agg: boolean }[] {
    let idx = start
    this.expect(idx, 'select')
    idx++
    if (this.at(idx) === 'distinct' || this.at(idx) === 'all') idx++
    const units: { agg: boolean }[] = []
    while (idx < this.toks.length && !CLAUSE_KEYWORDS.has(this.toks[idx])) {
      let agg = false
      if (AGG_OPS.has(this.toks[idx]) && this.at(idx + 1) === '(') {
        agg = true
        idx++
      }
      ;[idx] = this.parseValUnit(idx)
      // A select alias ("AS name") is not Spider style; skip it rather than fail.
      if (this.at(idx) === 'as') idx += 2
      units.push({ agg })
      if (this.at(idx) === ',') idx++
      else if (idx < this.toks.length && !CLAUSE_KEYWORDS.has(this.toks[idx])) {
        throw new ParseError(`unexpected "${this.toks[idx]}" in the select list`)
      }
    }
    return units
  }

  private parseFrom(start: number): [number, number, Conds] {
    let idx = this.toks.indexOf('from', start)
    if (idx < 0) throw new ParseError('no FROM clause')
    idx++
    let tableUnits = 0
    let conds: Conds = []
    while (idx < this.toks.length) {
      let isBlock = false
      if (this.at(idx) === '(') {
        isBlock = true
        idx++
      }
      if (this.at(idx) === 'select') {
        ;[idx] = this.parseSql(idx)
        tableUnits++
      } else {
        while (JOIN_MODIFIERS.has(this.toks[idx] ?? '')) idx++
        if (this.at(idx) === 'join') idx++
        idx = this.parseTableUnit(idx)
        tableUnits++
      }
      if (this.at(idx) === 'on') {
        let more: Conds
        ;[idx, more] = this.parseCondition(idx + 1)
        if (conds.length > 0) conds.push('and')
        conds = conds.concat(more)
      }
      if (isBlock) {
        this.expect(idx, ')')
        idx++
        idx = this.skipAlias(idx)
      }
      if (this.at(idx) === ',') idx++
      if (idx < this.toks.length && (this.endsClause(idx) || this.at(idx) === 'having')) break
    }
    return [idx, tableUnits, conds]
  }

  private skipAlias(idx: number): number {
    if (this.at(idx) === 'as') return idx + 2
    const t = this.toks[idx]
    if (t !== undefined && /^[a-z_]\w*$/.test(t) && !this.isReserved(t)) return idx + 1
    return idx
  }

  private isReserved(t: string): boolean {
    return (
      CLAUSE_KEYWORDS.has(t) ||
      JOIN_KEYWORDS.has(t) ||
      JOIN_MODIFIERS.has(t) ||
      t === 'having' ||
      t === 'and' ||
      t === 'or'
    )
  }

  private parseTableUnit(idx: number): number {
    const name = this.toks[idx]
    if (name === undefined || name === '(' || name === ')' || this.isReserved(name)) {
      throw new ParseError(`expected a table name at token ${idx}`)
    }
    return this.skipAlias(idx + 1)
  }

  private parseCondition(start: number): [number, Conds] {
    let idx = start
    const conds: Conds = []
    while (idx < this.toks.length) {
      let notOp = false
      // Lenient: NOT EXISTS / EXISTS without a left operand.
      if (this.at(idx) === 'not' && this.at(idx + 1) === 'exists') {
        notOp = true
        idx++
      }
      if (this.at(idx) !== 'exists') {
        ;[idx] = this.parseValUnit(idx)
        if (this.at(idx) === 'not') {
          notOp = true
          idx++
        }
      }
      const op = this.toks[idx]
      if (op === undefined || !WHERE_OPS.includes(op)) {
        throw new ParseError(`expected a comparison at token ${idx}, found "${op ?? 'end'}"`)
      }
      idx++
      let val1: unknown
      let val2: unknown = null
      if (op === 'between') {
        ;[idx, val1] = this.parseValue(idx)
        this.expect(idx, 'and')
        idx++
        ;[idx, val2] = this.parseValue(idx)
      } else {
        ;[idx, val1] = this.parseValue(idx)
      }
      conds.push({ not: notOp, op, val1, val2 })
      const t = this.toks[idx]
      if (idx < this.toks.length && (this.endsClause(idx) || JOIN_KEYWORDS.has(t) || t === 'having' || JOIN_MODIFIERS.has(t))) break
      if (t === 'and' || t === 'or') {
        conds.push(t)
        idx++
      } else if (idx < this.toks.length) {
        throw new ParseError(`unexpected "${t}" after a condition`)
      }
    }
    return [idx, conds]
  }

  private parseValue(start: number): [number, unknown] {
    let idx = start
    let isBlock = false
    if (this.at(idx) === '(') {
      isBlock = true
      idx++
    }
    let val: unknown
    const t = this.toks[idx]
    if (t === undefined) throw new ParseError('missing value')
    if (t === 'select') {
      ;[idx, val] = this.parseSql(idx)
    } else if (t.includes('"')) {
      val = t
      idx++
    } else if (isFloat(t)) {
      val = Number(t)
      idx++
    } else {
      // Official quirk: a non-literal value swallows everything up to the next , ) AND or clause keyword.
      let end = idx
      while (end < this.toks.length) {
        const e = this.toks[end]
        if (e === ',' || e === ')' || e === 'and' || CLAUSE_KEYWORDS.has(e) || JOIN_KEYWORDS.has(e)) break
        end++
      }
      val = { column: this.toks.slice(idx, end).join(' ') }
      idx = end
    }
    if (isBlock) {
      // Lenient: IN (1, 2, 3) lists.
      while (this.at(idx) === ',') idx += 2
      this.expect(idx, ')')
      idx++
    }
    return [idx, val]
  }

  private parseValUnit(start: number): [number, ValUnit] {
    let idx = start
    let isBlock = false
    if (this.at(idx) === '(') {
      isBlock = true
      idx++
    }
    let col1: ColUnit
    let col2: ColUnit | null = null
    ;[idx, col1] = this.parseColUnit(idx)
    if (UNIT_OPS.has(this.toks[idx] ?? '')) {
      idx++
      ;[idx, col2] = this.parseColUnit(idx)
    }
    if (isBlock) {
      this.expect(idx, ')')
      idx++
    }
    return [idx, { col1, col2 }]
  }

  private parseColUnit(start: number): [number, ColUnit] {
    let idx = start
    let isBlock = false
    if (this.at(idx) === '(') {
      isBlock = true
      idx++
    }
    if (AGG_OPS.has(this.toks[idx] ?? '') && this.at(idx + 1) === '(') {
      idx += 2
      if (this.at(idx) === 'distinct') idx++
      idx = this.parseCol(idx)
      this.expect(idx, ')')
      idx++
      // Official parser: the block's own ')' is left for the caller here.
      return [idx, { agg: true }]
    }
    if (this.at(idx) === 'distinct') idx++
    idx = this.parseCol(idx)
    if (isBlock) {
      this.expect(idx, ')')
      idx++
    }
    return [idx, { agg: false }]
  }

  private parseCol(idx: number): number {
    const t = this.toks[idx]
    if (t === undefined || t === ')' || t === ',' || t === '(' || CLAUSE_KEYWORDS.has(t)) {
      throw new ParseError(`expected a column at token ${idx}, found "${t ?? 'end'}"`)
    }
    return idx + 1
  }
}

/** Parses SQL into the structure the hardness counts read; throws on SQL outside what the rules cover. */
export function parseSpiderSql(sql: string): ParsedSql {
  const toks = tokenizeSpider(sql)
  const parser = new SpiderParser(toks)
  const [, parsed] = parser.parseSql(0)
  return parsed
}

function condUnits(conds: Conds): CondUnit[] {
  return conds.filter((c): c is CondUnit => typeof c !== 'string')
}

function nestedCount(sql: ParsedSql): number {
  let n = 0
  for (const c of condUnits([...sql.fromConds, ...sql.where, ...sql.having])) {
    if (isSubquery(c.val1)) n++
    if (isSubquery(c.val2)) n++
  }
  for (const op of SQL_OPS) if (sql[op]) n++
  return n
}

function isSubquery(v: unknown): boolean {
  return typeof v === 'object' && v !== null && 'select' in v
}

export function countComponent1(sql: ParsedSql): number {
  let count = 0
  if (sql.where.length > 0) count++
  if (sql.groupBy.length > 0) count++
  if (sql.orderBy.length > 0) count++
  if (sql.limit) count++
  if (sql.tableUnits > 0) count += sql.tableUnits - 1
  const all = [...sql.fromConds, ...sql.where, ...sql.having]
  count += all.filter((c) => c === 'or').length
  count += condUnits(all).filter((c) => c.op === 'like').length
  return count
}

export function countComponent2(sql: ParsedSql): number {
  return nestedCount(sql)
}

export function countOthers(sql: ParsedSql): number {
  let count = 0
  // Official count_agg quirks: a WHERE condition "has an aggregate" when it is negated, and every AND/OR
  // token of HAVING counts as one (has_agg reads the first element of whatever it is given).
  let agg = sql.select.filter((s) => s.agg).length
  agg += condUnits(sql.where).filter((c) => c.not).length
  agg += sql.groupBy.filter((g) => g.agg).length
  agg += sql.orderBy.filter((o) => o.col1.agg).length + sql.orderBy.filter((o) => o.col2?.agg).length
  agg += sql.having.filter((h) => typeof h === 'string' || h.not).length
  if (agg > 1) count++
  if (sql.select.length > 1) count++
  if (sql.where.length > 1) count++
  if (sql.groupBy.length > 1) count++
  return count
}

export function hardnessOfParsed(sql: ParsedSql): Hardness {
  const c1 = countComponent1(sql)
  const c2 = countComponent2(sql)
  const others = countOthers(sql)
  if (c1 <= 1 && others === 0 && c2 === 0) return 'easy'
  if ((others <= 2 && c1 <= 1 && c2 === 0) || (c1 <= 2 && others < 2 && c2 === 0)) return 'medium'
  if (
    (others > 2 && c1 <= 2 && c2 === 0) ||
    (c1 > 2 && c1 <= 3 && others <= 2 && c2 === 0) ||
    (c1 <= 1 && others === 0 && c2 <= 1)
  ) {
    return 'hard'
  }
  return 'extra'
}

/** Spider hardness of a gold query, or 'unknown' when it cannot be parsed with the counting rules. */
export function computeHardness(sql: string): HardnessOrUnknown {
  try {
    return hardnessOfParsed(parseSpiderSql(sql))
  } catch (err) {
    if (err instanceof ParseError) return 'unknown'
    throw err
  }
}
