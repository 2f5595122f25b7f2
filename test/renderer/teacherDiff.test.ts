// The teacher diff's pure logic: the verdict headline, which rows are shown and marked (fed by the core's real
// compareSides, with the teacher as the reference), what each "which is right" choice stores, and the teacher form.
import { describe, expect, it } from 'vitest'
import { compareSides } from '../../src/main/core/service/compareResults'
import type { QueryResult } from '../../src/shared/query'
import type { SqlValue } from '../../src/shared/schema'
import type { CompareSide } from '../../src/shared/teacher'
import {
  buildTeacherConfig,
  cellText,
  describeTeacher,
  formFromConfig,
  planMark,
  planMessage,
  rowsToShow,
  sameSqlText,
  sidesOf,
  verdictOf,
  EMPTY_TEACHER_FORM,
} from '../../src/renderer/src/lib/teacherDiff'

function result(columns: string[], rows: SqlValue[][], sql = 'SELECT 1'): QueryResult {
  return {
    columns: columns.map((name) => ({ name, declaredType: null, table: null })),
    rows,
    rowCount: rows.length,
    truncated: false,
    rowCap: 10_000,
    elapsedMs: 1,
    sql,
  }
}
const ok = (r: QueryResult): CompareSide => ({ ok: true, result: r })
const failed = (message: string): CompareSide => ({ ok: false, error: { code: 'SQL_ERROR', message } })

// Teacher is `a` (the reference), student `b`, as the dialog calls compare.results.
function compare(teacherSql: string, teacher: CompareSide, student: CompareSide) {
  return sidesOf(compareSides(teacherSql, teacher, student))
}

describe('verdictOf', () => {
  it('says "Same result" when the rows agree with columns in another order', () => {
    const teacher = result(['name', 'n'], [['Rock', 3], ['Jazz', 1]])
    const student = result(['n', 'name'], [[1, 'Jazz'], [3, 'Rock']])
    const c = compare('SELECT name, n FROM t', ok(teacher), ok(student))
    const v = verdictOf({ studentSql: 'SELECT n, name FROM t', teacherSql: 'SELECT name, n FROM t', comparison: c })
    expect(v.kind).toBe('same')
    expect(v.label).toBe('Same result')
    expect(v.detail).toMatch(/2 rows/)
    expect(v.detail).toMatch(/row order ignored/)
  })

  it('says "Different results" and counts the rows without a counterpart', () => {
    const teacher = result(['name'], [['a'], ['b'], ['c']])
    const student = result(['name'], [['a'], ['x']])
    const c = compare('SELECT name FROM t', ok(teacher), ok(student))
    const v = verdictOf({ studentSql: 'SELECT name FROM s', teacherSql: 'SELECT name FROM t', comparison: c })
    expect(v).toMatchObject({ kind: 'different', label: 'Different results' })
    expect(v.detail).toMatch(/^1 student row and 2 teacher rows have no counterpart/)
    expect(c.studentRows).toEqual([1])
    expect(c.teacherRows).toEqual([1, 2])
  })

  it('names a column-count mismatch', () => {
    const c = compare('SELECT a, b FROM t', ok(result(['a', 'b'], [[1, 2]])), ok(result(['a'], [[1]])))
    const v = verdictOf({ studentSql: 'SELECT a FROM t', teacherSql: 'SELECT a, b FROM t', comparison: c })
    expect(v.detail).toBe('The student returns 1 column, the teacher 2 columns.')
  })

  it('is honest when a side failed or wrote no SQL', () => {
    const teacherFailed = compare('with a small bird', failed('near "small": syntax error'), ok(result(['a'], [[1]])))
    expect(verdictOf({ studentSql: 'SELECT 1', teacherSql: 'with a small bird', comparison: teacherFailed })).toMatchObject({
      kind: 'cannot',
      detail: 'The teacher’s SQL failed: near "small": syntax error',
    })
    const studentFailed = compare('SELECT 1', ok(result(['a'], [[1]])), failed('no such table: x'))
    expect(verdictOf({ studentSql: 'SELECT * FROM x', teacherSql: 'SELECT 1', comparison: studentFailed }).detail).toMatch(/^The student’s SQL failed: no such table/)
    const both = compare('x', failed('bad t'), failed('bad s'))
    expect(verdictOf({ studentSql: 'y', teacherSql: 'x', comparison: both }).detail).toBe('Both queries failed. Student: bad s Teacher: bad t')
    expect(verdictOf({ studentSql: null, teacherSql: 'SELECT 1', comparison: null }).detail).toMatch(/student wrote no SQL/)
    expect(verdictOf({ studentSql: 'SELECT 1', teacherSql: '  ', comparison: null }).detail).toMatch(/teacher wrote no SQL/)
    expect(verdictOf({ studentSql: null, teacherSql: null, comparison: null }).detail).toMatch(/Neither/)
    expect(verdictOf({ studentSql: 'SELECT 1', teacherSql: 'SELECT 2', comparison: null }).kind).toBe('pending')
  })

  it('respects ORDER BY in the teacher’s SQL: the same rows in another order differ', () => {
    const teacher = result(['n'], [[1], [2], [3]])
    const student = result(['n'], [[3], [2], [1]])
    const ordered = compare('SELECT n FROM t ORDER BY n', ok(teacher), ok(student))
    expect(ordered.same).toBe(false)
    expect(ordered.studentRows).toEqual([0, 2])
    expect(verdictOf({ studentSql: 's', teacherSql: 't', comparison: ordered }).detail).toMatch(/row order compared/)
    expect(compare('SELECT n FROM t', ok(teacher), ok(student)).same).toBe(true)
  })
})

describe('rowsToShow', () => {
  const r = result(['n'], Array.from({ length: 10 }, (_, i) => [i]))

  it('marks the differing rows and shows all rows within the limit', () => {
    const { rows, hidden } = rowsToShow(r, [2, 7], { limit: 50 })
    expect(hidden).toBe(0)
    expect(rows.map((x) => x.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(rows.filter((x) => x.differs).map((x) => x.index)).toEqual([2, 7])
    expect(rows[2]!.values).toEqual([2])
  })

  it('keeps differing rows past the limit, in row order', () => {
    const { rows, hidden } = rowsToShow(r, [9, 8], { limit: 4 })
    expect(rows.map((x) => x.index)).toEqual([0, 1, 8, 9])
    expect(hidden).toBe(6)
  })

  it('shows only the differing rows on request and ignores out-of-range indices', () => {
    const { rows, hidden } = rowsToShow(r, [3, 42, -1], { limit: 50, onlyDiffering: true })
    expect(rows.map((x) => x.index)).toEqual([3])
    expect(hidden).toBe(0)
  })

  it('spells out NULL, blobs and big integers', () => {
    expect(cellText(null)).toBe('NULL')
    expect(cellText({ $blob: 12 })).toBe('BLOB (12 bytes)')
    expect(cellText({ $bigint: '9007199254740993' })).toBe('9007199254740993')
    expect(cellText(1.5)).toBe('1.5')
  })
})

describe('planMark', () => {
  const sql = { student: 'SELECT count(*) FROM tracks', teacher: 'SELECT count(*) FROM tracks WHERE 1', edited: 'SELECT count(*) FROM tracks' }

  it('"Student is right" is an AddRef example', () => {
    expect(planMark('student', sql)).toEqual({ verdict: 'right', example: 'AddRef' })
  })

  it('"Teacher is right" marks the student wrong with the teacher’s SQL (FixIt)', () => {
    expect(planMark('teacher', sql)).toEqual({ verdict: 'wrong', correctedSql: sql.teacher, example: 'FixIt' })
  })

  it('an edited SQL becomes the correction; an unchanged one means the student was right', () => {
    expect(planMark('edited', { ...sql, edited: '  SELECT count(*) AS n FROM tracks;\n' })).toEqual({
      verdict: 'wrong',
      correctedSql: 'SELECT count(*) AS n FROM tracks;',
      example: 'FixIt',
    })
    expect(planMark('edited', { ...sql, edited: 'SELECT   count(*)\nFROM tracks;' })).toEqual({ verdict: 'right', example: 'AddRef' })
    expect(planMark('teacher', { ...sql, teacher: sql.student + ';' })).toEqual({ verdict: 'right', example: 'AddRef' })
  })

  it('refuses choices that have no SQL behind them', () => {
    expect(planMark('student', { ...sql, student: null })).toHaveProperty('error')
    expect(planMark('teacher', { ...sql, teacher: null })).toHaveProperty('error')
    expect(planMark('edited', { ...sql, edited: '   ' })).toHaveProperty('error')
    // With no student SQL, any correction is a FixIt (there is nothing it could equal).
    expect(planMark('edited', { student: null, teacher: null, edited: 'SELECT 1' })).toEqual({ verdict: 'wrong', correctedSql: 'SELECT 1', example: 'FixIt' })
  })

  it('tells the user what the mark becomes', () => {
    expect(planMessage({ verdict: 'right', example: 'AddRef' }, 'student')).toMatch(/AddRef example/)
    expect(planMessage({ verdict: 'wrong', correctedSql: 'x', example: 'FixIt' }, 'teacher')).toMatch(/teacher’s SQL.*FixIt example/)
  })

  it('compares SQL text up to whitespace and a trailing semicolon', () => {
    expect(sameSqlText('SELECT 1;', ' SELECT  1 ')).toBe(true)
    expect(sameSqlText('SELECT 1', 'SELECT 2')).toBe(false)
    expect(sameSqlText(null, null)).toBe(false)
  })
})

describe('the teacher form', () => {
  it('builds a local or an OpenAI-compatible config, keeping settings the form does not show', () => {
    const local = buildTeacherConfig({ ...EMPTY_TEACHER_FORM, modelPath: ' /models/teacher.gguf ' }, { kind: 'local', modelPath: '/old.gguf', temperature: 0.5 })
    expect(local).toEqual({ config: { kind: 'local', modelPath: '/models/teacher.gguf', temperature: 0.5 } })
    const http = buildTeacherConfig(
      { ...EMPTY_TEACHER_FORM, kind: 'openai', baseUrl: 'http://127.0.0.1:11434/v1', model: 'qwen2.5-coder:7b' },
      { kind: 'local', modelPath: '/old.gguf', temperature: 0.5 },
    )
    expect(http).toEqual({ config: { kind: 'openai', baseUrl: 'http://127.0.0.1:11434/v1', model: 'qwen2.5-coder:7b' } })
  })

  it('takes the requests at once and the prices of an HTTP teacher, empty meaning "ask the server" and "not priced"', () => {
    const form = { ...EMPTY_TEACHER_FORM, kind: 'openai' as const, baseUrl: 'https://api.example.com/v1', model: 'big' }
    expect(buildTeacherConfig({ ...form, concurrency: '8', priceIn: '0.5', priceOut: '1.5' }, null)).toEqual({
      config: { kind: 'openai', baseUrl: 'https://api.example.com/v1', model: 'big', concurrency: 8, pricing: { inputPerMillion: 0.5, outputPerMillion: 1.5 } },
    })
    // emptied: the previous values go (auto, unpriced), other kept settings stay
    const previous = { kind: 'openai' as const, baseUrl: 'x', model: 'y', concurrency: 4, pricing: { inputPerMillion: 1, outputPerMillion: 2 }, timeoutMs: 5000 }
    expect(buildTeacherConfig(form, previous)).toEqual({ config: { kind: 'openai', baseUrl: 'https://api.example.com/v1', model: 'big', timeoutMs: 5000 } })
    expect(formFromConfig(previous)).toMatchObject({ concurrency: '4', priceIn: '1', priceOut: '2' })
    expect(buildTeacherConfig({ ...form, concurrency: '0' }, null)).toEqual({ errors: { concurrency: expect.stringMatching(/1 to 64/) } })
    expect(buildTeacherConfig({ ...form, priceIn: '2' }, null)).toEqual({ errors: { priceOut: 'Give both prices, or neither.' } })
    expect(buildTeacherConfig({ ...form, priceIn: 'x', priceOut: '1' }, null)).toEqual({ errors: { priceIn: expect.stringMatching(/USD per million/) } })
  })

  it('names the fields that are wrong', () => {
    expect(buildTeacherConfig({ ...EMPTY_TEACHER_FORM, modelPath: '  ' }, null)).toEqual({ errors: { modelPath: 'Give the path of a GGUF model file.' } })
    const bad = buildTeacherConfig({ ...EMPTY_TEACHER_FORM, kind: 'openai', baseUrl: 'ftp://x', model: '' }, null)
    expect(bad).toHaveProperty('errors.baseUrl')
    expect(bad).toHaveProperty('errors.model')
  })

  it('round-trips a saved config through the form and describes it', () => {
    const config = { kind: 'openai' as const, baseUrl: 'https://llm.local/v1', model: 'm' }
    expect(formFromConfig(config)).toMatchObject({ kind: 'openai', baseUrl: config.baseUrl, model: 'm' })
    expect(formFromConfig(null)).toEqual(EMPTY_TEACHER_FORM)
    expect(describeTeacher(config)).toBe('m at https://llm.local/v1')
    expect(describeTeacher({ kind: 'local', modelPath: '/a/b/teacher.gguf' })).toBe('local model teacher.gguf')
    expect(describeTeacher(null)).toBe('none')
  })
})
