// The first usable screen, end to end: the real CLI's browser mode serving the built renderer, driven in
// Chromium as a user would (clicks and real typing into Monaco), checked for console errors and for any
// network request that leaves the local host.
import Database from 'better-sqlite3'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { setupE2eSession } from '../helpers/e2eSession'
import { hasChromium, tempDir } from '../helpers/paths'

describe.skipIf(!hasChromium)('SQL workbench in Chromium (browser mode)', () => {
  let wideDbDir: string
  let wideDbPath: string

  const e2e = setupE2eSession({
    beforeStart: buildWideDb,
    host: { args: ['--no-demo'] },
    context: { viewport: { width: 1360, height: 820 }, colorScheme: 'light', acceptDownloads: true },
    prepare: (context, host) => context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: host.origin }),
  })

  afterAll(() => {
    if (wideDbDir) rmSync(wideDbDir, { recursive: true, force: true })
  })

  /** Replaces the editor text by typing it, as a user would. */
  async function typeSql(sql: string) {
    await e2e.page.locator('[data-testid="sql-editor"] .view-lines').click()
    await e2e.page.keyboard.press('ControlOrMeta+A')
    await e2e.page.keyboard.press('Delete')
    await e2e.page.keyboard.type(sql)
    // Close any suggestion widget so the chord reaches the editor's run command, not the widget.
    await e2e.page.keyboard.press('Escape')
  }

  /** Types the SQL, then runs it with Ctrl+Enter. */
  async function typeAndRun(sql: string, options: { settle?: boolean } = {}) {
    await typeSql(sql)
    await runAndWait(() => e2e.page.keyboard.press('ControlOrMeta+Enter'), options)
  }

  /**
   * Starts a run and waits for its answer. The last answer stays on screen (dimmed) while a query runs, so
   * "a grid is visible" is not proof of a new result: the results pane counts finished runs instead.
   */
  async function runAndWait(start: () => Promise<void>, { settle = true } = {}) {
    const results = e2e.page.getByTestId('results')
    const before = Number(await results.getAttribute('data-settled'))
    await start()
    if (settle) await expect.poll(async () => Number(await results.getAttribute('data-settled'))).toBeGreaterThan(before)
  }

  function buildWideDb() {
    // A 500-table schema: the tree must stay small in the DOM however many tables there are.
    wideDbDir = tempDir('sqlstill-e2e-')
    wideDbPath = join(wideDbDir, 'five-hundred.sqlite')
    const wide = new Database(wideDbPath)
    wide.exec('BEGIN')
    for (let i = 0; i < 500; i++) {
      const ref = i > 0 ? `, parent_id INTEGER REFERENCES t_${String(i - 1).padStart(3, '0')}(id)` : ''
      wide.exec(`CREATE TABLE t_${String(i).padStart(3, '0')} (id INTEGER PRIMARY KEY, label TEXT NOT NULL, amount REAL${ref})`)
    }
    wide.exec('COMMIT')
    wide.close()
  }

  it('shows the welcome panel with nothing open', async () => {
    await e2e.page.goto(e2e.host.url)
    // The token link is traded for a cookie and a clean URL.
    expect(new URL(e2e.page.url()).searchParams.has('token')).toBe(false)
    await e2e.page.getByTestId('welcome').waitFor()
    await expect.poll(() => e2e.page.getByTestId('open-demo').isVisible()).toBe(true)
    await e2e.shot('01-welcome')
  })

  it('opens the demo database in one click and shows its schema', async () => {
    await e2e.page.getByTestId('open-demo').click()
    await e2e.page.getByTestId('schema-tree').waitFor()
    const tables = await e2e.page.getByTestId('schema-table').evaluateAll((els) => els.map((e) => e.getAttribute('data-table')))
    for (const name of ['albums', 'artists', 'customers', 'invoices', 'tracks']) expect(tables).toContain(name)
    await expect.poll(() => e2e.page.getByTestId('db-tab').first().getAttribute('data-db-name')).toMatch(/demo/)
    await expect.poll(() => e2e.page.getByTestId('welcome').count()).toBe(0)

    // Columns with key badges; a foreign key jumps to (and highlights) the referenced table.
    await e2e.page.locator('[data-table="tracks"] [data-testid="schema-table-toggle"]').click()
    await e2e.page.locator('[data-testid="schema-column"][data-column="track_id"]').waitFor()
    // Sample values ride along in the column's tooltip.
    await expect.poll(() => e2e.page.locator('[data-testid="schema-column"][data-column="name"]').first().getAttribute('title')).toMatch(/samples: \S/)
    expect(await e2e.page.locator('[data-testid="schema-column"][data-column="track_id"] .key-badge--pk').count()).toBe(1)
    const fkLink = e2e.page.locator('[data-testid="schema-column"][data-column="album_id"] [data-testid="schema-fk-link"]')
    await expect.poll(() => fkLink.textContent()).toContain('albums')
    await fkLink.click()
    await e2e.page.locator('[data-table="albums"].tree-row--highlight').waitFor()
    await e2e.page.locator('[data-testid="schema-column"][data-column="title"]').first().waitFor()

    // The filter narrows the tree.
    await e2e.page.getByTestId('schema-filter').fill('invoice')
    const filtered = await e2e.page.getByTestId('schema-table').evaluateAll((els) => els.map((e) => e.getAttribute('data-table')))
    expect(filtered.sort()).toEqual(['invoice_items', 'invoices'])
    await e2e.page.getByTestId('schema-filter').fill('')
    await e2e.shot('02-schema')
  })

  it('runs a typed query with Ctrl+Enter and shows the rows', async () => {
    await typeAndRun('SELECT artist_id, name FROM artists ORDER BY artist_id LIMIT 25')
    await e2e.page.getByTestId('result-grid').waitFor()
    await expect.poll(() => e2e.page.getByTestId('result-status').textContent()).toMatch(/^25 rows · /)
    expect(await e2e.page.getByTestId('grid-header').allTextContents()).toEqual(['artist_id', 'name'])
    const firstRow = await e2e.page.getByTestId('grid-row').first().textContent()
    expect(firstRow).toMatch(/^11/) // row number 1, artist_id 1
    expect(await e2e.page.getByTestId('result-truncated').count()).toBe(0)

    // Sorting by a header click reverses the ids (the header's other button opens the column menu).
    await e2e.page.getByTestId('grid-header').first().getByTestId('grid-header-sort').click()
    await e2e.page.getByTestId('grid-header').first().getByTestId('grid-header-sort').click()
    await expect.poll(() => e2e.page.getByTestId('grid-header').first().getAttribute('aria-sort')).toBe('descending')
    await expect.poll(() => e2e.page.getByTestId('grid-row').first().locator('[role="gridcell"]').first().textContent()).toBe('25')

    // Columns resize by dragging the header's edge.
    const header = e2e.page.getByTestId('grid-header').nth(1)
    const before = (await header.boundingBox())!
    await e2e.page.mouse.move(before.x + before.width - 1, before.y + before.height / 2)
    await e2e.page.mouse.down()
    await e2e.page.mouse.move(before.x + before.width + 120, before.y + before.height / 2, { steps: 5 })
    await e2e.page.mouse.up()
    expect((await header.boundingBox())!.width).toBeGreaterThan(before.width + 100)
    await e2e.shot('03-results')
  })

  it('clicking a table puts a SELECT in the editor, and NULLs are marked', async () => {
    await e2e.page.locator('[data-table="customers"] .tree-row__main').click()
    // polled: on a loaded machine Monaco renders the new text a moment after the click
    await expect
      .poll(async () => (await e2e.page.locator('[data-testid="sql-editor"] .view-lines').textContent())?.replace(/\u00a0/g, ' '))
      .toContain('SELECT * FROM "customers" LIMIT 100;')
    await runAndWait(() => e2e.page.getByTestId('run-query').click())
    await expect.poll(() => e2e.page.getByTestId('result-status').textContent()).toMatch(/^60 rows/)
    await typeAndRun("SELECT NULL AS missing, x'00ff' AS bytes, 1 AS one")
    await e2e.page.locator('.cell-null').first().waitFor()
    await expect.poll(() => e2e.page.locator('.cell-null').first().textContent()).toBe('NULL')
    await expect.poll(() => e2e.page.locator('.cell-blob').first().textContent()).toBe('BLOB (2 bytes)')
    // An empty result still shows its columns, and says so.
    await typeAndRun('SELECT * FROM genres WHERE 0')
    await e2e.page.getByTestId('grid-no-rows').waitFor()
    await expect.poll(() => e2e.page.getByTestId('result-status').textContent()).toMatch(/^0 rows/)
    expect(await e2e.page.getByTestId('grid-header').count()).toBeGreaterThan(1)
  })

  it('truncates a 20,000-row result at the row cap and scrolls the virtualized grid', async () => {
    await typeAndRun('WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) SELECT i, i * i AS sq FROM n')
    await e2e.page.getByTestId('result-truncated').waitFor()
    await expect.poll(() => e2e.page.getByTestId('result-truncated').textContent()).toBe('truncated at 10,000 rows')
    await expect.poll(() => e2e.page.getByTestId('result-status').textContent()).toMatch(/^10,000 rows · /)
    // Virtualized: only a screenful of rows is in the DOM.
    expect(await e2e.page.getByTestId('grid-row').count()).toBeLessThan(120)

    const grid = e2e.page.getByTestId('grid-scroll')
    await grid.hover()
    await e2e.page.mouse.wheel(0, 3000)
    await expect.poll(() => grid.evaluate((el) => el.scrollTop)).toBeGreaterThan(1000)
    await grid.evaluate((el) => (el.scrollTop = el.scrollHeight))
    const lastRow = e2e.page.locator('[data-testid="grid-row"][aria-rowindex="10001"]')
    await lastRow.waitFor()
    await expect.poll(() => lastRow.locator('[role="gridcell"]').first().textContent()).toBe('10000')
    expect(await e2e.page.getByTestId('grid-row').count()).toBeLessThan(120)
    await e2e.shot('04-truncated-scrolled')
  })

  it('copies a cell with Ctrl+C and exports CSV and JSON', async () => {
    await typeAndRun("SELECT 'a,b' AS txt, 42 AS n, NULL AS z UNION ALL SELECT 'plain', 7, 1")
    await expect.poll(() => e2e.page.getByTestId('result-status').textContent()).toMatch(/^2 rows/)
    await e2e.page.getByTestId('grid-row').first().locator('[role="gridcell"]').nth(1).click()
    await e2e.page.keyboard.press('ControlOrMeta+C')
    await e2e.page.getByTestId('result-notice').waitFor()
    // Page-side code as a string: this file is type-checked against Node's libs, not the DOM's.
    await expect.poll(() => e2e.page.evaluate('navigator.clipboard.readText()')).toBe('42')

    // Rows: click a row number, shift-click another, copy both as TSV.
    await e2e.page.getByTestId('grid-row').nth(0).locator('.grid-cell--rownum').click()
    await e2e.page.getByTestId('grid-row').nth(1).locator('.grid-cell--rownum').click({ modifiers: ['Shift'] })
    await e2e.page.keyboard.press('ControlOrMeta+C')
    await expect.poll(() => e2e.page.evaluate('navigator.clipboard.readText()')).toBe('a,b\t42\t\nplain\t7\t1')

    const [csv] = await Promise.all([e2e.page.waitForEvent('download'), e2e.page.getByTestId('export-csv').click()])
    expect(csv.suggestedFilename()).toBe('query-result.csv')
    expect(readFileSync((await csv.path())!, 'utf8')).toBe('txt,n,z\r\n"a,b",42,\r\nplain,7,1\r\n')
    const [json] = await Promise.all([e2e.page.waitForEvent('download'), e2e.page.getByTestId('export-json').click()])
    expect(JSON.parse(readFileSync((await json.path())!, 'utf8'))).toEqual([
      { txt: 'a,b', n: 42, z: null },
      { txt: 'plain', n: 7, z: 1 },
    ])
  })

  it('suggests table names from the schema while typing', async () => {
    await e2e.page.locator('[data-testid="sql-editor"] .view-lines').click()
    await e2e.page.keyboard.press('ControlOrMeta+A')
    await e2e.page.keyboard.press('Delete')
    await e2e.page.keyboard.type('SELECT * FROM playl')
    await e2e.page.keyboard.press('Control+Space')
    const widget = e2e.page.locator('.suggest-widget')
    await widget.waitFor()
    await expect.poll(() => widget.textContent()).toMatch(/playlist_tracks/)
    await e2e.page.keyboard.press('Escape')
  })

  it('cancels a long-running query', async () => {
    await typeAndRun('WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n', { settle: false })
    await e2e.page.getByTestId('results-running').waitFor()
    // The previous answer stays visible, dimmed, while the new query runs.
    expect(await e2e.page.locator('.results-stale [data-testid="result-grid"]').count()).toBe(1)
    await e2e.shot('05-running')
    await runAndWait(() => e2e.page.getByTestId('cancel-query').click())
    await e2e.page.getByTestId('error-panel').waitFor()
    await expect.poll(() => e2e.page.getByTestId('error-code').textContent()).toBe('CANCELLED')
    await expect.poll(() => e2e.page.getByTestId('run-query').isVisible()).toBe(true)
  })

  it('shows the error panel for a failing query', async () => {
    await typeAndRun('SELECT * FROM no_such_table')
    await e2e.page.getByTestId('error-panel').waitFor()
    await expect.poll(() => e2e.page.getByTestId('error-code').textContent()).toBe('SQL_ERROR')
    await expect.poll(() => e2e.page.getByTestId('error-message').textContent()).toMatch(/no_such_table/)
    await e2e.shot('06-error')
  })

  it('runs the statement under the cursor, the selection, or every statement as a script', async () => {
    // Ctrl+Enter with the cursor at the end runs the statement it is in, not the whole buffer.
    await typeAndRun('SELECT 41 AS x; SELECT 42 AS y')
    await expect.poll(() => e2e.page.getByTestId('grid-header').allTextContents()).toEqual(['y'])
    await e2e.page.locator('[data-testid="sql-editor"] .view-lines').click()
    await e2e.page.keyboard.press('Home')
    await runAndWait(() => e2e.page.keyboard.press('ControlOrMeta+Enter'))
    expect(await e2e.page.getByTestId('grid-header').allTextContents()).toEqual(['x'])
    // A selection runs as it is.
    await e2e.page.keyboard.press('End')
    for (let i = 0; i < 'SELECT 42 AS y'.length; i++) await e2e.page.keyboard.press('Shift+ArrowLeft')
    await runAndWait(() => e2e.page.keyboard.press('ControlOrMeta+Enter'))
    expect(await e2e.page.getByTestId('grid-header').allTextContents()).toEqual(['y'])
    // The chord works from the grid too, and runs the same selection again.
    await e2e.page.getByTestId('grid-row').first().locator('[role="gridcell"]').first().click()
    await runAndWait(() => e2e.page.keyboard.press('ControlOrMeta+Enter'))
    expect(await e2e.page.getByTestId('grid-header').allTextContents()).toEqual(['y'])
    await expect.poll(() => e2e.page.getByTestId('grid-row').first().locator('[role="gridcell"]').first().textContent()).toBe('42')

    // Ctrl+Shift+Enter runs them all, one result each; the first failure stops the script and is marked in the editor.
    await typeSql('SELECT 1 AS one;\nSELECT count(*) AS albums FROM albums;\nSELECT titel FROM albums;\nSELECT 4 AS four')
    await runAndWait(() => e2e.page.keyboard.press('ControlOrMeta+Shift+Enter'))
    await expect.poll(() => e2e.page.getByTestId('script-step').evaluateAll((els) => els.map((e) => e.getAttribute('data-state')))).toEqual(['done', 'done', 'error', 'not-run'])
    await expect.poll(() => e2e.page.getByTestId('script-summary').textContent()).toBe('2 of 4 statements ran')
    await expect.poll(() => e2e.page.getByTestId('error-code').textContent()).toBe('SQL_ERROR')
    // the unknown column is underlined where it is, on line 3
    await e2e.page.locator('[data-testid="sql-editor"] .squiggly-error').waitFor()
    const squiggle = await e2e.page.locator('[data-testid="sql-editor"] .squiggly-error').first().boundingBox()
    const line3 = await e2e.page.locator('[data-testid="sql-editor"] .view-line').nth(2).boundingBox()
    expect(Math.abs(squiggle!.y - line3!.y)).toBeLessThan(line3!.height)
    await e2e.shot('06a-script')
    // each statement's result can be looked at
    await e2e.page.getByTestId('script-step').nth(1).click()
    await expect.poll(() => e2e.page.getByTestId('grid-header').allTextContents()).toEqual(['albums'])
    await expect.poll(() => e2e.page.getByTestId('grid-row').first().locator('[role="gridcell"]').first().textContent()).toBe('148')
    // a fix clears the mark
    await e2e.page.locator('[data-testid="sql-editor"] .view-lines').click()
    await e2e.page.keyboard.type(' ')
    await expect.poll(() => e2e.page.locator('[data-testid="sql-editor"] .squiggly-error').count()).toBe(0)
  })

  it('explains the query plan as a tree, full scans marked', async () => {
    await typeSql("SELECT t.name FROM tracks t JOIN albums a ON a.album_id = t.album_id WHERE a.title LIKE 'L%'")
    await runAndWait(() => e2e.page.getByTestId('explain-query').click())
    await e2e.page.getByTestId('plan-tree').waitFor()
    const details = await e2e.page.getByTestId('plan-node').evaluateAll((els) => els.map((e) => e.getAttribute('data-detail')))
    expect(details.length).toBeGreaterThanOrEqual(2)
    expect(details.some((d) => /^SCAN/.test(d ?? ''))).toBe(true)
    expect(details.some((d) => /^SEARCH/.test(d ?? ''))).toBe(true)
    await expect.poll(() => e2e.page.locator('.plan-node__badge').count()).toBeGreaterThan(0)
    await e2e.shot('06b-plan')
    await e2e.page.getByTestId('plan-as-grid').click()
    await expect.poll(() => e2e.page.getByTestId('grid-header').allTextContents()).toEqual(['id', 'parent', 'notused', 'detail'])
  })

  it('switches to the dark theme', async () => {
    await typeAndRun('-- every track with its album\nSELECT t.name AS track, a.title AS album, t.milliseconds, t.unit_price FROM tracks t JOIN albums a USING (album_id) LIMIT 200')
    await e2e.page.getByTestId('result-grid').waitFor()
    await e2e.page.getByTestId('theme-select').selectOption('dark')
    await expect.poll(() => e2e.page.locator('html').getAttribute('data-theme')).toBe('dark')
    await e2e.page.locator('.monaco-editor.vs-dark').waitFor()
    // comments are grey, not green: green text could not be read on the teacher diff's green "inserted" background
    const comment = e2e.page.locator('[data-testid="sql-editor"] .view-line span span', { hasText: 'every track' }).first()
    const [r, g, b] = (await comment.evaluate((el) => el.ownerDocument.defaultView!.getComputedStyle(el).color)).match(/\d+/g)!.map(Number)
    expect(g! - Math.max(r!, b!)).toBeLessThan(30)
    await e2e.shot('07-dark')
    // "System" follows the OS preference, live.
    await e2e.page.getByTestId('theme-select').selectOption('system')
    await e2e.page.emulateMedia({ colorScheme: 'dark' })
    await expect.poll(() => e2e.page.locator('html').getAttribute('data-theme')).toBe('dark')
    await e2e.page.emulateMedia({ colorScheme: 'light' })
    await expect.poll(() => e2e.page.locator('html').getAttribute('data-theme')).toBe('light')
    await e2e.page.locator('.monaco-editor.vs').waitFor()
  })

  it('the browser-mode open dialog lists recent files and opens a path', async () => {
    await e2e.page.getByTestId('open-database').click()
    await e2e.page.getByTestId('open-dialog').waitFor()
    await expect.poll(() => e2e.page.getByTestId('recent-list').textContent()).toMatch(/demo/)
    await e2e.page.getByTestId('open-path-input').fill('/definitely/not/here.sqlite')
    await e2e.page.getByTestId('open-path-submit').click()
    await e2e.page.locator('[data-testid="open-dialog"] [data-testid="error-panel"]').waitFor()
    await expect.poll(() => e2e.page.locator('[data-testid="open-dialog"] [data-testid="error-code"]').textContent()).toBe('NOT_FOUND')
    await e2e.shot('08-open-dialog')

    // A real path opens in a second tab, with Enter in the path box (which once opened the first Recent entry
    // instead: its buttons submitted the form); its 500 tables render as a handful of DOM rows.
    await e2e.page.getByTestId('open-path-input').fill(wideDbPath)
    await e2e.page.getByTestId('open-path-input').press('Enter')
    await e2e.page.getByTestId('open-dialog').waitFor({ state: 'detached' })
    await e2e.page.locator('[data-testid="schema-table"][data-table="t_000"]').waitFor()
    await expect.poll(() => e2e.page.locator('.schema-tree__summary').textContent()).toMatch(/^500 tables/)
    expect(await e2e.page.getByTestId('schema-table').count()).toBeLessThan(80)
    expect(await e2e.page.getByTestId('db-tab').count()).toBe(2)
    await e2e.page.getByTestId('schema-filter').fill('t_499')
    await e2e.page.locator('[data-testid="schema-table"][data-table="t_499"]').waitFor()
    expect(await e2e.page.getByTestId('schema-table').count()).toBe(1)
    // Its foreign key jumps to the referenced table: the filter clears and the list scrolls to it.
    await e2e.page.locator('[data-table="t_499"] [data-testid="schema-table-toggle"]').click()
    await e2e.page.locator('[data-testid="schema-column"][data-column="parent_id"] [data-testid="schema-fk-link"]').click()
    await e2e.page.locator('[data-table="t_498"].tree-row--highlight').waitFor()
    await expect.poll(() => e2e.page.getByTestId('schema-filter').inputValue()).toBe('')
    expect(await e2e.page.getByTestId('schema-table').count()).toBeLessThan(80)
    await e2e.shot('09-wide-schema')

    // Back to the demo tab: its editor text and schema come back.
    await e2e.page.locator('[data-testid="db-tab"][data-db-name="demo.sqlite"] [role="tab"]').click()
    await e2e.page.locator('[data-testid="schema-table"][data-table="tracks"]').waitFor()
    await expect.poll(() => e2e.page.locator('[data-testid="sql-editor"] .view-lines').textContent()).toMatch(/JOIN\s+albums/)
    await expect.poll(() => e2e.page.getByTestId('result-status').textContent()).toMatch(/^200 rows/)

    // Format pretty-prints the one-line query over several lines.
    // (two lines: the comment, then the query)
    expect(await e2e.page.locator('[data-testid="sql-editor"] .view-line').count()).toBe(2)
    await e2e.page.getByTestId('format-sql').click()
    await expect.poll(() => e2e.page.locator('[data-testid="sql-editor"] .view-line').count()).toBeGreaterThan(4)
    await e2e.shot('10-formatted')
  })

  it('closes a database tab, and greys out a recent file that has gone', async () => {
    await e2e.page.locator('[data-testid="db-tab"][data-db-name="five-hundred.sqlite"] .db-tab__close').click()
    await expect.poll(() => e2e.page.getByTestId('db-tab').count()).toBe(1)
    rmSync(wideDbPath)
    await e2e.page.getByTestId('open-database').click()
    const missing = e2e.page.locator('[data-testid="recent-list"] .recent-item--missing')
    await missing.waitFor()
    await expect.poll(() => missing.textContent()).toMatch(/five-hundred/)
    await expect.poll(() => missing.locator('.recent-item__open').isDisabled()).toBe(true)
    await e2e.shot('11-recent-missing')
    await e2e.page.keyboard.press('Escape')
    await e2e.page.getByTestId('open-dialog').waitFor({ state: 'detached' })
  })

  it('keeps query tabs per database across a reload and a reopen, with saved queries and the SQL run by hand', async () => {
    const tabTitles = () => e2e.page.locator('[data-testid="editor-tab"] .editor-tab__title').allTextContents()
    await e2e.page.getByTestId('editor-tab-add').click()
    await expect.poll(() => e2e.page.locator('[data-testid="editor-tab"][data-active="true"] .editor-tab__title').textContent()).toMatch(/^Query \d+$/)
    await typeAndRun('SELECT name AS genre FROM genres ORDER BY name LIMIT 3')
    // rename by double-click
    await e2e.page.locator('[data-testid="editor-tab"][data-active="true"] [role="tab"]').dblclick()
    await e2e.page.getByTestId('editor-tab-rename').fill('Genres')
    await e2e.page.getByTestId('editor-tab-rename').press('Enter')
    await expect.poll(tabTitles).toContain('Genres')
    // each tab keeps its own text
    const before = await tabTitles()
    await e2e.page.locator('[data-testid="editor-tab"]').first().locator('[role="tab"]').click()
    await expect.poll(() => e2e.page.locator('[data-testid="sql-editor"] .view-lines').textContent()).not.toMatch(/AS genre/)
    await e2e.page.locator('[data-testid="editor-tab"]', { hasText: 'Genres' }).locator('[role="tab"]').click()
    await expect.poll(() => e2e.page.locator('[data-testid="sql-editor"] .view-lines').textContent()).toMatch(/AS\s+genre/)

    // save it under a name
    await e2e.page.getByTestId('save-query').click()
    await expect.poll(() => e2e.page.getByTestId('save-query-name').inputValue()).toBe('Genres')
    await e2e.page.getByTestId('save-query-submit').click()
    await e2e.page.getByTestId('save-query-dialog').waitFor({ state: 'detached' })

    // the tabs (and their text) come back after a reload…
    await expect.poll(() => e2e.page.getByTestId('editor-tabs').getAttribute('data-saving')).toBe('false')
    await e2e.page.reload()
    await e2e.page.getByTestId('schema-tree').waitFor()
    await expect.poll(tabTitles).toEqual(before)
    await expect.poll(() => e2e.page.locator('[data-testid="sql-editor"] .view-lines').textContent()).toMatch(/AS\s+genre/)
    // …and after the database is closed and opened again
    await e2e.page.locator('[data-testid="db-tab"][data-db-name="demo.sqlite"] .db-tab__close').click()
    await e2e.page.getByTestId('welcome').waitFor()
    await e2e.page.getByTestId('open-demo').click()
    await e2e.page.getByTestId('schema-tree').waitFor()
    await expect.poll(tabTitles).toEqual(before)

    // History lists the SQL run by hand, newest first, and the saved query; both open in a tab
    await e2e.page.getByTestId('view-history').click()
    await e2e.page.getByTestId('history-kind-runs').click()
    await expect.poll(() => e2e.page.getByTestId('sql-run').first().textContent()).toMatch(/SELECT name AS genre FROM genres/)
    expect(await e2e.page.locator('[data-testid="sql-run"][data-state="error"]').count()).toBeGreaterThan(0)
    await e2e.shot('13-sql-runs')
    await e2e.page.getByTestId('history-kind-saved').click()
    await expect.poll(() => e2e.page.getByTestId('saved-query').count()).toBe(1)
    const tabCount = (await tabTitles()).length
    await e2e.page.getByTestId('editor-tab').filter({ hasText: 'Genres' }).getByTestId('editor-tab-close').click()
    await expect.poll(async () => (await tabTitles()).length).toBe(tabCount - 1)
    await e2e.page.getByTestId('saved-query-open').click()
    await expect.poll(tabTitles).toContain('Genres')
    await expect.poll(() => e2e.page.locator('[data-testid="sql-editor"] .view-lines').textContent()).toMatch(/AS\s+genre/)
    await e2e.page.getByTestId('view-history').click()
    await e2e.page.getByTestId('history-kind-saved').click()
    await e2e.page.getByTestId('saved-query-delete').click()
    await expect.poll(() => e2e.page.getByTestId('saved-query').count()).toBe(0)
    await e2e.page.getByTestId('view-grid').click()
    await runAndWait(() => e2e.page.getByTestId('run-query').click())
    await e2e.page.getByTestId('grid-row').first().waitFor()
  })

  it('keeps its layout in a small window', async () => {
    await e2e.page.setViewportSize({ width: 960, height: 600 })
    await e2e.page.getByTestId('grid-row').first().waitFor()
    // Nothing pushes the page itself into scrolling: every pane scrolls on its own.
    const overflow = await e2e.page.evaluate('[document.documentElement.scrollWidth, document.documentElement.scrollHeight]')
    expect(overflow).toEqual([960, 600])
    await e2e.shot('12-small-window')
  })

  it('made no console errors and no request beyond the local host', () => {
    expect(e2e.consoleErrors).toEqual([])
    expect(e2e.foreignRequests).toEqual([])
    // The listener saw the app's own traffic (page, assets, worker, API calls), so the check above is real.
    expect(e2e.localRequests()).toBeGreaterThan(20)
  })
})
