// The assistant end to end: the real CLI's browser mode with no model, a tiny real GGUF model loaded through the
// Models panel, questions streamed into the editor, history with verdicts, settings, charts and help — driven in
// Chromium as a user would, checked for console errors and for any request that leaves the local host.
// The model (stories260K) writes stories, not SQL: the test checks the machinery, not the answers.
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { setupE2eSession } from '../helpers/e2eSession'
import { hasChromium, repoRoot } from '../helpers/paths'

const MODEL_PATH = resolve(repoRoot, '../shared/models/stories260K-f32.gguf')
const VALIDATION_CLASSES = ['ok', 'empty_result', 'syntax', 'unknown_identifier', 'runtime_error', 'no_sql']

describe.skipIf(!hasChromium)('the assistant in Chromium (browser mode)', () => {
  const e2e = setupE2eSession({
    failedShotPrefix: 'assistant-',
    host: { args: ['--no-demo'] },
    context: { viewport: { width: 1360, height: 820 }, colorScheme: 'light' },
  })

  const editorText = async () => ((await e2e.page.locator('[data-testid="sql-editor"] .view-lines').textContent()) ?? '').replace(/\u00a0/g, ' ')

  /** Types into the editor as a user would and runs it, waiting for a fresh answer. */
  async function typeAndRun(sql: string) {
    await e2e.page.locator('[data-testid="sql-editor"] .view-lines').click()
    await e2e.page.keyboard.press('ControlOrMeta+A')
    await e2e.page.keyboard.press('Delete')
    await e2e.page.keyboard.type(sql)
    await e2e.page.keyboard.press('Escape')
    const results = e2e.page.getByTestId('results')
    const before = Number(await results.getAttribute('data-settled'))
    await e2e.page.keyboard.press('ControlOrMeta+Enter')
    await expect.poll(async () => Number(await results.getAttribute('data-settled'))).toBeGreaterThan(before)
  }

  it('says when no model is loaded and links to the Models panel', async () => {
    await e2e.page.goto(e2e.host.url)
    await e2e.page.getByTestId('open-demo').click()
    await e2e.page.getByTestId('schema-tree').waitFor()
    await e2e.page.getByTestId('ask-no-model').waitFor()
    await expect.poll(() => e2e.page.getByTestId('ask-no-model').textContent()).toMatch(/No model is loaded/)
    // An empty state, not an error.
    expect(await e2e.page.getByTestId('error-panel').count()).toBe(0)
    await expect.poll(() => e2e.page.getByTestId('open-models').textContent()).toMatch(/No model/)
    // The question box is there all the same: a question typed now waits for the model, and Enter opens Models.
    await e2e.page.getByTestId('ask-input').fill('How many albums are there?')
    await e2e.page.getByTestId('ask-input').press('Enter')
    await e2e.page.getByTestId('models-drawer').waitFor()
    await e2e.page.getByTestId('models-drawer-close').click()
    await e2e.page.getByTestId('models-drawer').waitFor({ state: 'detached' })
    await e2e.shot('a01-no-model')
  })

  it('adds a model by path and loads it from the Models panel', async () => {
    await e2e.page.getByTestId('ask-open-models').click()
    const drawer = e2e.page.getByTestId('models-drawer')
    await drawer.waitFor()
    await drawer.getByTestId('no-loaded-model').waitFor()
    // A bad path is an inline error with its code; nothing is added.
    await drawer.getByTestId('model-add-path').fill('/definitely/not/a/model.gguf')
    await drawer.getByTestId('model-add-submit').click()
    const addError = drawer.locator('[data-testid="error-panel"]', { hasText: 'Could not add the model' })
    await addError.waitFor()
    await expect.poll(() => addError.getByTestId('error-code').textContent()).toMatch(/^[A-Z_]+$/)
    expect(await drawer.getByTestId('model-item').count()).toBe(0)

    // A download the core refuses is an inline error with its code too.
    await drawer.getByTestId('model-download-uri').fill('ftp://example.invalid/model.gguf')
    await drawer.getByTestId('model-download-submit').click()
    await drawer.locator('[data-testid="model-download"] [data-testid="error-code"]').waitFor()
    await expect.poll(() => drawer.locator('[data-testid="model-download"] [data-testid="error-code"]').textContent()).toMatch(/^[A-Z_]+$/)

    // Offline (here: a port nothing listens on): said in plain words, with a retry and the way to a file on disk.
    await drawer.getByTestId('model-download-uri').fill('http://127.0.0.1:9/models/student.gguf')
    await drawer.getByTestId('model-download-submit').click()
    await expect.poll(() => drawer.locator('[data-testid="model-download"] [data-testid="error-code"]').textContent()).toBe('UNREACHABLE')
    await expect.poll(() => drawer.getByTestId('model-download').textContent()).toMatch(/No connection.*could not be reached.*from disk/s)
    await drawer.getByTestId('model-download-retry').waitFor()
    await drawer.getByTestId('model-download-from-disk').click()
    await expect.poll(() => e2e.page.evaluate('document.activeElement?.dataset?.testid')).toBe('model-add-path')
    // The recommended models say which to pick, how big the download is and what memory they take.
    await expect.poll(() => drawer.getByTestId('recommended-badge').allTextContents()).toEqual(['recommended student', 'recommended teacher'])
    expect(await drawer.getByTestId('recommended-size').first().textContent()).toMatch(/download · ~.+ memory when loaded/)
    await e2e.shot('a02a-offline-download')

    await drawer.getByTestId('model-add-path').fill(MODEL_PATH)
    await drawer.getByTestId('model-add-submit').click()
    const item = drawer.locator('[data-testid="model-item"][data-model-file="stories260K-f32.gguf"]')
    await item.waitFor()
    await addError.waitFor({ state: 'detached' })
    const facts = await item.locator('.model-facts').textContent()
    expect(facts).toMatch(/llama/)
    expect(facts).toMatch(/F32/)
    expect(facts).toMatch(/Context512/)
    await expect.poll(() => item.locator('.chip').first().textContent()).toBe('external')

    await item.getByTestId('model-load').click()
    await drawer.getByTestId('loaded-model').waitFor()
    await expect.poll(() => item.getAttribute('data-loaded')).toBe('true')
    await expect.poll(() => drawer.getByTestId('loaded-model').textContent()).toMatch(/stories260K-f32\.gguf/)
    await expect.poll(() => e2e.page.getByTestId('open-models').textContent()).toMatch(/stories260K-f32\.gguf/)
    // where it runs and what memory it takes, as llama.cpp reports them
    await expect.poll(() => drawer.getByTestId('loaded-memory').textContent()).toMatch(/^(On the CPU|\d+ of \d+ layers on the GPU.*) · [\d.]+ (?:[KMGT]B|B) in memory \([\d.]+ (?:[KMGT]B|B) weights \+ [\d.]+ (?:[KMGT]B|B) context\)$/)
    await e2e.shot('a02-models')
    // "Import adapter…" converts a PEFT folder for this student; one that is not there says so
    await drawer.getByTestId('adapter-import').click()
    const importer = e2e.page.getByTestId('import-adapter-dialog')
    await importer.waitFor()
    await importer.getByTestId('import-adapter-path').fill('/definitely/not/a/peft-folder')
    await importer.getByTestId('import-adapter-submit').click()
    await expect.poll(() => importer.getByTestId('error-code').textContent()).toBe('NOT_FOUND')
    await expect.poll(() => importer.textContent()).toMatch(/adapter_config\.json/)
    await e2e.page.getByTestId('import-adapter-dialog-close').click()
    await importer.waitFor({ state: 'detached' })
    await e2e.page.keyboard.press('Escape')
    await drawer.waitFor({ state: 'detached' })
    await e2e.page.getByTestId('ask-submit').waitFor()
    expect(await e2e.page.getByTestId('ask-input').inputValue()).toBe('How many albums are there?')
  })

  it('Esc cancels a running question', async () => {
    await e2e.page.getByTestId('ask-input').fill('List every track with its album and artist')
    await e2e.page.getByTestId('ask-input').press('Enter')
    await e2e.page.getByTestId('ask-running').waitFor()
    await e2e.page.keyboard.press('Escape')
    await e2e.page.getByTestId('ask-cancelled').waitFor()
    await e2e.shot('a03a-cancelled')
    // What had streamed stays in the answer tab; with nothing streamed yet, the answer tab goes and the user's tab
    // (with its text) is shown again.
    await expect.poll(async () => (await editorText()).trim().length).toBeGreaterThan(0)
    const answerTabs = await e2e.page.locator('[data-testid="editor-tab"][data-kind="answer"]').count()
    if (answerTabs === 0) expect(await e2e.page.locator('[data-testid="editor-tab"][data-active="true"]').getAttribute('data-kind')).toBe('query')
    else expect(await e2e.page.locator('[data-testid="editor-tab"][data-active="true"]').getAttribute('data-kind')).toBe('answer')
    await expect.poll(() => e2e.page.getByTestId('ask-submit').isVisible()).toBe(true)
    // The editor is editable again.
    await e2e.page.locator('[data-testid="sql-editor"] .view-lines').click()
    await e2e.page.keyboard.press('ControlOrMeta+A')
    await e2e.page.keyboard.type('SELECT 1 AS typed_after_cancel')
    await expect.poll(editorText).toContain('typed_after_cancel')
  })

  it('streams the answer into the editor and shows its status chip', async () => {
    // Record what the editor shows while the question runs, to see the text arrive in pieces.
    await e2e.page.evaluate(`(() => {
      window.__streamed = []
      window.__observer = new MutationObserver(() => {
        if (!document.querySelector('[data-testid="ask-running"]')) return
        const text = document.querySelector('[data-testid="sql-editor"] .view-lines')?.textContent ?? ''
        if (text.trim() && window.__streamed.at(-1) !== text) window.__streamed.push(text)
      })
      window.__observer.observe(document.querySelector('[data-testid="sql-editor"]'), { subtree: true, childList: true, characterData: true })
    })()`)
    // What the user is writing in their own tab is never overwritten by an answer.
    const userTab = e2e.page.locator('[data-testid="editor-tab"][data-kind="query"]').first()
    await userTab.locator('[role="tab"]').click()
    await e2e.page.locator('[data-testid="sql-editor"] .view-lines').click()
    await e2e.page.keyboard.press('ControlOrMeta+A')
    await e2e.page.keyboard.type("SELECT 'my draft' AS mine")
    await e2e.page.keyboard.press('Escape')
    const question = 'How many tracks are there in each genre?'
    await e2e.page.getByTestId('ask-input').fill(question)
    await e2e.page.getByTestId('ask-input').press('Enter')
    await e2e.page.getByTestId('ask-status').waitFor({ timeout: 60_000 })
    const streamed = (await e2e.page.evaluate('(() => { window.__observer.disconnect(); return window.__streamed })()')) as string[]
    expect(streamed.length).toBeGreaterThan(1)

    const chip = e2e.page.getByTestId('validation-chip').first()
    expect(VALIDATION_CLASSES).toContain(await chip.getAttribute('data-validation'))
    const facts = await e2e.page.locator('.ask-status__facts').textContent()
    expect(facts).toMatch(/stories260K-f32\.gguf/)
    expect(facts).toMatch(/\d+ prompt tokens/)
    expect(facts).toMatch(/first token [\d.]+ (ms|s)/)
    expect(facts).toMatch(/\d+ tok\/s/)
    // The editor holds the chosen SQL, or the model's words commented out when it wrote none — editable either way.
    if ((await chip.getAttribute('data-validation')) === 'no_sql') await expect.poll(editorText).toMatch(/^-- The model wrote no SQL/)
    else await expect.poll(async () => (await editorText()).trim().length).toBeGreaterThan(0)
    await e2e.shot('a03-asked')
    // The answer is in the answer tab, titled with the question; the user's tab still holds the draft.
    const answerTab = e2e.page.locator('[data-testid="editor-tab"][data-kind="answer"]')
    await expect.poll(() => answerTab.getAttribute('data-active')).toBe('true')
    await expect.poll(() => answerTab.locator('.editor-tab__title').textContent()).toBe(question)
    await userTab.locator('[role="tab"]').click()
    await expect.poll(editorText).toMatch(/SELECT 'my draft' AS mine/)
    await answerTab.locator('[role="tab"]').click()

    // The SQL stays editable and re-runnable with Ctrl+Enter.
    await typeAndRun('SELECT count(*) AS n FROM tracks')
    await expect.poll(() => e2e.page.getByTestId('result-status').textContent()).toMatch(/^1 row/)
  })

  it('lists the question in History, marks it wrong with corrected SQL, and re-runs it', async () => {
    await e2e.page.getByTestId('view-history').click()
    const item = e2e.page.getByTestId('history-item').first()
    await item.waitFor()
    expect(await e2e.page.getByTestId('history-item').count()).toBe(1) // the cancelled question is not kept
    await expect.poll(() => item.locator('.history-item__question').textContent()).toBe('How many tracks are there in each genre?')
    await expect.poll(() => item.getAttribute('data-verdict')).toBe('none')

    await item.getByTestId('history-mark-wrong').click()
    const corrected = 'SELECT g.name, count(*) AS tracks FROM tracks t JOIN genres g ON g.genre_id = t.genre_id GROUP BY 1'
    await item.getByTestId('history-corrected-sql').fill(corrected)
    await e2e.shot('a04-history-correcting')
    await item.getByTestId('history-save-wrong').click()
    await expect.poll(() => item.getAttribute('data-verdict')).toBe('wrong')
    await expect.poll(() => item.getByTestId('history-verdict').textContent()).toMatch(/wrong · corrected/)
    await expect.poll(() => item.locator('.history-item__sql').textContent()).toBe(corrected)

    // Search narrows the list.
    await e2e.page.getByTestId('history-search').fill('no such words')
    await expect.poll(() => e2e.page.getByTestId('history-item').count()).toBe(0)
    await e2e.page.getByTestId('history-search').fill('genre')
    await expect.poll(() => e2e.page.getByTestId('history-item').count()).toBe(1)
    await e2e.shot('a05-history')

    // A click re-runs the (corrected) SQL in the editor.
    const results = e2e.page.getByTestId('results')
    const before = Number(await results.getAttribute('data-settled'))
    await e2e.page.getByTestId('history-rerun').first().click()
    await expect.poll(async () => Number(await results.getAttribute('data-settled'))).toBeGreaterThan(before)
    await expect.poll(() => e2e.page.getByTestId('result-status').textContent()).toMatch(/^14 rows/)
    expect(await editorText()).toContain('JOIN genres g')
  })

  it('charts a category and a number, toggling between grid and chart', async () => {
    await typeAndRun('SELECT g.name, count(*) FROM tracks t JOIN genres g ON g.genre_id = t.genre_id GROUP BY 1')
    await e2e.page.getByTestId('view-chart').click()
    await e2e.page.locator('[data-testid="result-chart"] canvas').waitFor()
    await expect.poll(() => e2e.page.getByTestId('chart-bar').getAttribute('aria-pressed')).toBe('true')
    // The canvas has been drawn on: some pixels are not transparent.
    const painted = await e2e.page.locator('[data-testid="result-chart"] canvas').evaluate((c) => {
      const canvas = c as unknown as { width: number; height: number; getContext(t: '2d'): { getImageData(...a: number[]): { data: Uint8ClampedArray } } }
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data
      let n = 0
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++
      return n
    })
    expect(painted).toBeGreaterThan(1000)
    await e2e.shot('a06-chart-bar')
    await e2e.page.getByTestId('chart-line').click()
    await expect.poll(() => e2e.page.getByTestId('chart-line').getAttribute('aria-pressed')).toBe('true')
    await e2e.page.getByTestId('view-grid').click()
    await e2e.page.getByTestId('result-grid').waitFor()
    // A result without a numeric column cannot be charted.
    await typeAndRun('SELECT name FROM genres')
    await expect.poll(() => e2e.page.getByTestId('view-chart').isDisabled()).toBe(true)
  })

  it('saves settings, validates them, and keeps them after a reload', async () => {
    await e2e.page.getByTestId('open-settings').click()
    const dialog = e2e.page.getByTestId('settings-dialog')
    await dialog.waitFor()
    await dialog.getByTestId('setting-rowCap').fill('0')
    await dialog.getByTestId('setting-rowCap-error').waitFor()
    await expect.poll(() => dialog.getByTestId('settings-save').isDisabled()).toBe(true)
    await dialog.getByTestId('setting-rowCap').fill('5000')
    await dialog.getByTestId('setting-queryTimeoutMs').fill('15000')
    await dialog.getByTestId('setting-repairOnFailure').uncheck()
    // the sampling settings: validated like the others, the temperature's hint says what 0 means
    await expect.poll(() => dialog.locator('#hint-temperature').textContent()).toMatch(/^0 = always the most likely SQL/)
    await dialog.getByTestId('setting-temperature').fill('2.5')
    await dialog.getByTestId('setting-temperature-error').waitFor()
    await expect.poll(() => dialog.getByTestId('settings-save').isDisabled()).toBe(true)
    await dialog.getByTestId('setting-temperature').fill('0.7')
    await dialog.getByTestId('setting-maxTokens').fill('8')
    await dialog.getByTestId('setting-maxTokens-error').waitFor()
    await dialog.getByTestId('setting-maxTokens').fill('128')
    await e2e.shot('a07-settings')
    await dialog.getByTestId('settings-save').click()
    await dialog.waitFor({ state: 'detached' })

    await e2e.page.reload()
    await e2e.page.getByTestId('schema-tree').waitFor()
    await e2e.page.getByTestId('open-settings').click()
    await dialog.waitFor()
    await expect.poll(() => dialog.getByTestId('setting-rowCap').inputValue()).toBe('5000')
    await expect.poll(() => dialog.getByTestId('setting-queryTimeoutMs').inputValue()).toBe('15000')
    await expect.poll(() => dialog.getByTestId('setting-repairOnFailure').isChecked()).toBe(false)
    await expect.poll(() => dialog.getByTestId('setting-temperature').inputValue()).toBe('0.7')
    await expect.poll(() => dialog.getByTestId('setting-maxTokens').inputValue()).toBe('128')
    await e2e.page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })

    // The loaded model and the history verdict survived the reload too (they live in the core).
    await expect.poll(() => e2e.page.getByTestId('open-models').textContent()).toMatch(/stories260K/)
    await e2e.page.getByTestId('view-history').click()
    await expect.poll(() => e2e.page.getByTestId('history-item').first().getAttribute('data-verdict')).toBe('wrong')
    await e2e.page.getByTestId('view-grid').click()
  })

  it('opens the help overlay with ? and F1', async () => {
    await e2e.page.locator('.schema-tree__summary').click()
    await e2e.page.keyboard.press('?')
    const help = e2e.page.getByTestId('help-overlay')
    await help.waitFor()
    await expect.poll(() => help.textContent()).toMatch(/Keyboard shortcuts/)
    await expect.poll(() => help.textContent()).toMatch(/Stop a running question/)
    await e2e.shot('a08-help')
    await e2e.page.keyboard.press('Escape')
    await help.waitFor({ state: 'detached' })
    // F1 works from inside the editor too (Monaco would otherwise open its command palette).
    await e2e.page.locator('[data-testid="sql-editor"] .view-lines').click()
    await e2e.page.keyboard.press('F1')
    await help.waitFor()
    expect(await e2e.page.locator('.quick-input-widget:visible').count()).toBe(0)
    await help.getByTestId('help-close').click()
    await help.waitFor({ state: 'detached' })
    // Typing ? into the question box is just text.
    await e2e.page.getByTestId('ask-input').fill('')
    await e2e.page.getByTestId('ask-input').press('?')
    await expect.poll(() => e2e.page.getByTestId('ask-input').inputValue()).toBe('?')
    expect(await help.count()).toBe(0)
  })

  it('looks right in the dark theme', async () => {
    await e2e.page.getByTestId('ask-input').fill('Which genre has the most tracks?')
    await e2e.page.getByTestId('ask-input').press('Enter')
    await e2e.page.getByTestId('ask-status').waitFor({ timeout: 60_000 })
    await e2e.page.getByTestId('theme-select').selectOption('dark')
    await expect.poll(() => e2e.page.locator('html').getAttribute('data-theme')).toBe('dark')
    await e2e.shot('a09-dark-asked')
    await e2e.page.getByTestId('view-history').click()
    await expect.poll(() => e2e.page.getByTestId('history-item').count()).toBe(2)
    await e2e.shot('a10-dark-history')
    await e2e.page.getByTestId('open-models').click()
    await e2e.page.getByTestId('models-drawer').waitFor()
    await e2e.shot('a11-dark-models')
    await e2e.page.getByTestId('models-drawer-close').click()
    await typeAndRun('SELECT g.name, count(*) FROM tracks t JOIN genres g ON g.genre_id = t.genre_id GROUP BY 1')
    await e2e.page.getByTestId('view-chart').click()
    await e2e.page.locator('[data-testid="result-chart"] canvas').waitFor()
    await e2e.shot('a12-dark-chart')
    await e2e.page.getByTestId('view-grid').click()
    await e2e.page.getByTestId('theme-select').selectOption('light')
  })

  it('fits its top bar at 1024 and 960 px: nothing overlaps, is cut or pushed out, a tab stays readable', async () => {
    for (const width of [1024, 960]) {
      await e2e.page.setViewportSize({ width, height: 700 })
      const layout = (await e2e.page.evaluate(`(() => {
        const bar = document.querySelector('.topbar').getBoundingClientRect()
        const items = [...document.querySelectorAll('.topbar > *')].filter((el) => !el.classList.contains('toolbar-spacer')).map((el) => {
          const r = el.getBoundingClientRect()
          return { name: el.dataset.testid || el.className, left: r.left, right: r.right, clipped: el.scrollWidth > el.clientWidth + 1 && !el.classList.contains('db-tabs') }
        })
        const tab = document.querySelector('[data-testid="db-tab"]').getBoundingClientRect()
        return { barRight: bar.right, items, tabWidth: tab.width }
      })()`)) as { barRight: number; items: { name: string; left: number; right: number; clipped: boolean }[]; tabWidth: number }
      expect(layout.tabWidth, `at ${width} px`).toBeGreaterThan(80)
      for (const [i, item] of layout.items.entries()) {
        expect({ width, item: item.name, clipped: item.clipped, inside: item.right <= layout.barRight + 0.5 }).toEqual({ width, item: item.name, clipped: false, inside: true })
        const next = layout.items[i + 1]
        if (next) expect({ width, item: item.name, overlaps: item.right > next.left + 0.5 }).toEqual({ width, item: item.name, overlaps: false })
      }
      await e2e.shot(`a13-topbar-${width}`)
    }
  })

  it('keeps its layout in a small window', async () => {
    await e2e.page.setViewportSize({ width: 960, height: 600 })
    await e2e.page.getByTestId('ask-bar').waitFor()
    const overflow = await e2e.page.evaluate('[document.documentElement.scrollWidth, document.documentElement.scrollHeight]')
    expect(overflow).toEqual([960, 600])
    await e2e.shot('a13-small-window')
  })

  it('made no console errors and no request beyond the local host', () => {
    expect(e2e.consoleErrors).toEqual([])
    expect(e2e.foreignRequests).toEqual([])
    expect(e2e.localRequests()).toBeGreaterThan(20)
  })
})
