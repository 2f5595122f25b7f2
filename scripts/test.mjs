// `npm test`: build what the tests exercise (app bundles, native addon), then run every test file —
// unit, integration and the Chromium e2e — and close with a plain "N passed, N failed" line.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ensureBuilt, root } from './ensure-built.mjs'

const started = Date.now()
ensureBuilt({ force: !process.argv.includes('--no-build') })

if (existsSync(join(root, 'native', 'build.mjs'))) {
  const native = spawnSync(process.execPath, [join(root, 'native', 'build.mjs')], { cwd: root, stdio: 'inherit' })
  if (native.status !== 0) {
    process.stderr.write('test: the native addon failed to build\n')
    process.exit(native.status ?? 1)
  }
}

mkdirSync(join(root, 'test-output'), { recursive: true })
const report = join(root, 'test-output', 'vitest.json')
const passthrough = process.argv.slice(2).filter((a) => a !== '--no-build')
const run = spawnSync(
  process.execPath,
  [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...passthrough],
  { cwd: root, stdio: 'inherit' },
)

let summary = ''
try {
  const json = JSON.parse(readFileSync(report, 'utf8'))
  summary = `tests: ${json.numPassedTests} passed, ${json.numFailedTests} failed, ${json.numPendingTests + json.numTodoTests} skipped`
} catch {
  summary = 'tests: 0 passed, 1 failed'
}
process.stdout.write(`\n${summary}\n(${((Date.now() - started) / 1000).toFixed(0)} s)\n`)
process.exit(run.status ?? 1)
