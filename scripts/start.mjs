// `npm start`: the desktop app where the Electron binary is installed, browser mode where it is not.
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { existsSync } from 'node:fs'
import { buildElectronNative, electronNativePath } from './electron-native.mjs'
import { ensureBuilt, root } from './ensure-built.mjs'

ensureBuilt()

function electronBinary() {
  try {
    // The electron package exports the binary's path, and throws when its download was skipped or failed.
    return createRequire(import.meta.url)('electron')
  } catch {
    return null
  }
}

const electron = electronBinary()
if (electron && !existsSync(electronNativePath())) {
  try {
    buildElectronNative()
  } catch (err) {
    process.stderr.write(`sqlstill: could not build the database driver for Electron (${err.message}).\n`)
    process.exit(1)
  }
}
const child = electron
  ? spawn(electron, [root, ...process.argv.slice(2)], { stdio: 'inherit' })
  : (process.stdout.write('sqlstill: the Electron binary is not installed here, so starting browser mode instead.\n'),
    spawn(process.execPath, [join(root, 'bin', 'sqlstill.js'), 'serve', ...process.argv.slice(2)], { stdio: 'inherit' }))

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
