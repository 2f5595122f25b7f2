// The teacher diff's decisions, kept free of React and the DOM so they can be tested on their own: what the
// comparison verdict says, which rows to show and mark, what a "which is right" choice stores in the history, and
// the teacher configuration form.
import { requestSchemas } from '../../../shared/api'
import type { ApiErrorShape } from '../../../shared/errors'
import type { QueryResult } from '../../../shared/query'
import type { SqlValue } from '../../../shared/schema'
import type { CompareResults, CompareSide, TeacherConfig } from '../../../shared/teacher'

// ---- comparing ------------------------------------------------------------------------------------------------

/** compare.results is called with the teacher as `a` (the reference, like gold in the eval) and the student as `b`. */
export interface SidedComparison {
  same: boolean
  orderMatters: boolean
  student: CompareSide
  teacher: CompareSide
  studentRows: number[]
  teacherRows: number[]
}

export function sidesOf(cmp: CompareResults): SidedComparison {
  return {
    same: cmp.same,
    orderMatters: cmp.orderMatters,
    student: cmp.b,
    teacher: cmp.a,
    studentRows: cmp.differingRows.b,
    teacherRows: cmp.differingRows.a,
  }
}

export type VerdictKind = 'same' | 'different' | 'cannot' | 'pending'

export interface Verdict {
  kind: VerdictKind
  label: string
  detail: string
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

/** The headline over the two result sets: same / different under the harness's rules, or why there is no verdict. */
export function verdictOf(input: { studentSql: string | null; teacherSql: string | null; comparison: SidedComparison | null }): Verdict {
  const { studentSql, teacherSql, comparison } = input
  const cannot = (detail: string): Verdict => ({ kind: 'cannot', label: 'Cannot compare', detail })
  if (!studentSql?.trim() && !teacherSql?.trim()) return cannot('Neither the student nor the teacher wrote SQL.')
  if (!studentSql?.trim()) return cannot('The student wrote no SQL. Write the correct query on the student side and compare again.')
  if (!teacherSql?.trim()) return cannot('The teacher wrote no SQL for this question.')
  if (!comparison) return { kind: 'pending', label: 'Comparing…', detail: 'Running both queries.' }
  const { student, teacher } = comparison
  if (!student.ok && !teacher.ok) return cannot(`Both queries failed. Student: ${student.error.message} Teacher: ${teacher.error.message}`)
  if (!teacher.ok) return cannot(`The teacher’s SQL failed: ${teacher.error.message}`)
  if (!student.ok) return cannot(`The student’s SQL failed: ${student.error.message}`)
  const order = comparison.orderMatters ? 'row order compared (the teacher used ORDER BY)' : 'row order ignored'
  if (comparison.same) {
    return { kind: 'same', label: 'Same result', detail: `${plural(teacher.result.rowCount, 'row')}, column order free, ${order}.` }
  }
  const s = student.result
  const t = teacher.result
  if (s.columns.length !== t.columns.length) {
    return {
      kind: 'different',
      label: 'Different results',
      detail: `The student returns ${plural(s.columns.length, 'column')}, the teacher ${plural(t.columns.length, 'column')}.`,
    }
  }
  return {
    kind: 'different',
    label: 'Different results',
    detail:
      `${plural(comparison.studentRows.length, 'student row')} and ${plural(comparison.teacherRows.length, 'teacher row')} ` +
      `have no counterpart on the other side (${plural(s.rowCount, 'row')} vs ${t.rowCount}; ${order}).`,
  }
}

// ---- result tables --------------------------------------------------------------------------------------------

export interface ShownRow {
  /** Index into the result's rows (what differingRows names). */
  index: number
  values: SqlValue[]
  differs: boolean
}

/**
 * The rows a result table shows: every row up to `limit`, or only the differing ones. Differing rows beyond the
 * limit would otherwise be invisible, so when rows are cut the differing ones are kept first, in order.
 */
export function rowsToShow(result: QueryResult, differing: readonly number[], opts: { limit: number; onlyDiffering?: boolean }): { rows: ShownRow[]; hidden: number } {
  const marked = new Set(differing.filter((i) => i >= 0 && i < result.rows.length))
  const all = result.rows.map((values, index) => ({ index, values, differs: marked.has(index) }))
  const pool = opts.onlyDiffering ? all.filter((r) => r.differs) : all
  if (pool.length <= opts.limit) return { rows: pool, hidden: 0 }
  const diffFirst = [...pool.filter((r) => r.differs), ...pool.filter((r) => !r.differs)].slice(0, opts.limit)
  diffFirst.sort((a, b) => a.index - b.index)
  return { rows: diffFirst, hidden: pool.length - diffFirst.length }
}

/** One value as text; NULL and BLOBs are spelled out so they cannot pass for text. */
export function cellText(value: SqlValue): string {
  if (value === null) return 'NULL'
  if (typeof value === 'object') return '$blob' in value ? `BLOB (${value.$blob} bytes)` : value.$bigint
  return String(value)
}

// ---- marking --------------------------------------------------------------------------------------------------

export type MarkChoice = 'student' | 'teacher' | 'edited'

export interface MarkPlan {
  verdict: 'right' | 'wrong'
  correctedSql?: string
  /** What the customization pipeline makes of it (with "use history" on). */
  example: 'AddRef' | 'FixIt'
}

/** Same query text up to whitespace and a trailing semicolon. */
export function sameSqlText(a: string | null | undefined, b: string | null | undefined): boolean {
  const norm = (s: string) => s.replace(/;\s*$/, '').replace(/\s+/g, ' ').trim()
  return !!a && !!b && norm(a) === norm(b)
}

/**
 * What "which is right" stores on the student's history item: right (an AddRef example of the student's own SQL)
 * or wrong with the corrected SQL (a FixIt example). Choosing SQL identical to the student's is the same as "right".
 */
export function planMark(choice: MarkChoice, sql: { student: string | null; teacher: string | null; edited: string }): MarkPlan | { error: string } {
  const student = sql.student?.trim() || null
  if (choice === 'student') {
    if (!student) return { error: 'The student wrote no SQL, so it cannot be right. Choose the teacher’s SQL or write the correct one.' }
    return { verdict: 'right', example: 'AddRef' }
  }
  const corrected = (choice === 'teacher' ? sql.teacher : sql.edited)?.trim() || null
  if (!corrected) {
    return { error: choice === 'teacher' ? 'The teacher wrote no SQL to keep.' : 'Write the correct SQL on the student side first.' }
  }
  if (sameSqlText(corrected, student)) return { verdict: 'right', example: 'AddRef' }
  return { verdict: 'wrong', correctedSql: corrected, example: 'FixIt' }
}

export function planMessage(plan: MarkPlan, choice: MarkChoice): string {
  if (plan.verdict === 'right') {
    return 'Marked the student’s answer right. It is an AddRef example (the question with the student’s SQL) for the next customization that uses the history.'
  }
  const whose = choice === 'teacher' ? 'the teacher’s SQL' : 'your corrected SQL'
  return `Marked the student’s answer wrong, corrected with ${whose}. It is a FixIt example for the next customization that uses the history.`
}

// ---- the teacher configuration form ---------------------------------------------------------------------------

export interface TeacherForm {
  kind: 'local' | 'openai'
  modelPath: string
  baseUrl: string
  model: string
  /** '' = what the server says it runs at once. */
  concurrency: string
  /** USD per million tokens; '' = not priced. */
  priceIn: string
  priceOut: string
}

type FormField = 'modelPath' | 'baseUrl' | 'model' | 'concurrency' | 'priceIn' | 'priceOut'
export type TeacherFormErrors = Partial<Record<FormField, string>>

export const EMPTY_TEACHER_FORM: TeacherForm = { kind: 'local', modelPath: '', baseUrl: 'http://127.0.0.1:8080/v1', model: '', concurrency: '', priceIn: '', priceOut: '' }

export function formFromConfig(config: TeacherConfig | null): TeacherForm {
  if (!config) return { ...EMPTY_TEACHER_FORM }
  if (config.kind === 'local') return { ...EMPTY_TEACHER_FORM, kind: 'local', modelPath: config.modelPath }
  return {
    ...EMPTY_TEACHER_FORM,
    kind: 'openai',
    baseUrl: config.baseUrl,
    model: config.model,
    concurrency: config.concurrency !== undefined ? String(config.concurrency) : '',
    priceIn: config.pricing ? String(config.pricing.inputPerMillion) : '',
    priceOut: config.pricing ? String(config.pricing.outputPerMillion) : '',
  }
}

/** An optional number field: undefined when empty, NaN when it is not a number. */
function optionalNumber(text: string): number | undefined {
  return text.trim() === '' ? undefined : Number(text.trim())
}

/**
 * The form as a TeacherConfig, validated with the same schema the core applies. Settings the form does not show
 * (temperature, context size, timeouts…) are kept from the previous configuration of the same kind.
 */
export function buildTeacherConfig(form: TeacherForm, previous: TeacherConfig | null): { config: TeacherConfig } | { errors: TeacherFormErrors } {
  let config: TeacherConfig
  if (form.kind === 'local') {
    const kept = previous?.kind === 'local' ? previous : null
    config = { ...kept, kind: 'local', modelPath: form.modelPath.trim() }
  } else {
    const { concurrency: _c, pricing: _p, ...kept } = previous?.kind === 'openai' ? previous : ({} as Partial<Extract<TeacherConfig, { kind: 'openai' }>>)
    const concurrency = optionalNumber(form.concurrency)
    const priceIn = optionalNumber(form.priceIn)
    const priceOut = optionalNumber(form.priceOut)
    const errors: TeacherFormErrors = {}
    if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 64)) errors.concurrency = 'A whole number from 1 to 64, or empty to ask the server.'
    for (const [key, value] of [['priceIn', priceIn], ['priceOut', priceOut]] as const) {
      if (value !== undefined && !(value >= 0 && value <= 10_000)) errors[key] = 'A price in USD per million tokens (0 or more), or empty.'
    }
    if ((priceIn === undefined) !== (priceOut === undefined)) errors[priceIn === undefined ? 'priceIn' : 'priceOut'] = 'Give both prices, or neither.'
    if (Object.keys(errors).length) return { errors }
    config = {
      ...kept,
      kind: 'openai',
      baseUrl: form.baseUrl.trim(),
      model: form.model.trim(),
      ...(concurrency !== undefined ? { concurrency } : {}),
      ...(priceIn !== undefined && priceOut !== undefined ? { pricing: { inputPerMillion: priceIn, outputPerMillion: priceOut } } : {}),
    }
  }
  const parsed = requestSchemas['teacher.configure'].safeParse({ config })
  if (parsed.success) return { config }
  const errors: TeacherFormErrors = {}
  for (const issue of parsed.error.issues) {
    const field = issue.path[1]
    if (field !== 'modelPath' && field !== 'baseUrl' && field !== 'model') continue
    errors[field] ??= fieldMessage(field, form)
  }
  if (Object.keys(errors).length === 0) errors[form.kind === 'local' ? 'modelPath' : 'baseUrl'] = parsed.error.issues[0]?.message ?? 'Invalid value'
  return { errors }
}

function fieldMessage(field: keyof TeacherFormErrors, form: TeacherForm): string {
  if (field === 'modelPath') return form.modelPath.trim() ? 'The path is too long.' : 'Give the path of a GGUF model file.'
  if (field === 'model') return form.model.trim() ? 'The model name is too long.' : 'Give the model name the server serves (e.g. qwen2.5-coder:7b).'
  return form.baseUrl.trim() ? 'Give an http:// or https:// URL, e.g. http://127.0.0.1:8080/v1.' : 'Give the server’s base URL.'
}

export function describeTeacher(config: TeacherConfig | null): string {
  if (!config) return 'none'
  if (config.kind === 'local') return `local model ${config.modelPath.split(/[\\/]/).pop()}`
  return `${config.model} at ${config.baseUrl}`
}

export function shortTeacherName(config: TeacherConfig | null): string {
  if (!config) return 'No teacher'
  if (config.kind === 'local') return config.modelPath.split(/[\\/]/).pop() ?? config.modelPath
  return config.model
}

/** Errors the teacher side shows: where they come from decides the title. */
export function teacherErrorTitle(error: ApiErrorShape): string {
  if (/no teacher is configured/i.test(error.message)) return 'No teacher is configured'
  if (error.code === 'SQL_ERROR' || error.code === 'TIMEOUT') return 'The teacher’s SQL failed'
  return 'The teacher could not answer'
}
