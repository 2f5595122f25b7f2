// DuckDB and PostgreSQL in the app, through the browser UI: a folder of CSV files and a real PostgreSQL server (a
// throw-away cluster) open as tabs with their engine's icon, their schema shows in the tree, reads run, writes are
// refused by the engine's client, and a server in Recent fills the connection form rather than connecting blind.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { setupE2eSession } from '../helpers/e2eSession'
import { hasChromium, tempDir } from '../helpers/paths'
import { READER, READER_PASSWORD, startPostgres, type PgCluster } from '../helpers/postgres'
import { portSpiderDb } from '../helpers/spiderToPostgres'

describe.skipIf(!hasChromium)('DuckDB files and PostgreSQL servers in Chromium (browser mode)', () => {
  let dataDir: string
  let cluster: PgCluster | undefined

  const e2e = setupE2eSession({
    shotPrefix: 'engines-',
    startTimeoutMs: 240_000,
    beforeStart: async () => {
      dataDir = tempDir('sqlstill-e2e-engines-')
      const sales = join(dataDir, 'sales')
      mkdirSync(sales)
      writeFileSync(join(sales, 'orders.csv'), 'order_id,customer,amount\n' + Array.from({ length: 40 }, (_, i) => `${i + 1},c${i % 7},${(i * 2.5).toFixed(2)}`).join('\n') + '\n')
      writeFileSync(join(sales, 'customers.csv'), 'customer,city\n' + Array.from({ length: 7 }, (_, i) => `c${i},City ${i}`).join('\n') + '\n')
      cluster = await startPostgres()
      await portSpiderDb(cluster, 'concert_singer')
    },
    host: { args: ['--no-demo'] },
    context: { viewport: { width: 1280, height: 800 }, colorScheme: 'light' },
  })

  afterAll(() => {
    cluster?.stop()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  async function typeAndRun(sql: string) {
    const { page } = e2e
    await page.locator('[data-testid="sql-editor"] .view-lines').click()
    await page.keyboard.press('ControlOrMeta+A')
    await page.keyboard.press('Delete')
    await page.keyboard.type(sql)
    await page.keyboard.press('Escape')
    const results = page.getByTestId('results')
    const before = Number(await results.getAttribute('data-settled'))
    await page.keyboard.press('ControlOrMeta+Enter')
    await expect.poll(async () => Number(await results.getAttribute('data-settled'))).toBeGreaterThan(before)
  }

  const activeEngine = () => e2e.page.locator('.db-tab--active [data-testid="engine-icon"]').getAttribute('data-engine')

  it('opens a folder of CSV files with DuckDB: one table per file, reads run, writes are refused', async () => {
    const { page } = e2e
    await page.goto(e2e.host.url)
    await page.getByTestId('open-database').click()
    await page.getByTestId('open-path-input').fill(join(dataDir, 'sales'))
    await page.getByTestId('open-path-input').press('Enter')
    await page.getByTestId('open-dialog').waitFor({ state: 'detached' })
    await expect.poll(activeEngine).toBe('duckdb')
    await page.locator('[data-testid="schema-table"][data-table="orders"]').waitFor()
    await page.locator('[data-testid="schema-table"][data-table="customers"]').waitFor()
    await typeAndRun('SELECT customer, count(*) AS n FROM orders GROUP BY customer ORDER BY customer')
    await expect.poll(() => page.getByTestId('result-status').textContent()).toMatch(/^7 rows/)
    await typeAndRun('DELETE FROM orders')
    await expect.poll(() => page.getByTestId('error-code').textContent()).toBe('READ_ONLY')
    await e2e.shot('01-duckdb-folder')
  })

  it('connects to PostgreSQL through the server form, reads, refuses writes, and lists the server in Recent', async () => {
    const { page } = e2e
    await page.getByTestId('open-database').click()
    await page.getByTestId('open-mode-server').click()
    const form = page.getByTestId('open-server-form')
    await form.waitFor()
    await page.getByTestId('pg-host').fill('127.0.0.1')
    await page.getByTestId('pg-port').fill(String(cluster!.port))
    await page.getByTestId('pg-database').fill('concert_singer')
    await page.getByTestId('pg-user').fill(READER)
    // a wrong password is said in words, and the form keeps what was typed
    await page.getByTestId('pg-password').fill('wrong-password')
    // browser mode has no keychain: the checkbox cannot be ticked
    expect(await page.getByTestId('pg-remember').isDisabled()).toBe(true)
    await page.getByTestId('pg-connect').click()
    await page.locator('[data-testid="open-dialog"] [data-testid="error-panel"]').waitFor()
    await expect.poll(() => page.locator('[data-testid="open-dialog"] [data-testid="error-panel"]').textContent()).toMatch(/password/i)
    expect(await page.getByTestId('pg-database').inputValue()).toBe('concert_singer')
    await e2e.shot('02-postgres-form')
    await page.getByTestId('pg-password').fill(READER_PASSWORD)
    await page.getByTestId('pg-connect').click()
    await page.getByTestId('open-dialog').waitFor({ state: 'detached' })
    await e2e.shot('03-postgres-connected')
    await expect.poll(activeEngine).toBe('postgres')
    // the plan view reads SQLite's plans only: it says so rather than failing
    expect(await page.getByTestId('explain-query').isDisabled()).toBe(true)
    expect(await page.getByTestId('explain-query').getAttribute('title')).toMatch(/not available for PostgreSQL/)
    await page.locator('[data-testid="schema-table"][data-table="singer"]').waitFor()
    await typeAndRun('SELECT count(*) AS singers FROM singer')
    await expect.poll(() => page.getByTestId('result-status').textContent()).toMatch(/^1 row/)
    await typeAndRun("UPDATE singer SET name = 'x'")
    await expect.poll(() => page.getByTestId('error-code').textContent()).toBe('READ_ONLY')
    await e2e.shot('03-postgres-tab')

    // Recent: the server entry (no password in it) fills the form instead of connecting blind
    await page.getByTestId('open-database').click()
    const entry = page.locator('[data-testid="recent-list"] .recent-item', { has: page.locator('[data-engine="postgres"]') })
    await expect.poll(() => entry.textContent()).toContain(`postgres://${READER}@127.0.0.1:${cluster!.port}/concert_singer`)
    expect(await entry.textContent()).not.toContain(READER_PASSWORD)
    await entry.locator('.recent-item__open').click()
    await expect.poll(() => page.getByTestId('pg-port').inputValue()).toBe(String(cluster!.port))
    expect(await page.getByTestId('pg-user').inputValue()).toBe(READER)
    expect(await page.getByTestId('pg-password').inputValue()).toBe('')
    await page.keyboard.press('Escape')
    await page.getByTestId('open-dialog').waitFor({ state: 'detached' })
  })

  it('made no console errors and no request beyond the local host', () => {
    expect(e2e.consoleErrors).toEqual([])
    expect(e2e.foreignRequests).toEqual([])
  })
})
