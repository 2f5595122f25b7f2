// The teacher diff end to end in Chromium against the real `sqlstill serve`: a tiny real GGUF student
// (stories260K-f32) and a second tiny real GGUF as a local teacher (stories260K-q8_0), configured through the UI;
// the student's and the teacher's SQL side by side in Monaco's diff editor, the verdict, and "Teacher is right"
// stored as a FixIt example in the history. Both tiny models write stories, not SQL: with greedy decoding the
// teacher's answer to the question below is deterministic prose that starts with "with" (so it is extracted as
// SQL and fails as a syntax error) — the test checks that the UI shows exactly that, honestly.
// A second part configures an OpenAI-compatible teacher: a scripted HTTP server in this test process that always
// answers one fixed query, so "Same result" / "Different results" with highlighted rows can be checked exactly.
import { mkdirSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { HistoryItem } from '../../src/shared/ask'
import type { DatabaseInfo } from '../../src/shared/api'
import { openWatchedPage } from '../helpers/browser'
import { hasChromium, modelsDir, repoRoot } from '../helpers/paths'
import { startWebHost, type RunningHost } from '../helpers/webHost'

const shotsDir = join(repoRoot, 'test-output', 'e2e')
const STUDENT = join(modelsDir, 'stories260K-f32.gguf')
const TEACHER = join(modelsDir, 'stories260K-q8_0.gguf')
const QUESTION = 'Which customers spent the most?'
const SCRIPTED_MODEL = 'scripted-sql'
const SCRIPTED_SQL = 'SELECT name, genre_id FROM genres WHERE genre_id <= 6'
const REFUSED_QUESTION = 'Which playlists are the longest?'

const normalize = (text: string | null) => (text ?? '').replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim()

describe.skipIf(!hasChromium)('the teacher diff in Chromium (browser mode)', () => {
  let host: RunningHost
  let scripted: Server
  let scriptedUrl = ''
  let scriptedRequests = 0
  let browser: Browser
  let page: Page
  let consoleErrors: string[] = []
  let foreignRequests: string[] = []
  let localRequests = () => 0

  const shot = (name: string) => page.screenshot({ path: join(shotsDir, `${name}.png`) })
  const dialog = () => page.getByTestId('teacher-diff')
  const sideText = async (side: 'original' | 'modified') =>
    normalize(await dialog().locator(`[data-testid="teacher-diff-editor"] .editor.${side} .view-lines`).textContent())

  /** The core's own answer, over the same HTTP API the page uses (the test holds the token). */
  async function call<T>(method: string, arg: unknown): Promise<T> {
    const response = await fetch(`${host.origin}/api/invoke/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${host.token}` },
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
    await page.keyboard.press('ControlOrMeta+A')
    await page.keyboard.press('Delete')
    await page.keyboard.type(sql)
    await page.keyboard.press('ControlOrMeta+Enter')
    await expect.poll(() => dialog().getByTestId('compare-student').getAttribute('data-status')).not.toBe('loading')
  }

  async function askStudent(question: string) {
    await page.getByTestId('ask-input').fill(question)
    await page.getByTestId('ask-input').press('Enter')
    await page.getByTestId('ask-status').waitFor({ timeout: 60_000 })
  }

  beforeAll(async () => {
    mkdirSync(shotsDir, { recursive: true })
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
          res.end(
            JSON.stringify({
              id: 'cmpl-1',
              object: 'chat.completion',
              model: SCRIPTED_MODEL,
              choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: '```sql\n' + SCRIPTED_SQL + '\n```' } }],
            }),
          )
        })
      }
      res.statusCode = 404
      res.end('{}')
    })
    await new Promise<void>((resolve) => scripted.listen(0, '127.0.0.1', resolve))
    scriptedUrl = `http://127.0.0.1:${(scripted.address() as AddressInfo).port}/v1`

    host = await startWebHost({ args: ['--model', STUDENT] })
    ;({ browser, page, consoleErrors, foreignRequests, localRequests } = await openWatchedPage(host.origin, {
      viewport: { width: 1360, height: 900 },
      colorScheme: 'light',
    }))
  })

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail' && page) await shot(`failed-teacher-${context.task.name.replace(/\W+/g, '-').slice(0, 60)}`)
  })

  afterAll(async () => {
    await browser?.close()
    await host?.stop()
    if (host?.dataDir) rmSync(host.dataDir, { recursive: true, force: true })
    await new Promise((resolve) => scripted?.close(resolve))
  })

  it('configures a local GGUF teacher from the top bar, with field errors and a connection test', async () => {
    await page.goto(host.url)
    await page.getByTestId('schema-tree').waitFor()
    await expect.poll(() => page.getByTestId('open-models').textContent()).toMatch(/stories260K-f32\.gguf/)
    await expect(page.getByTestId('open-teacher-name').textContent()).resolves.toBe('No teacher')
    // Before any answer there is nothing to compare.
    await expect(page.getByTestId('ask-teacher').isDisabled()).resolves.toBe(true)

    await page.getByTestId('open-teacher').click()
    const config = page.getByTestId('teacher-dialog')
    await config.waitFor()
    await expect(config.getByTestId('teacher-current').textContent()).resolves.toMatch(/Current teacher: none/)
    // An empty path is a field error; nothing is sent.
    await config.getByTestId('teacher-test').click()
    await config.getByTestId('teacher-modelPath-error').waitFor()
    // A path that is no model saves, but the connection test says it failed.
    await config.getByTestId('teacher-modelPath').fill('/definitely/not/a/teacher.gguf')
    await config.getByTestId('teacher-test').click()
    const result = config.getByTestId('teacher-test-result')
    await result.waitFor({ timeout: 30_000 })
    await expect(result.getAttribute('data-ok')).resolves.toBe('false')

    await config.getByTestId('teacher-modelPath').fill(TEACHER)
    await config.getByTestId('teacher-test').click()
    await expect.poll(() => result.getAttribute('data-ok'), { timeout: 60_000 }).toBe('true')
    await expect(result.textContent()).resolves.toMatch(/Loaded local GGUF teacher stories260K-q8_0\.gguf/)
    await expect(config.getByTestId('teacher-current').textContent()).resolves.toMatch(/local model stories260K-q8_0\.gguf/)
    await shot('teacher-01-config')
    await config.getByTestId('teacher-dialog-close').click()
    await config.waitFor({ state: 'detached' })
    await expect(page.getByTestId('open-teacher-name').textContent()).resolves.toBe('stories260K-q8_0.gguf')
    await expect(call('teacher.get', null)).resolves.toEqual({ kind: 'local', modelPath: TEACHER })
  })

  it('asks the teacher too and shows both SQLs in the diff editor with an honest verdict', async () => {
    await askStudent(QUESTION)
    const student = (await history())[0]!
    expect(student.question).toBe(QUESTION)

    await page.getByTestId('ask-teacher').click()
    await dialog().waitFor()
    await expect(dialog().getByTestId('teacher-diff-question').textContent()).resolves.toBe(QUESTION)
    await dialog().getByTestId('teacher-asking').waitFor({ state: 'detached', timeout: 60_000 })
    await expect.poll(() => dialog().getByTestId('teacher-verdict').getAttribute('data-verdict')).not.toBe('pending')

    // The student's side holds exactly what the student wrote (nothing when it wrote no SQL).
    await expect.poll(() => sideText('original')).toBe(normalize(student.sql))
    // Greedy decoding: the tiny teacher's answer starts with "with" — extracted as SQL, failing as a syntax error.
    const teacherSql = await sideText('modified')
    expect(teacherSql).toMatch(/^with /i)
    await expect(dialog().getByTestId('validation-chip').getAttribute('data-validation')).resolves.toBe('syntax')
    await expect(dialog().getByTestId('teacher-verdict').getAttribute('data-verdict')).resolves.toBe('cannot')
    await expect(dialog().getByTestId('teacher-verdict-label').textContent()).resolves.toBe('Cannot compare')
    const teacherSide = dialog().getByTestId('compare-teacher')
    await expect(teacherSide.getAttribute('data-status')).resolves.toBe('error')
    await expect(teacherSide.getByTestId('error-message').textContent()).resolves.toMatch(/syntax error/)
    // The diff editor marks the two sides as different.
    const marks = ['line-insert', 'char-insert', 'line-delete', 'char-delete'].map((c) => `[data-testid="teacher-diff-editor"] .${c}`).join(', ')
    await expect.poll(() => dialog().locator(marks).count()).toBeGreaterThan(0)
    await shot('teacher-02-diff-tiny-models')

    // The student's side is editable: a real query runs there, while the teacher's still fails.
    await typeStudentSql('SELECT first_name, last_name FROM customers LIMIT 3')
    await expect.poll(() => dialog().getByTestId('compare-student').getAttribute('data-status')).toBe('done')
    await expect(dialog().getByTestId('compare-student').getByTestId('compare-row').count()).resolves.toBe(3)
    await expect(dialog().getByTestId('teacher-verdict-detail').textContent()).resolves.toMatch(/^The teacher’s SQL failed: near ".*": syntax error/)
    await dialog().getByText('edited', { exact: true }).waitFor()
    await shot('teacher-03-student-edited')

    // "Teacher is right": the student's answer is marked wrong, corrected with the teacher's SQL (a FixIt example).
    await dialog().getByTestId('mark-teacher-right').click()
    const saved = dialog().getByTestId('teacher-mark-saved')
    await saved.waitFor()
    await expect(saved.getAttribute('data-verdict')).resolves.toBe('wrong')
    await expect(saved.textContent()).resolves.toMatch(/FixIt example for the next customization/)
    await shot('teacher-04-marked-fixit')

    const marked = (await history()).find((i) => i.id === student.id)!
    expect(marked.feedback?.verdict).toBe('wrong')
    expect(normalize(marked.feedback?.correctedSql ?? null)).toBe(teacherSql)

    // The History view shows it, corrected with the teacher's SQL.
    await saved.getByTestId('teacher-show-history').click()
    await dialog().waitFor({ state: 'detached' })
    await page.getByTestId('history-panel').waitFor()
    const item = page.getByTestId('history-item').first()
    await expect.poll(() => item.getAttribute('data-verdict')).toBe('wrong')
    await expect(item.getByTestId('history-verdict').textContent()).resolves.toMatch(/wrong · corrected/)
    await expect(item.locator('.history-item__sql').textContent()).resolves.toBe(marked.feedback!.correctedSql)
    await shot('teacher-05-history')
    await page.getByTestId('view-grid').click()
  })

  it('compares with an OpenAI-compatible teacher: different rows highlighted, then the same result, then an edited FixIt', async () => {
    await page.getByTestId('open-teacher').click()
    const config = page.getByTestId('teacher-dialog')
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
    await expect(result.textContent()).resolves.toContain(`offers ${SCRIPTED_MODEL}`)
    // Browser mode has no secret store: saving a key says so instead of pretending.
    await config.getByTestId('teacher-api-key').fill('sk-test-not-a-real-key')
    await config.getByTestId('teacher-api-key-save').click()
    await config.getByTestId('error-code').waitFor()
    await expect(config.getByTestId('error-code').textContent()).resolves.toBe('UNSUPPORTED')
    await expect(config.getByTestId('teacher-api-key').inputValue()).resolves.toBe('sk-test-not-a-real-key')
    await shot('teacher-06-config-openai')
    await config.getByTestId('teacher-dialog-close').click()
    await config.waitFor({ state: 'detached' })
    await expect(page.getByTestId('open-teacher-name').textContent()).resolves.toBe(SCRIPTED_MODEL)

    // "always": the next answer opens the diff by itself.
    await page.getByTestId('ask-teacher-always').check()
    await askStudent('Which genres have an id up to six?')
    await dialog().waitFor()
    await expect.poll(() => sideText('modified')).toBe(SCRIPTED_SQL)
    await expect.poll(() => dialog().getByTestId('validation-chip').getAttribute('data-validation')).toBe('ok')

    await typeStudentSql('SELECT genre_id, name FROM genres WHERE genre_id BETWEEN 2 AND 7')
    await expect.poll(() => dialog().getByTestId('teacher-verdict').getAttribute('data-verdict')).toBe('different')
    await expect(dialog().getByTestId('teacher-verdict-label').textContent()).resolves.toMatch(/Different results/)
    const studentRows = dialog().getByTestId('compare-student').getByTestId('compare-row')
    const teacherRows = dialog().getByTestId('compare-teacher').getByTestId('compare-row')
    await expect(studentRows.count()).resolves.toBe(6)
    await expect(teacherRows.count()).resolves.toBe(6)
    // Genre 7 only in the student's result, genre 1 only in the teacher's: exactly those rows are marked.
    const differing = (side: 'student' | 'teacher') => dialog().getByTestId(`compare-${side}`).locator('[data-testid="compare-row"][data-differs="true"]')
    await expect(differing('student').count()).resolves.toBe(1)
    await expect(differing('teacher').count()).resolves.toBe(1)
    await expect(differing('student').locator('td').nth(2).textContent()).resolves.toBe('7')
    await expect(differing('teacher').locator('td').nth(3).textContent()).resolves.toBe('1')
    await shot('teacher-07-different')
    await dialog().getByTestId('compare-only-differing').check()
    await expect(studentRows.count()).resolves.toBe(1)
    await dialog().getByTestId('compare-only-differing').uncheck()

    // Columns in another order, same rows: the harness's rules call that the same result.
    await typeStudentSql('SELECT genre_id, name FROM genres WHERE genre_id < 7')
    await expect.poll(() => dialog().getByTestId('teacher-verdict').getAttribute('data-verdict')).toBe('same')
    await expect(dialog().getByTestId('teacher-verdict-label').textContent()).resolves.toMatch(/Same result/)
    await expect(dialog().locator('[data-differs="true"]').count()).resolves.toBe(0)
    await shot('teacher-08-same')

    // The edited SQL as the correct answer.
    await dialog().getByTestId('mark-edited').click()
    await dialog().getByTestId('teacher-mark-saved').waitFor()
    const [latest] = await history()
    expect(latest!.question).toBe('Which genres have an id up to six?')
    expect(latest!.feedback).toMatchObject({ verdict: 'wrong', correctedSql: 'SELECT genre_id, name FROM genres WHERE genre_id < 7' })

    await dialog().getByTestId('teacher-diff-close').click()
    await dialog().waitFor({ state: 'detached' })
    expect(scriptedRequests).toBeGreaterThanOrEqual(2)
  })

  it('looks right in the dark theme and in a small window', async () => {
    await page.getByTestId('theme-select').selectOption('dark')
    await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe('dark')
    await page.getByTestId('ask-teacher').click()
    await dialog().waitFor()
    await expect.poll(() => dialog().getByTestId('teacher-verdict').getAttribute('data-verdict')).not.toBe('pending')
    await expect.poll(() => dialog().locator('[data-testid="teacher-diff-editor"] .line-delete, [data-testid="teacher-diff-editor"] .line-insert').count()).toBeGreaterThan(0)
    await shot('teacher-09-dark')
    await page.setViewportSize({ width: 960, height: 600 })
    await shot('teacher-10-small')
    await dialog().getByTestId('teacher-diff-close').click()
    await dialog().waitFor({ state: 'detached' })
    const overflow = await page.evaluate('[document.documentElement.scrollWidth, document.documentElement.scrollHeight]')
    expect(overflow).toEqual([960, 600])
    await page.getByTestId('theme-select').selectOption('light')
    await page.setViewportSize({ width: 1360, height: 900 })
  })

  it('says so when the teacher refuses to answer', async () => {
    // "always" is still on: the answer opens the diff, and the teacher's refusal is shown as what it is.
    await askStudent(REFUSED_QUESTION)
    await dialog().waitFor()
    const error = dialog().locator('[data-testid="error-panel"]', { hasText: 'The teacher could not answer' })
    await error.waitFor({ timeout: 30_000 })
    await expect(error.getByTestId('error-message').textContent()).resolves.toMatch(/401|API key/i)
    await expect(dialog().getByTestId('teacher-verdict').getAttribute('data-verdict')).resolves.toBe('cannot')
    await expect(dialog().getByTestId('mark-teacher-right').isDisabled()).resolves.toBe(true)
    await expect.poll(() => sideText('modified')).toBe('-- The teacher did not answer.')
    await shot('teacher-11-refused')
    await dialog().getByTestId('teacher-diff-close').click()
    await dialog().waitFor({ state: 'detached' })
    // The "always" preference survives a reload (it is kept in this browser's storage).
    await page.reload()
    await page.getByTestId('ask-input').waitFor()
    await expect(page.getByTestId('ask-teacher-always').isChecked()).resolves.toBe(true)
    await page.getByTestId('ask-teacher-always').uncheck()
  })

  it('made no console errors and no request beyond the local host', () => {
    expect(consoleErrors).toEqual([])
    expect(foreignRequests).toEqual([])
    expect(localRequests()).toBeGreaterThan(20)
  })
})
