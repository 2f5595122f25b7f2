// Template questions from a QueryPlan, in the schema's natural names. Deliberately plain: the plan is kept so an
// LLM teacher can rewrite the question for the same SQL later.
import { columnPhrase, humanize, pluralize, singularize, tableNouns } from './naming'
import type { Agg, ColRef, CompareOp, Condition, JoinStep, QueryPlan, SelectItem } from './plan'

const AGG_WORDS: Record<Exclude<Agg, 'count'>, string> = { avg: 'average', sum: 'total', min: 'minimum', max: 'maximum' }

function variant<T>(plan: QueryPlan, options: readonly T[], salt = 0): T {
  return options[((plan.phrasing ?? 0) + salt) % options.length]
}

function join(words: string[], last = 'and'): string {
  if (words.length <= 1) return words[0] ?? ''
  return `${words.slice(0, -1).join(', ')} ${last} ${words[words.length - 1]}`
}

/** The noun a joined table plays in the question: the FK's role ("support rep") or the table's own name. */
function tableNoun(plan: QueryPlan, at: number): string {
  if (at === 0) return tableNouns(plan.from).singular
  const step: JoinStep = plan.joins[at - 1]
  return step.role ?? tableNouns(step.table).singular
}

function colWords(plan: QueryPlan, col: ColRef): string {
  const phrase = columnPhrase(col.column, col.table)
  if (col.at === 0) return phrase
  const noun = tableNoun(plan, col.at)
  return phrase.startsWith(noun) ? phrase : `${noun} ${phrase}`
}

export function valueWords(value: string | number): string {
  // Stored values may carry stray spaces ("Aberdeen "); the SQL keeps them, the question need not.
  return typeof value === 'number' ? String(value) : value.trim()
}

function opWords(op: CompareOp, value: string | number): string {
  const v = valueWords(value)
  switch (op) {
    case '=':
      return `is ${v}`
    case '!=':
      return `is not ${v}`
    case '>':
      return `is greater than ${v}`
    case '<':
      return `is less than ${v}`
    case '>=':
      return `is at least ${v}`
    case '<=':
      return `is at most ${v}`
    case 'like':
      return `contains "${v}"`
  }
}

function itemWords(plan: QueryPlan, item: SelectItem, subject: string, plural = false): string {
  if (!item.agg) return `the ${plural ? pluralize(colWords(plan, item.col!)) : colWords(plan, item.col!)}`
  if (item.agg === 'count') {
    if (!item.col) return `the number of ${subject}`
    return `the number of ${item.distinct ? 'distinct ' : ''}${pluralize(colWords(plan, item.col))}`
  }
  return `the ${AGG_WORDS[item.agg]} ${colWords(plan, item.col!)}`
}

/** Is the joined table a child of the FROM table (it holds the FK), i.e. "artists that have an album …"? */
function isChildJoin(plan: QueryPlan, at: number): boolean {
  if (at === 0) return false
  const step = plan.joins[at - 1]
  return step.childSide === true
}

function conditionWords(plan: QueryPlan, c: Condition): string {
  if (c.kind === 'value') {
    if (c.col.at > 0 && isChildJoin(plan, c.col.at)) {
      const noun = tableNoun(plan, c.col.at)
      return `that have ${article(noun)} ${noun} whose ${columnPhrase(c.col.column, c.col.table)} ${opWords(c.op, c.value)}`
    }
    return `whose ${colWords(plan, c.col)} ${opWords(c.op, c.value)}`
  }
  return subqueryWords(plan, c)
}

function subqueryWords(plan: QueryPlan, c: Extract<Condition, { kind: 'subquery' }>): string {
  const sub = c.sub
  const subItem = sub.select[0]
  const subNouns = tableNouns(sub.from)
  const subConds = sub.where.map((w) => conditionWords(sub, w))
  if ((c.op === '>' || c.op === '<') && subItem.agg) {
    const cmp = c.op === '>' ? 'greater than' : 'less than'
    const scope = subConds.length > 0 ? ` of ${subNouns.plural} ${join(subConds, sub.connector ?? 'and')}` : ` of all ${subNouns.plural}`
    return `whose ${colWords(plan, c.col)} is ${cmp} the ${AGG_WORDS[subItem.agg as Exclude<Agg, 'count'>] ?? subItem.agg} ${columnPhrase(subItem.col!.column, sub.from)}${scope}`
  }
  // pk IN (SELECT fk FROM child …): phrase it as "that have (no) <child> …".
  if (subItem.col && sub.from !== plan.from) {
    const child = subNouns.singular
    const tail = subConds.length > 0 ? ` ${join(subConds, sub.connector ?? 'and')}` : ''
    if (c.op === 'in') return `that have ${article(child)} ${child}${tail ? tail.replace(/^ whose/, ' whose') : ''}`
    return tail ? `that have no ${child}${tail}` : `that have no ${subNouns.plural}`
  }
  const what = `${pluralize(columnPhrase(subItem.col!.column, sub.from))} of ${subNouns.plural}${subConds.length > 0 ? ` ${join(subConds)}` : ''}`
  return c.op === 'in' ? `whose ${colWords(plan, c.col)} is among the ${what}` : `whose ${colWords(plan, c.col)} is not among the ${what}`
}

function article(noun: string): string {
  return /^[aeiou]/i.test(noun) ? 'an' : 'a'
}

function conditionsWords(plan: QueryPlan): string {
  if (plan.where.length === 0) return ''
  return ' ' + plan.where.map((c) => conditionWords(plan, c)).join(plan.connector === 'or' ? ' or ' : ' and ')
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}

function orderWords(plan: QueryPlan, subject: string): string {
  const o = plan.orderBy!
  const item = o.item
  if (item.agg === 'count' && !item.col) return o.dir === 'desc' ? `the most ${subject}` : `the fewest ${subject}`
  const w = item.agg ? itemWords(plan, item, subject).replace(/^the /, '') : colWords(plan, item.col!)
  return `the ${o.dir === 'desc' ? 'highest' : 'lowest'} ${w}`
}

function coreQuestion(plan: QueryPlan): string {
  const nouns = tableNouns(plan.from)
  const subject = nouns.plural
  const conds = conditionsWords(plan)
  const plain = plan.select.filter((s) => !s.agg)
  const aggs = plan.select.filter((s) => s.agg)

  if (plan.groupBy.length > 0) {
    const groupWords = plan.groupBy.map((g) => colWords(plan, g))
    const g = groupWords.join(' and ')
    if (plan.having) {
      const h = plan.having
      const hw =
        h.agg === 'count' && !h.col
          ? `${havingOp(h.op)} ${h.value} ${h.value === 1 ? nouns.singular : subject}`
          : `${article(AGG_WORDS[h.agg as Exclude<Agg, 'count'>] ?? 'a')} ${itemWords(plan, { agg: h.agg, col: h.col }, subject).replace(/^the /, '')} ${havingOp(h.op)} ${h.value}`
      const shown = plain.length > 0 ? join(plain.map((p) => colWords(plan, p.col!))) : g
      const extra = aggs.length > 0 ? ` and ${join(aggs.map((a) => itemWords(plan, a, subject)))}` : ''
      return variant(plan, [
        `Which ${pluralize(shown)} have ${hw}${conds}?${extra ? ` Show${extra.replace(/^ and/, '')} too.` : ''}`,
        `List the ${pluralize(shown)} with ${hw}${conds}${extra ? `, with${extra.replace(/^ and/, '')}` : ''}.`,
      ])
    }
    if (plan.orderBy && plan.limit !== undefined) {
      const top = orderWords(plan, subject)
      const shown = join(plan.select.map((s) => itemWords(plan, s, subject)))
      const named = plain.length > 0 ? join(plain.map((p) => colWords(plan, p.col!))) : g
      if (plan.limit === 1) return `Which ${singularize(named)} has ${top}${conds}? Give ${shown}.`
      return `What are the top ${plan.limit} ${pluralize(g)} by ${top.replace(/^the (most|fewest) /, 'number of ')}${conds}? Give ${shown}.`
    }
    const shown = join(aggs.map((a) => itemWords(plan, a, subject)))
    if (aggs.length === 1 && aggs[0].agg === 'count' && !aggs[0].col) {
      return variant(plan, [
        `For each ${g}, how many ${subject}${conds ? ` are there${conds}` : ' are there'}?`,
        `How many ${subject}${conds} are there for each ${g}?`,
        `Count the ${subject}${conds} for each ${g}.`,
      ])
    }
    return variant(plan, [`What is ${shown} of ${subject}${conds} for each ${g}?`, `For each ${g}, show ${shown} of ${subject}${conds}.`])
  }

  if (plain.length === 0 && aggs.length > 0) {
    if (aggs.length === 1 && aggs[0].agg === 'count' && !aggs[0].col) {
      return variant(plan, [`How many ${subject} are there${conds}?`, `Count the ${subject}${conds}.`, `What is the number of ${subject}${conds}?`])
    }
    const shown = join(aggs.map((a) => itemWords(plan, a, subject)))
    return variant(plan, [`What is ${shown} of ${subject}${conds}?`, `Find ${shown} of all ${subject}${conds}.`])
  }

  const manyRows = plan.limit !== 1
  const shown = join(plan.select.map((s) => itemWords(plan, s, subject, manyRows)))
  const distinct = plan.distinct && plan.where.length === 0 ? 'distinct ' : ''
  if (plan.orderBy && plan.limit !== undefined) {
    const top = orderWords(plan, subject)
    const who = plan.limit === 1 ? `the ${nouns.singular}` : `the ${plan.limit} ${subject}`
    return variant(plan, [
      `What ${plan.limit === 1 ? 'is' : 'are'} ${shown} of ${who}${conds} with ${top}?`,
      `List ${shown} of ${who}${conds} with ${top}.`,
    ])
  }
  if (plan.orderBy) {
    const o = plan.orderBy
    const by = o.item.agg ? itemWords(plan, o.item, subject).replace(/^the /, '') : colWords(plan, o.item.col!)
    return `List ${shown} of all ${subject}${conds}, sorted by ${by} in ${o.dir === 'desc' ? 'descending' : 'ascending'} order.`
  }
  const what = distinct ? shown.replace(/^the /, `the ${distinct}`) : shown
  return variant(plan, [
    `What are ${what} of ${subject}${conds}?`,
    `List ${what} of ${subject}${conds}.`,
    `Show ${what} of all ${subject}${conds}.`,
    `Find ${what} of ${subject}${conds}.`,
  ])
}

function havingOp(op: string): string {
  switch (op) {
    case '>':
      return 'more than'
    case '<':
      return 'fewer than'
    case '>=':
      return 'at least'
    case '<=':
      return 'at most'
    default:
      return 'exactly'
  }
}

/** The template question for a plan. Set operations combine the two operands' conditions. */
export function renderQuestion(plan: QueryPlan): string {
  if (!plan.setOp) return coreQuestion(plan)
  const right = plan.setOp.right
  const leftConds = conditionsWords(plan).trim()
  const rightConds = conditionsWords(right).trim()
  const subject = tableNouns(plan.from).plural
  const shown = join(plan.select.map((s) => itemWords(plan, s, subject, true)))
  const rightSubject = right.from === plan.from ? '' : ` ${tableNouns(right.from).plural}`
  switch (plan.setOp.op) {
    case 'union':
      return `What are ${shown} of ${subject} ${leftConds} or of${rightSubject || ` ${subject}`} ${rightConds}?`
    case 'intersect':
      return `What are ${shown} shared by ${subject} ${leftConds} and${rightSubject || ` ${subject}`} ${rightConds}?`
    case 'except':
      return right.from === plan.from
        ? `What are ${shown} of ${subject} ${leftConds}, excluding those of ${subject} ${rightConds}?`
        : `What are ${shown} of ${subject} ${leftConds}, excluding those of${rightSubject} ${rightConds}?`
  }
}

export { humanize }
