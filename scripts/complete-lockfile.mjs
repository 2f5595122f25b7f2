// node-llama-cpp's prebuilt binaries for other platforms are optional dependencies. Where the registry
// mirror lacks some of them (as on our offline CI), `npm install` silently leaves them out of
// package-lock.json and `npm ci` then refuses the lock as out of sync. This restores their entries
// (platform-restricted, so npm never fetches them on a machine they do not fit). Run after changing deps.
import { readFileSync, writeFileSync } from 'node:fs'

const PLATFORMS = {
  'linux-riscv64': { os: ['linux'], cpu: ['riscv64'] },
  'mac-arm64-metal': { os: ['darwin'], cpu: ['arm64', 'x64'] },
  'mac-x64': { os: ['darwin'], cpu: ['x64'] },
  'win-arm64': { os: ['win32'], cpu: ['arm64', 'x64'] },
  'win-x64': { os: ['win32'], cpu: ['x64'] },
  'win-x64-cuda': { os: ['win32'], cpu: ['x64'] },
  'win-x64-cuda-ext': { os: ['win32'], cpu: ['x64'] },
  'win-x64-vulkan': { os: ['win32'], cpu: ['x64'] },
}

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'))
const version = lock.packages['node_modules/node-llama-cpp'].version
let added = 0
for (const [name, platform] of Object.entries(PLATFORMS)) {
  const key = `node_modules/@node-llama-cpp/${name}`
  if (lock.packages[key]) continue
  lock.packages[key] = { version, ...platform, license: 'MIT', optional: true, engines: { node: '>=20.0.0' } }
  added++
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))))
writeFileSync('package-lock.json', JSON.stringify(lock, null, 2) + '\n')
console.log(`complete-lockfile: added ${added} entries`)
