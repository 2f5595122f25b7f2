// The teacher diff end to end in Chromium against the real `sqlstill serve`: a tiny real GGUF student
// (stories260K-f32) and a second tiny real GGUF as a local teacher (stories260K-q8_0), configured through the UI;
// the student's and the teacher's SQL side by side in Monaco's diff editor, the verdict, and "Teacher is right"
// stored as a FixIt example in the history.
// The tiny models write stories, not SQL, and what exactly they write depends on the CPU kernels ggml picks on the
// machine, so the local teacher's part checks only what holds for any answer (the dialog settles on a verdict, the
// student's side is the student's SQL, the teacher's side is its SQL or says it wrote none). Everything that depends
// on what the teacher wrote is checked with an OpenAI-compatible teacher: a scripted HTTP server in this test
// process whose answers are fixed — a broken query for one question, a real one for the others, a refusal for one.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { HistoryItem } from '../../src/shared/ask'
import type { DatabaseInfo } from '../../src/shared/api'
import { setupE2eSession } from '../helpers/e2eSession'
import { hasChromium, modelsDir } from '../helpers/paths'

const STUDENT = join(modelsDir, 'stories260K-f32.gguf')
const TEACHER = join(modelsDir, 'stories260K-q8_0.gguf')
const QUESTION = 'Which customers spent the most?'
const SCRIPTED_MODEL = 'scripted-sql'
const SCRIPTED_SQL = 'SELECT name, genre_id FROM genres WHERE genre_id <= 6'
const REFUSED_QUESTION = 'Which playlists are the longest?'
/** The scripted teacher answers this one with SQL that does not parse. */
const BROKEN_QUESTION = 'Which customers spent the most?'
const BROKEN_SQL = 'WITH totals AS (SELECT customer_id, SUM(total) FROM invoices GROUP BY'
const TEACHER_NO_SQL = '-- The teacher wrote no SQL for this question.'

const normalize = (text: string | null) => (text ?? '').replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim()

describe.skipIf(!hasChromium)('the teacher diff in Chromium (browser mode)', () => {
  let scripted: Server
  let scriptedUrl = ''
  let scriptedRequests = 0

  const e2e = setupE2eSession({
    failedShotPrefix: 'teacher-',
    beforeStart: startScriptedTeacher,
    host: { args: ['--model', STUDENT] },
    context: { viewport: { width: 1360, height: 900 }, colorScheme: 'light' },
  })

  afterAll(() => new Promise<void>((resolve) => (scripted ? scripted.close(() => resolve()) : resolve())))

  const dialog = () => e2e.page.getByTestId('teacher-diff')
  const sideText = async (side: 'original' | 'modified') =>
    normalize(await dialog().locator(`[data-testid="teacher-diff-editor"] .editor.${side} .view-lines`).textContent())

  /** The core's own answer, over the same HTTP API the page uses (the test holds the token). */
  async function call<T>(method: string, arg: unknown): Promise<T> {
    const response = await fetch(`${e2e.host.origin}/api/invoke/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${e2e.host.apiKey}` },
      body: JSON.stringify(arg ?? null),
    })
    const body = (await response.json()) as { ok: boolean; value: T; error?: unknown }
    if (!body.ok) throw new Error(JSON.stringify(body.error))
    return body.value
  }
  const history = async () => {
    const [db] = await call<DatabaseInfo[]>('db.list', null)
    return call<HistoryItem[]>('history.list', { dbId: db!.id })
  }

  /** Replaces the student side of the diff editor as a user would, then compares with Ctrl+Enter. */
  async function typeStudentSql(sql: string) {
    await dialog().locator('[data-testid="teacher-diff-editor"] .editor.original .view-lines').click()
    await e2e.page.keyboard.press('ControlOrMeta+A')
    await e2e.page.keyboard.press('Delete')
    await e2e.page.keyboard.type(sql)
    await e2e.page.keyboard.press('ControlOrMeta+Enter')
    await expect.poll(() => dialog().getByTestId('compare-student').getAttribute('data-status')).not.toBe('loading')
  }

  async function askStudent(question: string) {
    await e2e.page.getByTestId('ask-input').fill(question)
    await e2e.page.getByTestId('ask-input').press('Enter')
    await e2e.page.getByTestId('ask-status').waitFor({ timeout: 60_000 })
  }

  async function startScriptedTeacher() {
    // A scripted OpenAI-compatible server: lists one model and answers every chat completion with SCRIPTED_SQL.
    scripted = createServer((req, res) => {
      scriptedRequests++
      res.setHeader('content-type', 'application/json')
      if (req.method === 'GET' && req.url === '/v1/models') {
        return res.end(JSON.stringify({ object: 'list', data: [{ id: SCRIPTED_MODEL, object: 'model' }] }))
      }
      if (req.method === 'POST' && req.url === '/v1/chat/completions') {
        let body = ''
        req.on('data', (chunk: Buffer) => (body += chunk.toString()))
        return req.on('end', () => {
          // A teacher that refuses (as a server without the right API key does) for one question.
          if (body.includes(REFUSED_QUESTION)) {
            res.statusCode = 401
            return res.end(JSON.stringify({ error: { message: 'Incorrect API key provided.', type: 'invalid_request_error' } }))
          }
          const sql = body.includes(BROKEN_QUESTION) ? BROKEN_SQL : SCRIPTED_SQL
          res.end(
            JSON.stringify({
              id: 'cmpl-1',
              object: 'chat.completion',
              model: SCRIPTED_MODEL,
              choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: '```sql\n' + sql + '\n```' } }],
            }),
          )
        })
      }
      res.statusCode = 404
      res.end('{}')
    })
    await new Promise<void>((resolve) => scripted.listen(0, '127.0.0.1', resolve))
    scriptedUrl = `http://127.0.0.1:${(scripted.address() as AddressInfo).port}/v1`
  }

  it('configures a local GGUF teacher from the top bar, with field errors and a connection test', async () => {
    await e2e.page.goto(e2e.host.url)
    await e2e.page.getByTestId('schema-tree').waitFor()
    await expect.poll(() => e2e.page.getByTestId('open-models').textContent()).toMatch(/stories260K-f32\.gguf/)
    await expect.poll(() => e2e.page.getByTestId('open-teacher-name').textContent()).toBe('No teacher')
    // Before any answer there is nothing to compare.
    await expect.poll(() => e2e.page.getByTestId('ask-teacher').isDisabled()).toBe(true)

    await e2e.page.getByTestId('open-teacher').click()
    const config = e2e.page.getByTestId('teacher-dialog')
    await config.waitFor()
    await expect.poll(() => config.getByTestId('teacher-current').textContent()).toMatch(/Current teacher: none/)
    // An empty path is a field error; nothing is sent.
    await config.getByTestId('teacher-test').click()
    await config.getByTestId('teacher-modelPath-error').waitFor()
    // A path that is no model saves, but the connection test says it failed.
    await config.getByTestId('teacher-modelPath').fill('/definitely/not/a/teacher.gguf')
    await config.getByTestId('teacher-test').click()
    const result = config.getByTestId('teacher-test-result')
    await result.waitFor({ timeout: 30_000 })
    await expect.poll(() => result.getAttribute('data-ok')).toBe('false')

    await config.getByTestId('teacher-modelPath').fill(TEACHER)
    await config.getByTestId('teacher-test').click()
    await expect.poll(() => result.getAttribute('data-ok'), { timeout: 60_000 }).toBe('true')
    await expect.poll(() => result.textContent()).toMatch(/Loaded local GGUF teacher stories260K-q8_0\.gguf/)
    await expect.poll(() => config.getByTestId('teacher-current').textContent()).toMatch(/local model stories260K-q8_0\.gguf/)
    await e2e.shot('teacher-01-config')
    await config.getByTestId('teacher-dialog-close').click()
    await config.waitFor({ state: 'detached' })
    await expect.poll(() => e2e.page.getByTestId('open-teacher-name').textContent()).toBe('stories260K-q8_0.gguf')
    await expect.poll(() => call('teacher.get', null)).toEqual({ kind: 'local', modelPath: TEACHER })
  })

  /** The scripted OpenAI-compatible teacher, set through the API so a test does not depend on an earlier one's UI steps. */
  async function useScriptedTeacher() {
    await call('teacher.configure', { config: { kind: 'openai', baseUrl: scriptedUrl, model: SCRIPTED_MODEL } })
    await e2e.page.goto(e2e.host.url)
    await e2e.page.getByTestId('ask-input').waitFor()
    await expect.poll(() => e2e.page.getByTestId('open-teacher-name').textContent()).toBe(SCRIPTED_MODEL)
  }

  async function setAlways(on: boolean) {
    const box = e2e.page.getByTestId('ask-teacher-always')
    if ((await box.isChecked()) !== on) await (on ? box.check() : box.uncheck())
  }

  it('asks the local teacher too and settles on a verdict, whatever the tiny model writes', async () => {
    await call('teacher.configure', { config: { kind: 'local', modelPath: TEACHER } })
    await e2e.page.goto(e2e.host.url)
    await e2e.page.getByTestId('ask-input').waitFor()
    await setAlways(false)
    await askStudent(QUESTION)
    const student = (await history())[0]!
    expect(student.question).toBe(QUESTION)

    await e2e.page.getByTestId('ask-teacher').click()
    await dialog().waitFor()
    await expect.poll(() => dialog().getByTestId('teacher-diff-question').textContent()).toBe(QUESTION)
    await dialog().getByTestId('teacher-asking').waitFor({ state: 'detached', timeout: 60_000 })
    await expect.poll(() => dialog().getByTestId('teacher-verdict').getAttribute('data-verdict')).not.toBe('pending')
    // The student's side holds exactly what the student wrote (nothing when it wrote no SQL).
    await expect.poll(() => sideText('original')).toBe(normalize(student.sql))
    // The teacher's side holds its SQL, or says plainly that it wrote none; the verdict is one of the four.
    const teacherSide = await sideText('modified')
    expect(teacherSide.length).toBeGreaterThan(0)
    expect(['same', 'different', 'cannot']).toContain(await dialog().getByTestId('teacher-verdict').getAttribute('data-verdict'))
    if (teacherSide === TEACHER_NO_SQL) {
      await expect.poll(() => dialog().getByTestId('mark-teacher-right').isDisabled()).toBe(true)
    } else {
      await expect.poll(() => dialog().getByTestId('validation-chip').getAttribute('data-validation')).not.toBeNull()
    }
    await e2e.shot('teacher-02-diff-tiny-models')
    await dialog().getByTestId('teacher-diff-close').click()
    await dialog().waitFor({ state: 'detached' })
  })

  it('compares the question in the box, and Ctrl+Enter still runs the main editor once the diff has been open', async () => {
    await useScriptedTeacher()
    await setAlways(false)
    await askStudent(QUESTION)
    // typed but not asked: Compare asks the student first, then opens the diff on that question (it used to
    // compare the previous one)
    const next = 'How many genres are there?'
    await e2e.page.getByTestId('ask-input').fill(next)
    await e2e.page.getByTestId('ask-teacher').click()
    await dialog().waitFor({ timeout: 60_000 })
    await expect.poll(() => dialog().getByTestId('teacher-diff-question').textContent()).toBe(next)
    expect((await history())[0]!.question).toBe(next)
    await dialog().getByTestId('teacher-asking').waitFor({ state: 'detached', timeout: 60_000 })
    await expect.poll(() => sideText('modified')).toBe(SCRIPTED_SQL)
    await dialog().getByTestId('teacher-diff-close').click()
    await dialog().waitFor({ state: 'detached' })
    // the diff editor binds Ctrl+Enter too; the main editor keeps its own
    await e2e.page.locator('[data-testid="sql-editor"] .view-lines').click()
    await e2e.page.keyboard.press('ControlOrMeta+A')
    await e2e.page.keyboard.press('Delete')
    await e2e.page.keyboard.type('SELECT 4 AS four')
    await e2e.page.keyboard.press('ControlOrMeta+Enter')
    await expect.poll(() => e2e.page.locator('[data-testid="result-grid"] .grid-header').textContent()).toMatch(/four/)
    await expect.poll(() => e2e.page.getByTestId('result-status').textContent()).toMatch(/^1 row/)
  })

  it('shows a teacher query that fails as such, and stores "Teacher is right" as a FixIt the run would drop', async () => {
    await useScriptedTeacher()
    await setAlways(false)
    await askStudent(BROKEN_QUESTION)
    const student = (await history())[0]!
    expect(student.question).toBe(BROKEN_QUESTION)
    await e2e.page.getByTestId('ask-teacher').click()
    await dialog().waitFor()
    await dialog().getByTestId('teacher-asking').waitFor({ state: 'detached', timeout: 60_000 })
    await expect.poll(() => sideText('original')).toBe(normalize(student.sql))
    await expect.poll(() => sideText('modified')).toBe(BROKEN_SQL)
    await expect.poll(() => dialog().getByTestId('validation-chip').getAttribute('data-validation')).toBe('syntax')
    await expect.poll(() => dialog().getByTestId('teacher-verdict').getAttribute('data-verdict')).toBe('cannot')
    await expect.poll(() => dialog().getByTestId('teacher-verdict-label').textContent()).toBe('Cannot compare')
    const teacherSide = dialog().getByTestId('compare-teacher')
    await expect.poll(() => teacherSide.getAttribute('data-status')).toBe('error')
    await expect.poll(() => teacherSide.getByTestId('error-message').textContent()).toMatch(/syntax error|incomplete input/)
    // The diff editor marks the two sides as different.
    const marks = ['line-insert', 'char-insert', 'line-delete', 'char-delete'].map((c) => `[data-testid="teacher-diff-editor"] .${c}`).join(', ')
    await expect.poll(() => dialog().locator(marks).count()).toBeGreaterThan(0)
    await e2e.shot('teacher-02b-diff-broken-teacher')

    // The student's side is editable: a real query runs there, while the teacher's still fails.
    await typeStudentSql('SELECT first_name, last_name FROM customers LIMIT 3')
    await expect.poll(() => dialog().getByTestId('compare-student').getAttribute('data-status')).toBe('done')
    await expect.poll(() => dialog().getByTestId('compare-student').getByTestId('compare-row').count()).toBe(3)
    await expect.poll(() => dialog().getByTestId('teacher-verdict-detail').textContent()).toMatch(/^The teacher’s SQL failed: /)
    await dialog().getByText('edited', { exact: true }).waitFor()
    await e2e.shot('teacher-03-student-edited')

    // "Teacher is right": the student's answer is marked wrong, corrected with the teacher's SQL (a FixIt example).
    await dialog().getByTestId('mark-teacher-right').click()
    const saved = dialog().getByTestId('teacher-mark-saved')
    await saved.waitFor()
    await expect.poll(() => saved.getAttribute('data-verdict')).toBe('wrong')
    await expect.poll(() => saved.textContent()).toMatch(/FixIt example for the next customization/)
    // the teacher's SQL does not run: the user is told the customization would drop this correction
    await expect.poll(() => saved.textContent()).toMatch(/fails on this database/)
    await e2e.shot('teacher-04-marked-fixit')

    const marked = (await history()).find((i) => i.id === student.id)!
    expect(marked.feedback?.verdict).toBe('wrong')
    expect(normalize(marked.feedback?.correctedSql ?? null)).toBe(BROKEN_SQL)

    // The History view shows it, corrected with the teacher's SQL.
    await saved.getByTestId('teacher-show-history').click()
    await dialog().waitFor({ state: 'detached' })
    await e2e.page.getByTestId('history-panel').waitFor()
    const item = e2e.page.getByTestId('history-item').first()
    await expect.poll(() => item.getAttribute('data-verdict')).toBe('wrong')
    await expect.poll(() => item.getByTestId('history-verdict').textContent()).toMatch(/wrong · corrected/)
    await expect.poll(() => item.locator('.history-item__sql').textContent()).toBe(marked.feedback!.correctedSql)
    await e2e.shot('teacher-05-history')
    await e2e.page.getByTestId('view-grid').click()
  })

  it('compares with an OpenAI-compatible teacher: different rows highlighted, then the same result, then an edited FixIt', async () => {
    await e2e.page.getByTestId('open-teacher').click()
    const config = e2e.page.getByTestId('teacher-dialog')
    await config.waitFor()
    await config.getByTestId('teacher-kind-openai').check()
    await config.getByTestId('teacher-baseUrl').fill('ftp://nowhere')
    await config.getByTestId('teacher-model').fill('')
    await config.getByTestId('teacher-save').click()
    await config.getByTestId('teacher-baseUrl-error').waitFor()
    await config.getByTestId('teacher-model-error').waitFor()
    await config.getByTestId('teacher-baseUrl').fill(scriptedUrl)
    await config.getByTestId('teacher-model').fill(SCRIPTED_MODEL)
    await config.getByTestId('teacher-test').click()
    const result = config.getByTestId('teacher-test-result')
    await expect.poll(() => result.getAttribute('data-ok')).toBe('true')
    await expect.poll(() => result.textContent()).toContain(`offers ${SCRIPTED_MODEL}`)
    // Browser mode has no secret store: saving a key says so instead of pretending.
    await config.getByTestId('teacher-api-key').fill('sk-test-not-a-real-key')
    await config.getByTestId('teacher-api-key-save').click()
    await config.getByTestId('error-code').waitFor()
    await expect.poll(() => config.getByTestId('error-code').textContent()).toBe('UNSUPPORTED')
    await expect.poll(() => config.getByTestId('teacher-api-key').inputValue()).toBe('sk-test-not-a-real-key')
    await e2e.shot('teacher-06-config-openai')
    await config.getByTestId('teacher-dialog-close').click()
    await config.waitFor({ state: 'detached' })
    await expect.poll(() => e2e.page.getByTestId('open-teacher-name').textContent()).toBe(SCRIPTED_MODEL)

    // "always": the next answer opens the diff by itself.
    await e2e.page.getByTestId('ask-teacher-always').check()
    await askStudent('Which genres have an id up to six?')
    await dialog().waitFor()
    await expect.poll(() => sideText('modified')).toBe(SCRIPTED_SQL)
    await expect.poll(() => dialog().getByTestId('validation-chip').getAttribute('data-validation')).toBe('ok')

    await typeStudentSql('SELECT genre_id, name FROM genres WHERE genre_id BETWEEN 2 AND 7')
    await expect.poll(() => dialog().getByTestId('teacher-verdict').getAttribute('data-verdict')).toBe('different')
    await expect.poll(() => dialog().getByTestId('teacher-verdict-label').textContent()).toMatch(/Different results/)
    const studentRows = dialog().getByTestId('compare-student').getByTestId('compare-row')
    const teacherRows = dialog().getByTestId('compare-teacher').getByTestId('compare-row')
    await expect.poll(() => studentRows.count()).toBe(6)
    await expect.poll(() => teacherRows.count()).toBe(6)
    // Genre 7 only in the student's result, genre 1 only in the teacher's: exactly those rows are marked.
    const differing = (side: 'student' | 'teacher') => dialog().getByTestId(`compare-${side}`).locator('[data-testid="compare-row"][data-differs="true"]')
    await expect.poll(() => differing('student').count()).toBe(1)
    await expect.poll(() => differing('teacher').count()).toBe(1)
    await expect.poll(() => differing('student').locator('td').nth(2).textContent()).toBe('7')
    await expect.poll(() => differing('teacher').locator('td').nth(3).textContent()).toBe('1')
    await e2e.shot('teacher-07-different')
    await dialog().getByTestId('compare-only-differing').check()
    await expect.poll(() => studentRows.count()).toBe(1)
    await dialog().getByTestId('compare-only-differing').uncheck()

    // Columns in another order, same rows: the harness's rules call that the same result.
    await typeStudentSql('SELECT genre_id, name FROM genres WHERE genre_id < 7')
    await expect.poll(() => dialog().getByTestId('teacher-verdict').getAttribute('data-verdict')).toBe('same')
    await expect.poll(() => dialog().getByTestId('teacher-verdict-label').textContent()).toMatch(/Same result/)
    await expect.poll(() => dialog().locator('[data-differs="true"]').count()).toBe(0)
    await e2e.shot('teacher-08-same')

    // The edited SQL as the correct answer.
    await dialog().getByTestId('mark-edited').click()
    await dialog().getByTestId('teacher-mark-saved').waitFor()
    await expect.poll(() => dialog().getByTestId('teacher-mark-saved').textContent()).not.toMatch(/fails on this database/)
    const [latest] = await history()
    expect(latest!.question).toBe('Which genres have an id up to six?')
    expect(latest!.feedback).toMatchObject({ verdict: 'wrong', correctedSql: 'SELECT genre_id, name FROM genres WHERE genre_id < 7' })

    await dialog().getByTestId('teacher-diff-close').click()
    await dialog().waitFor({ state: 'detached' })
    expect(scriptedRequests).toBeGreaterThanOrEqual(2)
  })

  it('looks right in the dark theme and in a small window', async () => {
    await useScriptedTeacher()
    await setAlways(false)
    await askStudent('Which genres have an id up to six?')
    await e2e.page.getByTestId('theme-select').selectOption('dark')
    await expect.poll(() => e2e.page.locator('html').getAttribute('data-theme')).toBe('dark')
    await e2e.page.getByTestId('ask-teacher').click()
    await dialog().waitFor()
    await expect.poll(() => dialog().getByTestId('teacher-verdict').getAttribute('data-verdict')).not.toBe('pending')
    await expect.poll(() => dialog().locator('[data-testid="teacher-diff-editor"] .line-delete, [data-testid="teacher-diff-editor"] .line-insert').count()).toBeGreaterThan(0)
    await e2e.shot('teacher-09-dark')
    await e2e.page.setViewportSize({ width: 960, height: 600 })
    await e2e.shot('teacher-10-small')
    await dialog().getByTestId('teacher-diff-close').click()
    await dialog().waitFor({ state: 'detached' })
    const overflow = await e2e.page.evaluate('[document.documentElement.scrollWidth, document.documentElement.scrollHeight]')
    expect(overflow).toEqual([960, 600])
    await e2e.page.getByTestId('theme-select').selectOption('light')
    await e2e.page.setViewportSize({ width: 1360, height: 900 })
  })

  it('says so when the teacher refuses to answer', async () => {
    await useScriptedTeacher()
    // "always": the answer opens the diff, and the teacher's refusal is shown as what it is.
    await setAlways(true)
    await askStudent(REFUSED_QUESTION)
    await dialog().waitFor()
    const error = dialog().locator('[data-testid="error-panel"]', { hasText: 'The teacher could not answer' })
    await error.waitFor({ timeout: 30_000 })
    await expect.poll(() => error.getByTestId('error-message').textContent()).toMatch(/401|API key/i)
    await expect.poll(() => dialog().getByTestId('teacher-verdict').getAttribute('data-verdict')).toBe('cannot')
    await expect.poll(() => dialog().getByTestId('mark-teacher-right').isDisabled()).toBe(true)
    await expect.poll(() => sideText('modified')).toBe('-- The teacher did not answer.')
    await e2e.shot('teacher-11-refused')
    await dialog().getByTestId('teacher-diff-close').click()
    await dialog().waitFor({ state: 'detached' })
    // The "always" preference survives a reload (it is kept in this browser's storage).
    await e2e.page.reload()
    await e2e.page.getByTestId('ask-input').waitFor()
    await expect.poll(() => e2e.page.getByTestId('ask-teacher-always').isChecked()).toBe(true)
    await e2e.page.getByTestId('ask-teacher-always').uncheck()
  })

  it('made no console errors and no request beyond the local host', () => {
    expect(e2e.consoleErrors).toEqual([])
    expect(e2e.foreignRequests).toEqual([])
    expect(e2e.localRequests()).toBeGreaterThan(20)
  })
})
