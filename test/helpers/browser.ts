// Debian's Chromium driven by playwright-core, with the page watched for what every e2e test asserts at the
// end: no console errors or uncaught exceptions, and no request to anything but the local host.
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core'

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run']

export interface WatchedPage {
  browser: Browser
  page: Page
  consoleErrors: string[]
  foreignRequests: string[]
  /** Requests that went to the host (so the "nothing foreign" check cannot pass vacuously). */
  localRequests(): number
}

export async function openWatchedPage(
  origin: string,
  contextOptions: BrowserContextOptions,
  prepare?: (context: import('playwright-core').BrowserContext) => Promise<void>,
): Promise<WatchedPage> {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
  const context = await browser.newContext(contextOptions)
  await prepare?.(context)
  const page = await context.newPage()
  const consoleErrors: string[] = []
  const foreignRequests: string[] = []
  let local = 0
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text())
  })
  page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`))
  page.on('request', (request) => {
    const url = request.url()
    // data: and blob: URLs never leave the page; everything else must go to the host we started.
    if (url.startsWith('data:') || url.startsWith('blob:')) return
    if (new URL(url).origin !== origin) foreignRequests.push(url)
    else local++
  })
  return { browser, page, consoleErrors, foreignRequests, localRequests: () => local }
}
