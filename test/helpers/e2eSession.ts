// One e2e file's shared scaffolding: the real `sqlstill serve` host and a watched Chromium page, started once
// in beforeAll, a screenshot of the screen whenever a test fails, and everything stopped and removed afterwards.
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { openWatchedPage } from './browser'
import { repoRoot } from './paths'
import { startWebHost, type RunningHost } from './webHost'

export const shotsDir = join(repoRoot, 'test-output', 'e2e')

type HostOptions = Parameters<typeof startWebHost>[0]

export interface E2eSessionOptions {
  /** Goes before every screenshot's name, failure shots included (test-output/e2e/<shotPrefix><name>.png). */
  shotPrefix?: string
  /** Goes between "failed-" and the test's name in the screenshot saved when a test fails. */
  failedShotPrefix?: string
  /** How to start the host; a function when it depends on what `beforeStart` made. */
  host?: HostOptions | (() => HostOptions)
  context: BrowserContextOptions
  /** Runs on the browser context before the page opens (permissions, init scripts). */
  prepare?: (context: BrowserContext, host: RunningHost) => Promise<void>
  /** The file's own setup that must be done before the host starts (fixtures, adapters, stub servers). */
  beforeStart?: () => Promise<void> | void
  /** Time for beforeStart, the host and the browser together; vitest's hookTimeout when left out. */
  startTimeoutMs?: number
}

export interface E2eSession {
  host: RunningHost
  browser: Browser
  page: Page
  consoleErrors: string[]
  foreignRequests: string[]
  localRequests(): number
  shot(name: string): Promise<Buffer>
}

/**
 * Registers the file's beforeAll/afterEach/afterAll hooks and returns the session they fill in: its fields are
 * usable from the first test on. Hooks a file registers before calling this run before its beforeAll.
 */
export function setupE2eSession(options: E2eSessionOptions): E2eSession {
  const session = {
    localRequests: () => 0,
    shot: (name: string) => session.page.screenshot({ path: join(shotsDir, `${options.shotPrefix ?? ''}${name}.png`) }),
  } as E2eSession

  beforeAll(async () => {
    mkdirSync(shotsDir, { recursive: true })
    await options.beforeStart?.()
    const hostOptions = typeof options.host === 'function' ? options.host() : options.host
    session.host = await startWebHost(hostOptions)
    const watched = await openWatchedPage(session.host.origin, options.context, options.prepare && ((context) => options.prepare!(context, session.host)))
    Object.assign(session, watched)
  }, options.startTimeoutMs)

  afterEach(async (context) => {
    // A picture of the screen at the moment a step failed is worth more than the locator's timeout text.
    if (context.task.result?.state === 'fail' && session.page) {
      await session.shot(`failed-${options.failedShotPrefix ?? ''}${context.task.name.replace(/\W+/g, '-').slice(0, 60)}`)
    }
  })

  afterAll(async () => {
    await session.browser?.close()
    await session.host?.stop()
    if (session.host?.dataDir) rmSync(session.host.dataDir, { recursive: true, force: true })
  })

  return session
}
