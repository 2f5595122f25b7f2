// The schema browser a DBeaver / Beekeeper user expects, end to end in Chromium (browser mode): indexes and
// triggers under each table, Show/Copy DDL, keyboard navigation of the tree, and the ER diagram drawn from the
// foreign keys — on the demo database and on a fixture with partial indexes, triggers and 112 tables.
import Database from 'better-sqlite3'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { setupE2eSession } from '../helpers/e2eSession'
import { demoDb, hasChromium, tempDir } from '../helpers/paths'

const SHOP_DDL = [
  'CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, deleted_at TEXT)',
  'CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id), status TEXT, total REAL)',
  'CREATE INDEX orders_by_customer_status ON orders (customer_id, status)',
  "CREATE UNIQUE INDEX open_order_per_customer ON orders (customer_id) WHERE status = 'open'",
  'CREATE TABLE audit (at TEXT, what TEXT)',
  "CREATE TRIGGER orders_audit AFTER INSERT ON orders BEGIN INSERT INTO audit VALUES (datetime('now'), 'order ' || NEW.id); END",
  'CREATE TRIGGER orders_no_negative BEFORE UPDATE OF total ON orders BEGIN SELECT RAISE(ABORT, \'negative\') WHERE NEW.total < 0; END',
]
/** A chain of tables, each referencing the previous one: more than the diagram draws at once. */
const CHAIN = 109

/** Which element has the focus: its tree key, or its tag when it is no tree row. Page-side code as a string (this file is typed against Node's libs). */
const focusedKey = (page: Page) => page.evaluate('document.activeElement?.getAttribute("data-key") ?? document.activeElement?.tagName') as Promise<string>

const editorText = (page: Page) =>
  page
    .locator('[data-testid="sql-editor"] .view-lines')
    .textContent()
    .then((t) => t?.replace(/\u00a0/g, ' '))

describe.skipIf(!hasChromium)('schema browser and ER diagram in Chromium (browser mode)', () => {
  let fixtureDir: string
  let shopPath: string

  const e2e = setupE2eSession({
    shotPrefix: 'schema-',
    beforeStart: buildShopDb,
    host: { args: ['--no-demo'] },
    context: { viewport: { width: 1360, height: 820 }, colorScheme: 'light' },
    prepare: (context, host) => context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: host.origin }),
  })

  afterAll(() => {
    if (fixtureDir) rmSync(fixtureDir, { recursive: true, force: true })
  })

  function buildShopDb() {
    fixtureDir = tempDir('sqlstill-e2e-schema-')
    shopPath = join(fixtureDir, 'shop.sqlite')
    const db = new Database(shopPath)
    db.exec('BEGIN')
    for (const ddl of SHOP_DDL) db.exec(ddl)
    for (let i = 0; i < CHAIN; i++) {
      const ref = i > 0 ? `, prev_id INTEGER REFERENCES part_${String(i - 1).padStart(3, '0')}(id)` : ''
      db.exec(`CREATE TABLE part_${String(i).padStart(3, '0')} (id INTEGER PRIMARY KEY, label TEXT${ref})`)
    }
    db.exec('COMMIT')
    db.close()
  }

  /** The demo's tables (not views) and foreign keys, read from the file itself: what the diagram must draw. */
  function demoShape(): { tables: string[]; fks: number } {
    const db = new Database(demoDb, { readonly: true })
    try {
      const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[]
      const fks = tables.reduce((n, t) => n + (db.prepare('SELECT count(DISTINCT id) FROM pragma_foreign_key_list(?)').pluck().get(t) as number), 0)
      return { tables, fks }
    } finally {
      db.close()
    }
  }

  it('opens the demo and walks the tree with the keyboard', async () => {
    const { page } = e2e
    await page.goto(e2e.host.url)
    await page.getByTestId('open-demo').click()
    await page.locator('[data-testid="schema-table"][data-table="albums"]').waitFor()
    const tree = page.getByRole('tree', { name: 'Database schema' })
    expect(await tree.count()).toBe(1)
    // One tab stop: from the filter, past the Diagram button, onto the first row.
    await page.getByTestId('schema-filter').focus()
    await page.keyboard.press('Tab')
    await page.keyboard.press('Tab')
    await expect.poll(() => focusedKey(page)).toBe('albums')
    expect(await page.locator('[data-testid="schema-table"][data-table="albums"]').getAttribute('aria-level')).toBe('1')
    expect(await page.locator('[role="treeitem"][tabindex="0"]').count()).toBe(1)

    await page.keyboard.press('ArrowDown')
    await expect.poll(() => focusedKey(page)).toBe('artists')
    await page.keyboard.press('End')
    await expect.poll(() => focusedKey(page)).toBe('v_track_details')
    await page.keyboard.press('Home')
    await expect.poll(() => focusedKey(page)).toBe('albums')

    // → opens, → again goes to the first column, ← goes back to the table, ← closes it.
    const albums = page.locator('[data-testid="schema-table"][data-table="albums"]')
    expect(await albums.getAttribute('aria-expanded')).toBe('false')
    await page.keyboard.press('ArrowRight')
    await expect.poll(() => albums.getAttribute('aria-expanded')).toBe('true')
    await page.keyboard.press('ArrowRight')
    await expect.poll(() => focusedKey(page)).toBe('albums\u001fc\u001falbum_id')
    expect(await page.locator('[data-key="albums\u001fc\u001falbum_id"]').getAttribute('aria-level')).toBe('2')
    await e2e.shot('s01-keyboard-light')
    await page.keyboard.press('ArrowLeft')
    await expect.poll(() => focusedKey(page)).toBe('albums')
    await page.keyboard.press('ArrowLeft')
    await expect.poll(() => albums.getAttribute('aria-expanded')).toBe('false')

    // Enter on a table does what a click does: a SELECT in the editor.
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('ArrowDown')
    await expect.poll(() => focusedKey(page)).toBe('customers')
    await page.keyboard.press('Enter')
    await expect.poll(() => editorText(page)).toContain('SELECT * FROM "customers" LIMIT 100;')
  })

  it('shows indexes under a table, and the DDL of a table with them', async () => {
    const { page } = e2e
    await page.locator('[data-table="tracks"] [data-testid="schema-table-toggle"]').click()
    const group = page.locator('[data-key="tracks\u001findexes"]')
    await group.waitFor()
    await expect.poll(() => group.textContent()).toMatch(/Indexes\s*2/)
    // no triggers in the demo: no empty Triggers group either
    expect(await page.locator('[data-key="tracks\u001ftriggers"]').count()).toBe(0)
    await group.click()
    await page.locator('[data-testid="schema-index"][data-index="idx_tracks_album"]').waitFor()
    expect(await page.locator('[data-testid="schema-index"][data-index="idx_tracks_genre"]').getAttribute('aria-level')).toBe('3')

    await page.locator('[data-table="tracks"]').hover()
    await page.locator('[data-table="tracks"] [data-testid="schema-show-ddl"]').click()
    const ddl = page.getByTestId('ddl-text')
    await ddl.waitFor()
    await expect.poll(() => ddl.textContent()).toMatch(/^CREATE TABLE "?tracks"?/)
    expect(await ddl.textContent()).toContain('CREATE INDEX idx_tracks_album')
    await e2e.shot('s02-ddl-light')
    await page.keyboard.press('Escape')
    await page.getByTestId('ddl-dialog').waitFor({ state: 'detached' })
  })

  it('draws the demo as one box per table and one line per foreign key; a click finds the table in the tree', async () => {
    const { page } = e2e
    const shape = demoShape()
    await page.getByTestId('schema-diagram').click()
    await page.getByTestId('er-svg').waitFor()
    await expect.poll(() => page.getByTestId('er-table').count()).toBe(shape.tables.length)
    expect(await page.getByTestId('er-edge').count()).toBe(shape.fks)
    const drawn = await page.getByTestId('er-table').evaluateAll((els) => els.map((e) => e.getAttribute('data-er-table')))
    expect(drawn.sort()).toEqual([...shape.tables].sort())
    // every FK line leaves the table that holds the key and ends at the one it references
    const edges = await page.getByTestId('er-edge').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-from')}->${e.getAttribute('data-to')}`))
    expect(edges).toContain('tracks->albums')
    expect(edges).toContain('invoice_items->invoices')

    // Boxes never overlap, and the whole drawing is fitted into view.
    const boxes = await Promise.all((await page.getByTestId('er-table').all()).map((b) => b.boundingBox()))
    const view = (await page.getByTestId('er-viewport').boundingBox())!
    for (const [i, a] of boxes.entries()) {
      expect(a!.x).toBeGreaterThanOrEqual(view.x - 1)
      expect(a!.x + a!.width).toBeLessThanOrEqual(view.x + view.width + 1)
      for (const b of boxes.slice(i + 1)) {
        const apart = a!.x + a!.width <= b!.x || b!.x + b!.width <= a!.x || a!.y + a!.height <= b!.y || b!.y + b!.height <= a!.y
        expect(apart).toBe(true)
      }
    }
    // PK and FK columns are marked inside the boxes.
    expect(await page.locator('[data-er-table="tracks"] .er-key--pk').count()).toBe(1)
    expect(await page.locator('[data-er-table="tracks"] .er-key--fk').count()).toBeGreaterThanOrEqual(3)
    await e2e.shot('s03-diagram-light')

    // Zoom and pan move the drawing.
    const canvas = page.getByTestId('er-canvas')
    const zoomBefore = await page.getByTestId('er-zoom').textContent()
    await page.getByTestId('er-zoom-in').click()
    await expect.poll(() => page.getByTestId('er-zoom').textContent()).not.toBe(zoomBefore)
    const before = await canvas.getAttribute('transform')
    await page.mouse.move(view.x + 20, view.y + 20)
    await page.mouse.down()
    await page.mouse.move(view.x + 140, view.y + 90, { steps: 6 })
    await page.mouse.up()
    await expect.poll(() => canvas.getAttribute('transform')).not.toBe(before)
    await page.getByTestId('er-fit').click()
    await expect.poll(() => page.getByTestId('er-zoom').textContent()).toBe(zoomBefore)

    await page.locator('[data-er-table="invoices"] .er-box__frame').click()
    await page.getByTestId('er-dialog').waitFor({ state: 'detached' })
    const row = page.locator('[data-testid="schema-table"][data-table="invoices"]')
    await page.locator('[data-table="invoices"].tree-row--highlight').waitFor()
    await expect.poll(() => row.getAttribute('aria-selected')).toBe('true')
    await expect.poll(() => focusedKey(page)).toBe('invoices')
  })

  it('draws only what the tree filter shows', async () => {
    const { page } = e2e
    await page.getByTestId('schema-filter').fill('invoice')
    await page.getByTestId('schema-diagram').click()
    await page.getByTestId('er-svg').waitFor()
    await expect.poll(() => page.getByTestId('er-table').count()).toBe(2)
    expect(await page.getByTestId('er-edge').count()).toBe(1) // invoice_items -> invoices; the others lead outside
    await page.getByTestId('er-dialog-close').click()
    await page.getByTestId('er-dialog').waitFor({ state: 'detached' })
    await page.getByTestId('schema-filter').fill('')
  })

  it('in the dark theme and at 1024×700 the diagram stays readable', async () => {
    const { page } = e2e
    await page.getByTestId('theme-select').selectOption('dark')
    await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe('dark')
    await page.setViewportSize({ width: 1024, height: 700 })
    await page.getByTestId('schema-diagram').click()
    await page.getByTestId('er-svg').waitFor()
    // dark boxes with light text: the theme's variables reach the SVG
    const fill = await page.locator('[data-er-table="albums"] .er-box__frame').evaluate((el) => el.ownerDocument.defaultView!.getComputedStyle(el).fill)
    const text = await page.locator('[data-er-table="albums"] .er-box__name').evaluate((el) => el.ownerDocument.defaultView!.getComputedStyle(el).fill)
    const luminance = (css: string) => css.match(/\d+/g)!.slice(0, 3).map(Number).reduce((a, b) => a + b, 0)
    expect(luminance(fill)).toBeLessThan(200)
    expect(luminance(text)).toBeGreaterThan(500)
    // the dialog fits the small window
    const dialog = (await page.getByTestId('er-dialog').boundingBox())!
    expect(dialog.y + dialog.height).toBeLessThanOrEqual(700)
    await e2e.shot('s04-diagram-dark-1024')
    await page.keyboard.press('Escape')
    await page.getByTestId('er-dialog').waitFor({ state: 'detached' })
    await e2e.shot('s05-tree-dark-1024')
  })

  it('shows partial and unique indexes and triggers of a fixture database, with their DDL', async () => {
    const { page } = e2e
    await page.getByTestId('open-database').click()
    await page.getByTestId('open-path-input').fill(shopPath)
    await page.getByTestId('open-path-input').press('Enter')
    await page.getByTestId('open-dialog').waitFor({ state: 'detached' })
    await page.locator('[data-testid="schema-table"][data-table="orders"]').waitFor()
    await page.getByTestId('schema-filter').fill('orders')
    await page.locator('[data-table="orders"] [data-testid="schema-table-toggle"]').click()
    await page.locator('[data-key="orders\u001findexes"]').click()
    await page.locator('[data-key="orders\u001ftriggers"]').click()
    const partial = page.locator('[data-testid="schema-index"][data-index="open_order_per_customer"]')
    await partial.waitFor()
    await expect.poll(() => partial.textContent()).toMatch(/UNIQUE.*PARTIAL.*customer_id/)
    expect(await partial.getAttribute('title')).toContain("WHERE status = 'open'")
    await expect.poll(() => page.locator('[data-testid="schema-index"][data-index="orders_by_customer_status"]').textContent()).toMatch(/customer_id, status/)
    const trigger = page.locator('[data-testid="schema-trigger"][data-trigger="orders_audit"]')
    await expect.poll(() => trigger.textContent()).toMatch(/AFTER INSERT/)
    await expect.poll(() => page.locator('[data-testid="schema-trigger"][data-trigger="orders_no_negative"]').textContent()).toMatch(/BEFORE UPDATE OF total/)
    await e2e.shot('s06-indexes-triggers-dark')

    // Enter on a trigger shows its own DDL.
    await trigger.click()
    await expect.poll(() => focusedKey(page)).toBe('orders\u001ftriggers\u001forders_audit')
    await page.keyboard.press('Enter')
    await expect.poll(() => page.getByTestId('ddl-text').textContent()).toBe(`${SHOP_DDL[5]};\n`)
    await page.keyboard.press('Escape')
    await page.getByTestId('ddl-dialog').waitFor({ state: 'detached' })
    // Alt+Enter shows a table's DDL from the keyboard
    await trigger.click()
    await page.keyboard.press('Home')
    await expect.poll(() => focusedKey(page)).toBe('orders')
    await page.keyboard.press('Alt+Enter')
    await expect.poll(() => page.getByTestId('ddl-text').textContent()).toMatch(/^CREATE TABLE orders .*\n\nCREATE INDEX orders_by_customer_status/s)
    await page.keyboard.press('Escape')
    await page.getByTestId('ddl-dialog').waitFor({ state: 'detached' })

    // Copy DDL: the table, then its indexes and triggers, each a statement.
    await page.locator('[data-table="orders"]').hover()
    await page.locator('[data-table="orders"] [data-testid="schema-copy-ddl"]').click()
    const expected = [SHOP_DDL[1], SHOP_DDL[2], SHOP_DDL[3], SHOP_DDL[5], SHOP_DDL[6]].map((s) => `${s};`).join('\n\n') + '\n'
    await expect.poll(() => page.evaluate('navigator.clipboard.readText()')).toBe(expected)
    await page.getByTestId('schema-filter').fill('')
  })

  it('above 80 tables the diagram asks for a filter, or draws one table’s neighbourhood', async () => {
    const { page } = e2e
    // the table active in the tree (orders) is the first centre: it and the table it references
    await page.getByTestId('schema-diagram').click()
    await expect.poll(() => page.getByTestId('er-summary').textContent()).toMatch(/^2 tables · 1 foreign key · around orders/)
    expect(await page.getByTestId('er-table').count()).toBe(2)
    await page.getByTestId('er-choose-center').click()
    await page.getByTestId('er-too-many').waitFor()
    expect(await page.getByTestId('er-table').count()).toBe(0)
    await expect.poll(() => page.getByTestId('er-too-many').textContent()).toMatch(/^112 tables in this schema/)
    await page.getByTestId('er-center-select').selectOption('part_050')
    await page.getByTestId('er-center-draw').click()
    await page.getByTestId('er-svg').waitFor()
    // a chain: two steps either way, 5 tables joined by 4 keys
    const drawn = await page.getByTestId('er-table').evaluateAll((els) => els.map((e) => e.getAttribute('data-er-table')))
    expect(drawn.sort()).toEqual(['part_048', 'part_049', 'part_050', 'part_051', 'part_052'])
    expect(await page.getByTestId('er-edge').count()).toBe(4)
    await e2e.shot('s07-neighbourhood-dark-1024')
    await page.locator('[data-er-table="part_050"] .er-box__frame').click()
    await page.locator('[data-table="part_050"].tree-row--highlight').waitFor()
    await e2e.page.getByTestId('theme-select').selectOption('light')
  })

  it('made no console errors and no request beyond the local host', () => {
    expect(e2e.consoleErrors).toEqual([])
    expect(e2e.foreignRequests).toEqual([])
    expect(e2e.localRequests()).toBeGreaterThan(20)
  })
})
