// Every screen at 1024×700 in both themes: a screenshot of each (test-output/e2e/screens-*.png, looked at before an
// issue about the UI is closed), and for each the checks a small laptop screen needs: the page itself never
// scrolls, a dialog or drawer fits in the window, and no button's label is cut.
import { describe, expect, it } from 'vitest'
import { setupE2eSession } from '../helpers/e2eSession'
import { hasChromium } from '../helpers/paths'

const WIDTH = 1024
const HEIGHT = 700

describe.skipIf(!hasChromium)('every screen at 1024×700, light and dark', () => {
  const e2e = setupE2eSession({ shotPrefix: 'screens-', host: { args: ['--no-demo'] }, context: { viewport: { width: WIDTH, height: HEIGHT }, colorScheme: 'light' } })

  it('opens on the welcome screen', async () => {
    await e2e.page.goto(e2e.host.url)
    await e2e.page.getByTestId('welcome').waitFor()
    await fits()
    await e2e.shot('light-00-welcome')
    await e2e.page.getByTestId('open-demo').click()
  })

  /** The page does not scroll, the given panel fits the window, and no visible button cuts its label. */
  async function fits(panelTestId?: string) {
    const page = e2e.page
    expect(await page.evaluate('[document.documentElement.scrollWidth, document.documentElement.scrollHeight]')).toEqual([WIDTH, HEIGHT])
    if (panelTestId) {
      const box = (await page.getByTestId(panelTestId).boundingBox())!
      expect(box.x).toBeGreaterThanOrEqual(0)
      expect(box.y).toBeGreaterThanOrEqual(0)
      expect(box.x + box.width).toBeLessThanOrEqual(WIDTH + 0.5)
      expect(box.y + box.height).toBeLessThanOrEqual(HEIGHT + 0.5)
    }
    const cut = await page.evaluate(`[...document.querySelectorAll('button')]
      .filter((b) => b.offsetParent !== null && !b.closest('[aria-hidden="true"], .monaco-editor') && b.textContent.trim() && getComputedStyle(b).textOverflow !== 'ellipsis' && !b.querySelector('[class*="title"], [class*="name"]'))
      .filter((b) => b.scrollWidth > b.clientWidth + 1)
      .map((b) => b.textContent.trim())`)
    expect(cut).toEqual([])
  }

  async function closeWith(testId: string) {
    await e2e.page.keyboard.press('Escape')
    await e2e.page.getByTestId(testId).waitFor({ state: 'detached' })
  }

  for (const theme of ['light', 'dark'] as const) {
    it(`${theme}: workbench, models, settings, help, teacher, customize, open, history, diagram, save query`, async () => {
      const page = e2e.page
      const shot = (name: string) => e2e.shot(`${theme}-${name}`)
      /**
       * Opens a panel (a button's test id, or a key), optionally switches it to another of its views, checks that
       * it fits, takes its picture and closes it.
       */
      const visit = async (opener: string, panel: string, name: string, view?: string) => {
        if (/^F\d+$/.test(opener)) await page.keyboard.press(opener)
        else await page.getByTestId(opener).click()
        await page.getByTestId(panel).waitFor()
        if (view) await page.getByTestId(view).click()
        await fits(panel)
        await shot(name)
        await closeWith(panel)
      }
      await page.getByTestId('schema-tree').waitFor()
      await page.getByTestId('theme-select').selectOption(theme)
      await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(theme)

      await page.getByTestId('run-query').click()
      await page.getByTestId('grid-row').first().waitFor()
      await fits()
      await shot('01-workbench')

      await visit('open-models', 'models-drawer', '02-models')
      await visit('open-settings', 'settings-dialog', '03-settings')
      await visit('F1', 'help-overlay', '04-help')

      await visit('open-teacher', 'teacher-dialog', '05-teacher')
      await visit('open-customize', 'customize-dialog', '06-customize')
      await visit('open-database', 'open-dialog', '07-open')
      await visit('open-database', 'open-dialog', '07-open-server', 'open-mode-server')
      await page.getByTestId('view-history').click()
      await page.getByTestId('history-kind-runs').click()
      await page.getByTestId('sql-run').first().waitFor()
      await fits()
      await shot('08-history')
      await page.getByTestId('view-grid').click()

      await visit('schema-diagram', 'er-dialog', '09-diagram')
      await visit('save-query', 'save-query-dialog', '10-save-query')
    }, 120_000)
  }

  it('made no console errors and no request beyond the local host', () => {
    expect(e2e.consoleErrors).toEqual([])
    expect(e2e.foreignRequests).toEqual([])
    expect(e2e.localRequests()).toBeGreaterThan(10)
  })
})
