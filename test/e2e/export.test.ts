// Export and drag-and-drop end to end, in Chromium against the real CLI's browser mode: a LoRA adapter trained
// in seconds on the tiny stories260K model is applied from the Models panel, exported through the Export dialog
// (fused + quantized by llama.cpp's quantizer in the train host), and the exported file is loaded as the student.
// Dropping a database file opens a copy (browser mode has no paths); a dropped non-database gets the core's error.
import { readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startTraining } from '../../src/main/core/train/job'
import { setupE2eSession } from '../helpers/e2eSession'
import { hasChromium, spiderDb, tempDir } from '../helpers/paths'
import { ensureNativeBuilt } from '../native/helpers/native'
import { quickConfig, storiesF32 } from '../train/helpers'

describe.skipIf(!hasChromium)('export dialog and drag-and-drop in Chromium (browser mode)', () => {
  let dir: string
  let adapter: string
  let exported: string

  const e2e = setupE2eSession({
    shotPrefix: 'export-',
    beforeStart: async () => {
      ensureNativeBuilt()
      dir = tempDir('sqlstill-e2e-export-')
      // a real adapter for stories260K, trained by the core trainer in a few seconds
      adapter = (await startTraining(quickConfig({ maxSteps: 8 }), join(dir, 'job'))).adapterPath
      exported = join(dir, 'stories-tuned-Q8_0.gguf')
    },
    host: { args: ['--no-demo', '--model', storiesF32] },
    context: { viewport: { width: 1360, height: 860 }, colorScheme: 'light' },
    startTimeoutMs: 180_000,
  })

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  /** Drags files (built from bytes, as a desktop drag would deliver them) over the page and, unless told not to, drops them. */
  async function dropFiles(files: { name: string; bytes: number[] }[], opts: { drop: boolean } = { drop: true }) {
    await e2e.page.evaluate(`(() => {
      const files = ${JSON.stringify(files)}
      const dt = new DataTransfer()
      for (const f of files) dt.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: 'application/octet-stream' }))
      const fire = (type) => document.body.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }))
      fire('dragenter')
      fire('dragover')
      if (${opts.drop}) fire('drop')
    })()`)
  }

  it('dropping a database file opens a copy, and says so', async () => {
    await e2e.page.goto(e2e.host.url)
    await e2e.page.locator('[data-testid="app"][data-ready="true"]').waitFor()
    const bytes = [...readFileSync(spiderDb('concert_singer'))]

    await dropFiles([{ name: 'concert_singer.sqlite', bytes }], { drop: false })
    await e2e.page.getByTestId('drop-overlay').waitFor()
    await e2e.shot('drop-overlay')
    await e2e.page.evaluate(`(() => {
      const dt = new DataTransfer()
      dt.items.add(new File([''], 'x'))
      document.body.dispatchEvent(new DragEvent('dragleave', { dataTransfer: dt, bubbles: true }))
    })()`)
    await e2e.page.getByTestId('drop-overlay').waitFor({ state: 'detached' })

    await dropFiles([{ name: 'concert_singer.sqlite', bytes }])
    const notice = e2e.page.locator('[data-testid="drop-notice"][data-kind="copied"]')
    await notice.waitFor()
    await expect.poll(() => notice.textContent()).toMatch(/Opened a copy of concert_singer\.sqlite/)
    const copyPath = (await e2e.page.getByTestId('drop-copy-path').textContent())!
    expect(copyPath.startsWith(join(e2e.host.dataDir, 'imported') + '/')).toBe(true)
    expect(readFileSync(copyPath).equals(readFileSync(spiderDb('concert_singer')))).toBe(true)
    // the copy is the active database: a tab named after the file, its schema shown
    await e2e.page.locator('[data-testid="db-tab"][data-db-name="concert_singer.sqlite"]').waitFor()
    await e2e.page.getByTestId('schema-tree').waitFor()
    await expect.poll(() => e2e.page.getByTestId('schema-tree').textContent()).toMatch(/singer/)
    await e2e.shot('drop-copied')
    await e2e.page.getByTestId('drop-notice-dismiss').click()
  })

  it('dropping a file that is not a database shows the core’s error and opens nothing', async () => {
    const tabsBefore = await e2e.page.getByTestId('db-tab').count()
    await dropFiles([{ name: 'notes.txt', bytes: [...Buffer.from('these are not the tables you are looking for\n'.repeat(40))] }])
    const notice = e2e.page.locator('[data-testid="drop-notice"][data-kind="error"]')
    await notice.waitFor()
    await expect.poll(() => notice.getByTestId('error-code').textContent()).toBe('NOT_A_DATABASE')
    await expect.poll(() => notice.textContent()).toMatch(/Could not open notes\.txt/)
    expect(await e2e.page.getByTestId('db-tab').count()).toBe(tabsBefore)
    await e2e.shot('drop-error')
    await notice.getByRole('button', { name: 'Dismiss error' }).click()
    await notice.waitFor({ state: 'detached' })
  })

  it('applies the adapter and exports it with progress to a file that loads as the student', async () => {
    await e2e.page.getByTestId('open-models').click()
    const drawer = e2e.page.getByTestId('models-drawer')
    await drawer.getByTestId('loaded-model').waitFor()
    await drawer.getByTestId('adapter-path').fill(adapter)
    await drawer.getByTestId('adapter-apply').click()
    await drawer.getByTestId('loaded-adapter').waitFor()
    await expect.poll(() => drawer.getByTestId('loaded-prompt-form').textContent()).toBe('plain-text prompt')
    await e2e.shot('drawer-adapter')
    await drawer.getByTestId('loaded-adapter-export').click()
    await drawer.waitFor({ state: 'detached' })

    const dialog = e2e.page.getByTestId('export-dialog')
    await dialog.waitFor()
    // defaults: the loaded student, the active adapter, a file beside the adapter named after both
    await expect.poll(() => dialog.getByTestId('export-base').inputValue()).toBe(storiesF32)
    await expect.poll(() => dialog.getByTestId('export-adapter').inputValue()).toBe(adapter)
    await expect.poll(() => dialog.getByTestId('export-out').inputValue()).toBe(join(dir, 'job', 'stories260K-f32-adapter-Q4_K_M.gguf'))
    await dialog.getByTestId('export-type').selectOption('Q8_0')
    await expect.poll(() => dialog.getByTestId('export-out').inputValue()).toMatch(/-Q8_0\.gguf$/)
    await expect.poll(() => dialog.getByTestId('export-type-note').textContent()).toMatch(/8-bit/)
    await dialog.getByTestId('export-out').fill(exported)
    await e2e.shot('dialog')

    // record what the progress area shows while the export runs (it is quick on a 260K model)
    await e2e.page.evaluate(`(() => {
      window.__stages = []
      window.__exportObserver = new MutationObserver(() => {
        const el = document.querySelector('[data-testid="export-stage"]')
        if (el && window.__stages.at(-1) !== el.textContent) window.__stages.push(el.textContent)
      })
      window.__exportObserver.observe(document.querySelector('[data-testid="export-dialog"]'), { subtree: true, childList: true, characterData: true, attributes: true })
    })()`)
    await dialog.getByTestId('export-submit').click()
    const result = dialog.getByTestId('export-result')
    await result.waitFor({ timeout: 120_000 })
    const stages = (await e2e.page.evaluate('(() => { window.__exportObserver.disconnect(); return window.__stages })()')) as string[]
    expect(stages.length).toBeGreaterThan(0)
    console.log(`[export e2e] stages shown: ${JSON.stringify(stages)}`)

    const size = statSync(exported).size
    expect(size).toBeGreaterThan(100_000)
    await expect.poll(() => result.getByTestId('export-result-path').textContent()).toBe(exported)
    // shown as "N.N KB/MB", agreeing with the file on disk
    const shown = /^([\d.]+) (KB|MB|GB)$/.exec((await result.getByTestId('export-result-size').textContent()) ?? '')
    expect(shown).not.toBeNull()
    const shownBytes = Number(shown![1]) * 1024 ** (['KB', 'MB', 'GB'].indexOf(shown![2]!) + 1)
    expect(Math.abs(shownBytes - size) / size).toBeLessThan(0.06)
    await expect.poll(() => result.textContent()).toMatch(/Q8_0/)
    await expect.poll(() => result.textContent()).toMatch(/verified/)
    await e2e.shot('result')

    await result.getByTestId('export-load').click()
    await result.getByTestId('export-loaded').waitFor({ timeout: 60_000 })
    await expect.poll(() => e2e.page.getByTestId('open-models').textContent()).toMatch(/stories-tuned-Q8_0\.gguf/)
    await dialog.getByTestId('export-close').click()
    await dialog.waitFor({ state: 'detached' })

    // the Models panel agrees: the exported file is the loaded student, with no adapter on top
    await e2e.page.getByTestId('open-models').click()
    const loaded = e2e.page.getByTestId('models-drawer').getByTestId('loaded-model')
    await loaded.waitFor()
    await expect.poll(() => loaded.textContent()).toMatch(/stories-tuned-Q8_0\.gguf/)
    await expect.poll(() => loaded.textContent()).toMatch(/Q8_0/)
    await expect.poll(() => loaded.textContent()).toMatch(/Adapter:\s*none/)
    await e2e.shot('loaded')
  })

  it('a file that is not an adapter is refused clearly, and an existing output is flagged', async () => {
    const drawer = e2e.page.getByTestId('models-drawer')
    // the base model is no LoRA adapter
    await drawer.getByTestId('adapter-path').fill(storiesF32)
    await drawer.getByTestId('adapter-export').click()
    const dialog = e2e.page.getByTestId('export-dialog')
    await dialog.waitFor()
    await expect.poll(() => dialog.getByTestId('export-adapter').inputValue()).toBe(storiesF32)
    await expect.poll(() => dialog.getByTestId('export-base').inputValue()).toBe(exported)
    // the output may not be one of the inputs (the base is now the exported file)…
    await dialog.getByTestId('export-out').fill(exported)
    await expect.poll(() => dialog.getByTestId('export-out').getAttribute('aria-invalid')).toBe('true')
    await expect.poll(() => dialog.getByTestId('export-submit').isDisabled()).toBe(true)
    // …and pointing it at an existing file warns that it will be replaced
    await dialog.getByTestId('export-out').fill(adapter)
    await dialog.getByTestId('export-exists').waitFor()
    await expect.poll(() => dialog.getByTestId('export-submit').textContent()).toBe('Replace and export')
    await dialog.getByTestId('export-out').fill(join(dir, 'never-written.gguf'))
    await dialog.getByTestId('export-exists').waitFor({ state: 'detached' })
    await dialog.getByTestId('export-submit').click()
    const error = dialog.locator('[data-testid="error-panel"]', { hasText: 'Export failed' })
    await error.waitFor({ timeout: 60_000 })
    await expect.poll(() => error.getByTestId('error-code').textContent()).toBe('NOT_A_MODEL')
    await expect.poll(() => error.getByTestId('error-message').textContent()).toMatch(/not a LoRA adapter/)
    expect(() => statSync(join(dir, 'never-written.gguf'))).toThrow()
    await e2e.page.emulateMedia({ colorScheme: 'dark' })
    await e2e.shot('error-dark')
    await e2e.page.emulateMedia({ colorScheme: 'light' })
    await e2e.page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })
  })

  it('had no console errors and made no request beyond the local host', () => {
    expect(e2e.consoleErrors).toEqual([])
    expect(e2e.foreignRequests).toEqual([])
    expect(e2e.localRequests()).toBeGreaterThan(10)
  })
})
