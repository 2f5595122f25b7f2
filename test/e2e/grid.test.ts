// The result grid as a DBeaver or Beekeeper user drives it: rectangles of cells selected by click, shift+click,
// drag and shift+arrows and copied as TSV with a header row; a filter over the displayed text; a viewer for long
// text, JSON and BLOBs; auto-fit and pinned columns. Real clicks and keys in Chromium, at 1024×700, in both themes.
import Database from 'better-sqlite3'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { setupE2eSession } from '../helpers/e2eSession'
import { hasChromium, tempDir } from '../helpers/paths'

const ROWS = 40
const CITIES = ['Berlin', 'Oslo', 'Bern', 'Lisbon', 'Madrid']
const LONG_BODY = `Entry 1: ${'lorem ipsum dolor sit amet '.repeat(120)}THE-END`
const WIDE_COLUMNS = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6']

describe.skipIf(!hasChromium)('result grid in Chromium (browser mode)', () => {
  let dir: string
  let dbPath: string

  const e2e = setupE2eSession({
    shotPrefix: 'g',
    beforeStart: buildFixture,
    host: () => ({ args: ['--db', dbPath] }),
    context: { viewport: { width: 1024, height: 700 }, colorScheme: 'light' },
    prepare: (context, host) => context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: host.origin }),
  })

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  function buildFixture() {
    dir = tempDir('sqlstill-grid-')
    dbPath = join(dir, 'docs.sqlite')
    const db = new Database(dbPath)
    db.exec(`CREATE TABLE docs (id INTEGER PRIMARY KEY, title TEXT, city TEXT, body TEXT, meta TEXT, payload BLOB, ${WIDE_COLUMNS.map((c) => `${c} TEXT`).join(', ')})`)
    const insert = db.prepare(`INSERT INTO docs VALUES (${Array(6 + WIDE_COLUMNS.length).fill('?').join(', ')})`)
    db.transaction(() => {
      for (let i = 1; i <= ROWS; i++) {
        const body = i === 1 ? LONG_BODY : `Entry ${i}: short`
        const meta = JSON.stringify({ name: `doc ${i}`, tags: ['x', 'y'], n: i })
        // row 1 carries 5,000 bytes counting 00..ff: more than the viewer's 4 KB, with a known start
        const payload = i === 1 ? Buffer.from(Array.from({ length: 5000 }, (_, b) => b % 256)) : Buffer.alloc(16, i)
        insert.run(i, `Item ${i}`, i === 5 ? null : CITIES[(i - 1) % CITIES.length], body, meta, payload, ...WIDE_COLUMNS.map((c) => `wide value ${i} in column ${c}`))
      }
    })()
    db.close()
  }

  const page = () => e2e.page
  const clipboard = () => e2e.page.evaluate('navigator.clipboard.readText()')
  // by displayed position (after sorting and filtering), not DOM order: the virtualizer keeps scrolled-off rows a while
  const cell = (row: number, col: number) => page().locator(`[data-testid="grid-row"][aria-rowindex="${row + 2}"] [role="gridcell"]`).nth(col)
  const header = (name: string) => page().locator(`[data-testid="grid-header"][data-column="${name}"]`)
  const status = () => page().getByTestId('result-status').textContent()

  async function runAndWait(start: () => Promise<void>) {
    const results = page().getByTestId('results')
    const before = Number(await results.getAttribute('data-settled'))
    await start()
    await expect.poll(async () => Number(await results.getAttribute('data-settled'))).toBeGreaterThan(before)
  }

  async function typeAndRun(sql: string) {
    await page().locator('[data-testid="sql-editor"] .view-lines').click()
    await page().keyboard.press('ControlOrMeta+A')
    await page().keyboard.press('Delete')
    await page().keyboard.type(sql)
    await page().keyboard.press('Escape')
    await runAndWait(() => page().keyboard.press('ControlOrMeta+Enter'))
  }

  it('opens the fixture database and shows its rows', async () => {
    await page().goto(e2e.host.url)
    await page().locator('[data-testid="schema-table"][data-table="docs"]').waitFor()
    await typeAndRun('SELECT * FROM docs ORDER BY id')
    await expect.poll(status).toMatch(/^40 rows · /)
    expect(await page().getByTestId('grid-header').allTextContents()).toEqual(['id', 'title', 'city', 'body', 'meta', 'payload', ...WIDE_COLUMNS])
  })

  it('selects a rectangle with click and shift+click and copies it as TSV with a header row', async () => {
    await cell(0, 0).click()
    await cell(1, 1).click({ modifiers: ['Shift'] })
    expect(await page().locator('[role="gridcell"][aria-selected="true"]').count()).toBe(4)
    await page().keyboard.press('ControlOrMeta+C')
    await expect.poll(clipboard).toBe('id\ttitle\n1\tItem 1\n2\tItem 2')

    // shift+arrows move the far corner; the anchor stays
    await page().keyboard.press('Shift+ArrowRight')
    await page().keyboard.press('Shift+ArrowDown')
    expect(await page().locator('[role="gridcell"][aria-selected="true"]').count()).toBe(9)
    await page().keyboard.press('ControlOrMeta+C')
    await expect.poll(clipboard).toBe('id\ttitle\tcity\n1\tItem 1\tBerlin\n2\tItem 2\tOslo\n3\tItem 3\tBern')
    await e2e.shot('01-rectangle-light')

    // a plain arrow collapses the rectangle to one cell, which copies bare, as before
    await page().keyboard.press('ArrowLeft')
    expect(await page().locator('[role="gridcell"][aria-selected="true"]').count()).toBe(1)
    await page().keyboard.press('ControlOrMeta+C')
    await expect.poll(clipboard).toBe('Item 3')
  })

  it('selects a rectangle by dragging, and the toolbar button copies it', async () => {
    const from = (await cell(2, 1).boundingBox())!
    const to = (await cell(4, 2).boundingBox())!
    await page().mouse.move(from.x + from.width / 2, from.y + from.height / 2)
    await page().mouse.down()
    await page().mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 6 })
    await page().mouse.up()
    expect(await page().locator('[role="gridcell"][aria-selected="true"]').count()).toBe(6)
    await page().getByTestId('copy-selection').click()
    // row 5's city is NULL: an empty field, as in the rows' TSV
    await expect.poll(clipboard).toBe('title\tcity\nItem 3\tBern\nItem 4\tLisbon\nItem 5\t')

    // held past the bottom edge, the drag scrolls the grid and takes in the rows it brings into view
    const grid = page().getByTestId('grid-scroll')
    const gridBox = (await grid.boundingBox())!
    const start = (await cell(0, 0).boundingBox())!
    await page().mouse.move(start.x + start.width / 2, start.y + start.height / 2)
    await page().mouse.down()
    await page().mouse.move(start.x + start.width / 2, gridBox.y + gridBox.height + 40, { steps: 4 })
    await expect.poll(() => grid.evaluate((el) => el.scrollTop), { timeout: 5000 }).toBeGreaterThan(300)
    await page().mouse.up()
    await page().keyboard.press('ControlOrMeta+C')
    const ids = String(await clipboard()).split('\n')
    expect(ids[0]).toBe('id')
    expect(ids.length).toBeGreaterThan(20)
    expect(ids.slice(1, 4)).toEqual(['1', '2', '3'])
    await grid.evaluate((el) => (el.scrollTop = 0))
  })

  it('moves and extends with Home, End, PageDown and Ctrl+End as spreadsheets do', async () => {
    await cell(1, 1).click()
    await page().keyboard.press('Shift+End')
    expect(await page().locator('[role="gridcell"][aria-selected="true"]').count()).toBe(11) // title … w6
    await page().keyboard.press('Home')
    await page().keyboard.press('ControlOrMeta+C')
    await expect.poll(clipboard).toBe('2')
    await page().keyboard.press('PageDown')
    await page().keyboard.press('ControlOrMeta+C')
    await expect.poll(async () => Number(await clipboard())).toBeGreaterThan(4)
    await page().keyboard.press('ControlOrMeta+End')
    await page().keyboard.press('ControlOrMeta+C')
    await expect.poll(clipboard).toBe('wide value 40 in column w6')
    await page().keyboard.press('ControlOrMeta+Home')
    await page().keyboard.press('ControlOrMeta+C')
    await expect.poll(clipboard).toBe('1')
  })

  it('selects every cell with Ctrl+A', async () => {
    await cell(0, 0).click()
    await page().keyboard.press('ControlOrMeta+A')
    await page().keyboard.press('ControlOrMeta+C')
    await expect.poll(async () => String(await clipboard()).split('\n').length).toBe(ROWS + 1)
    const lines = String(await clipboard()).split('\n')
    expect(lines[0]).toBe(['id', 'title', 'city', 'body', 'meta', 'payload', ...WIDE_COLUMNS].join('\t'))
    expect(lines[40]!.split('\t').slice(0, 3)).toEqual(['40', 'Item 40', 'Madrid'])
    expect(lines[1]!.split('\t')[5]).toBe('BLOB (5000 bytes)')
  })

  it('filters the rows by any cell as displayed, case-insensitively, and clears with Esc and ×', async () => {
    const filter = page().getByTestId('result-filter')
    await filter.click()
    await page().keyboard.type('BER')
    // Berlin and Bern: rows 1, 3, 6, 8, … — 16 of the 40
    await expect.poll(status).toMatch(/^16 of 40 rows · /)
    const cities = await page().locator('[data-testid="grid-row"] [role="gridcell"]:nth-child(4)').allTextContents()
    expect(new Set(cities)).toEqual(new Set(['Berlin', 'Bern']))
    await e2e.shot('02-filter-light')
    await page().keyboard.press('Escape')
    await expect.poll(status).toMatch(/^40 rows · /)
    expect(await filter.inputValue()).toBe('')

    // NULL and BLOB cells match by what they show
    await filter.fill('null')
    await expect.poll(status).toMatch(/^1 of 40 rows/)
    await expect.poll(() => cell(0, 1).textContent()).toBe('Item 5')
    await filter.fill('blob (5000')
    await expect.poll(status).toMatch(/^1 of 40 rows/)
    await expect.poll(() => cell(0, 1).textContent()).toBe('Item 1')
    await filter.fill('no such text anywhere')
    await page().getByTestId('grid-no-rows').waitFor()
    await expect.poll(status).toMatch(/^0 of 40 rows/)
    await page().getByTestId('result-filter-clear').click()
    await expect.poll(status).toMatch(/^40 rows · /)
    expect(await page().getByTestId('result-filter-clear').count()).toBe(0)
  })

  it('shows long text whole in the viewer on double-click, and copies it', async () => {
    await cell(0, 3).dblclick()
    const viewer = page().getByTestId('cell-viewer')
    await viewer.waitFor()
    await expect.poll(() => viewer.locator('.dialog__title').textContent()).toBe('body')
    await expect.poll(() => page().getByTestId('cell-viewer-text').textContent()).toBe(LONG_BODY)
    await expect.poll(() => page().getByTestId('cell-viewer-summary').textContent()).toBe(`Text, ${LONG_BODY.length.toLocaleString('en-US')} characters`)
    await e2e.shot('03-viewer-text-light')
    await page().getByTestId('cell-viewer-copy').click()
    await expect.poll(clipboard).toBe(LONG_BODY)
    await page().keyboard.press('Escape')
    await viewer.waitFor({ state: 'detached' })
  })

  it('pretty-prints JSON in the viewer, opened with Enter on the focused cell', async () => {
    await cell(1, 4).click()
    await page().keyboard.press('Enter')
    await page().getByTestId('cell-viewer').waitFor()
    await expect.poll(() => page().getByTestId('cell-viewer-text').textContent()).toBe(JSON.stringify({ name: 'doc 2', tags: ['x', 'y'], n: 2 }, null, 2))
    await expect.poll(() => page().getByTestId('cell-viewer-summary').textContent()).toMatch(/^JSON, /)
    await page().getByTestId('cell-viewer-close').click()
    await page().getByTestId('cell-viewer').waitFor({ state: 'detached' })
    // the grid has the keyboard back: the arrow moves on from the same cell
    await page().keyboard.press('ArrowUp')
    await page().keyboard.press('ControlOrMeta+C')
    await expect.poll(clipboard).toBe(JSON.stringify({ name: 'doc 1', tags: ['x', 'y'], n: 1 }))
  })

  it('shows a BLOB as its size and a hex dump of the first 4 KB, from the cell button', async () => {
    expect(await page().getByTestId('cell-expand').count()).toBe(1) // on the focused JSON cell, too wide to show whole
    await cell(0, 5).click()
    await page().getByTestId('cell-expand').click()
    await page().getByTestId('cell-viewer').waitFor()
    await expect.poll(() => page().getByTestId('cell-viewer-summary').textContent()).toBe('BLOB, 5,000 bytes (4.9 KB) — the first 4,096 bytes')
    const dump = String(await page().getByTestId('cell-viewer-text').textContent()).split('\n')
    expect(dump).toHaveLength(256)
    expect(dump[0]).toBe('00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  |................|')
    expect(dump[4]).toBe('00000040  40 41 42 43 44 45 46 47  48 49 4a 4b 4c 4d 4e 4f  |@ABCDEFGHIJKLMNO|')
    expect(dump[255]!.startsWith('00000ff0  f0 f1')).toBe(true)
    await e2e.shot('04-viewer-blob-light')
    await page().keyboard.press('Escape')
    await page().getByTestId('cell-viewer').waitFor({ state: 'detached' })
    // a short number needs no viewer button
    await cell(0, 0).click()
    expect(await page().getByTestId('cell-expand').count()).toBe(0)
  })

  it('auto-fits a column by double-clicking its resize handle, or from the header menu', async () => {
    const title = header('title')
    const start = (await title.boundingBox())!
    // drag it wide, then let a double-click fit it back to "Item 40"
    await page().mouse.move(start.x + start.width - 1, start.y + start.height / 2)
    await page().mouse.down()
    await page().mouse.move(start.x + start.width + 200, start.y + start.height / 2, { steps: 5 })
    await page().mouse.up()
    await expect.poll(async () => (await title.boundingBox())!.width).toBeGreaterThan(start.width + 150)
    await title.getByTestId('grid-resizer').dblclick()
    await expect.poll(async () => (await title.boundingBox())!.width).toBeLessThan(120)
    // the values still fit: no cell of the column is cut off
    const cut = await page()
      .locator('[data-testid="grid-row"] [role="gridcell"]:nth-child(3)')
      .evaluateAll((els) => els.filter((el) => el.scrollWidth > el.clientWidth).length)
    expect(cut).toBe(0)

    // the long body column grows to the cap, not to its 3,000 characters
    await header('body').hover()
    await header('body').getByTestId('grid-header-menu').click()
    await page().getByTestId('column-menu').waitFor()
    await page().getByTestId('column-fit').click()
    await expect.poll(async () => Math.round((await header('body').boundingBox())!.width)).toBe(600)
    await expect.poll(() => page().getByTestId('column-menu').count()).toBe(0)
  })

  it('pins a column to the left so it stays in view when scrolling sideways', async () => {
    await header('title').click({ button: 'right' })
    await page().getByTestId('column-menu').waitFor()
    await e2e.shot('05-column-menu-light')
    await page().getByTestId('column-pin').click()
    await expect.poll(() => page().getByTestId('grid-header').allTextContents()).toEqual(['title', 'id', 'city', 'body', 'meta', 'payload', ...WIDE_COLUMNS])
    expect(await header('title').getAttribute('data-pinned')).toBe('left')

    const grid = page().getByTestId('grid-scroll')
    const gridBox = (await grid.boundingBox())!
    await grid.evaluate((el) => (el.scrollLeft = el.scrollWidth))
    await expect.poll(() => grid.evaluate((el) => el.scrollLeft)).toBeGreaterThan(500)
    // the pinned column sits right after the row numbers; the unpinned id has scrolled away under it
    await expect.poll(async () => Math.round((await header('title').boundingBox())!.x - gridBox.x)).toBe(56)
    expect(Math.round((await cell(0, 0).boundingBox())!.x - gridBox.x)).toBe(56)
    expect((await header('id').boundingBox())!.x).toBeLessThan(gridBox.x)
    // the row numbers stay too
    expect(Math.round((await page().getByTestId('grid-row').first().locator('.grid-cell--rownum').boundingBox())!.x)).toBe(Math.round(gridBox.x))
    await e2e.shot('06-pinned-scrolled-light')

    // selection follows the drawn order: title, then id
    await cell(0, 0).click()
    await page().keyboard.press('Shift+ArrowRight')
    await page().keyboard.press('ControlOrMeta+C')
    await expect.poll(clipboard).toBe('title\tid\nItem 1\t1')
  })

  it('looks right in the dark theme', async () => {
    await page().getByTestId('theme-select').selectOption('dark')
    await expect.poll(() => page().locator('html').getAttribute('data-theme')).toBe('dark')
    await page().getByTestId('result-filter').fill('item')
    await expect.poll(status).toMatch(/^40 of 40 rows/)
    await cell(2, 0).click()
    await cell(4, 3).click({ modifiers: ['Shift'] })
    // the pinned cells are opaque: what scrolls under them does not show through
    const [pinnedBg, rowBg] = await cell(0, 0).evaluate((el) => {
      const style = (e: typeof el) => e.ownerDocument.defaultView!.getComputedStyle(e).backgroundColor
      return [style(el), style(el.parentElement!)]
    })
    expect(pinnedBg).not.toBe('rgba(0, 0, 0, 0)')
    expect(pinnedBg).toBe(rowBg)
    await e2e.shot('07-grid-dark')
    await page().getByTestId('result-filter').fill('')
    await page().locator('[data-testid="grid-row"]').first().locator('[role="gridcell"]').nth(3).dblclick()
    await page().getByTestId('cell-viewer').waitFor()
    await e2e.shot('08-viewer-dark')
    await page().keyboard.press('Escape')
    await page().getByTestId('cell-viewer').waitFor({ state: 'detached' })
    await header('meta').click({ button: 'right' })
    await page().getByTestId('column-menu').waitFor()
    await e2e.shot('09-column-menu-dark')
    await page().keyboard.press('Escape')
    await expect.poll(() => page().getByTestId('column-menu').count()).toBe(0)
  })

  it('keeps the page itself from scrolling at 1024×700', async () => {
    const overflow = await page().evaluate('[document.documentElement.scrollWidth, document.documentElement.scrollHeight]')
    expect(overflow).toEqual([1024, 700])
  })

  it('made no console errors and no request beyond the local host', () => {
    expect(e2e.consoleErrors).toEqual([])
    expect(e2e.foreignRequests).toEqual([])
    // the listener saw the app's own traffic (page, assets, API calls), so the check above is real
    expect(e2e.localRequests()).toBeGreaterThan(10)
  })
})
