// `npm run bench [section…]`: runs the benchmark suite from source (tsx) and writes test-output/bench/*.json.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { root } from './ensure-built.mjs'

const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src', 'main', 'bench', 'index.ts'), ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
})
process.exit(run.status ?? 1)
