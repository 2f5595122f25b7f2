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
      await page.getByTestId('schema-tree').waitFor()
      await page.getByTestId('theme-select').selectOption(theme)
      await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(theme)

      await page.getByTestId('run-query').click()
      await page.getByTestId('grid-row').first().waitFor()
      await fits()
      await shot('01-workbench')

      await page.getByTestId('open-models').click()
      await page.getByTestId('models-drawer').waitFor()
      await fits('models-drawer')
      await shot('02-models')
      await closeWith('models-drawer')

      await page.getByTestId('open-settings').click()
      await page.getByTestId('settings-dialog').waitFor()
      await fits('settings-dialog')
      await shot('03-settings')
      await closeWith('settings-dialog')

      await page.keyboard.press('F1')
      await page.getByTestId('help-overlay').waitFor()
      await fits('help-overlay')
      await shot('04-help')
      await closeWith('help-overlay')

      await page.getByTestId('open-teacher').click()
      await page.getByTestId('teacher-dialog').waitFor()
      await fits('teacher-dialog')
      await shot('05-teacher')
      await closeWith('teacher-dialog')

      await page.getByTestId('open-customize').click()
      await page.getByTestId('customize-dialog').waitFor()
      await fits('customize-dialog')
      await shot('06-customize')
      await closeWith('customize-dialog')

      await page.getByTestId('open-database').click()
      await page.getByTestId('open-dialog').waitFor()
      await fits('open-dialog')
      await shot('07-open')
      await closeWith('open-dialog')

      await page.getByTestId('view-history').click()
      await page.getByTestId('history-kind-runs').click()
      await page.getByTestId('sql-run').first().waitFor()
      await fits()
      await shot('08-history')
      await page.getByTestId('view-grid').click()

      await page.getByTestId('schema-diagram').click()
      await page.getByTestId('er-dialog').waitFor()
      await fits('er-dialog')
      await shot('09-diagram')
      await closeWith('er-dialog')

      await page.getByTestId('save-query').click()
      await page.getByTestId('save-query-dialog').waitFor()
      await fits('save-query-dialog')
      await shot('10-save-query')
      await closeWith('save-query-dialog')
    }, 120_000)
  }

  it('made no console errors and no request beyond the local host', () => {
    expect(e2e.consoleErrors).toEqual([])
    expect(e2e.foreignRequests).toEqual([])
    expect(e2e.localRequests()).toBeGreaterThan(10)
  })
})
