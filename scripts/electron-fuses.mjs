// Electron Fuses for every packaged sqlstill: switches compiled into the Electron binary that no argument or
// environment variable can turn back on. Off: running the binary as plain Node (ELECTRON_RUN_AS_NODE), NODE_OPTIONS,
// --inspect arguments, file:// extra privileges (the UI is served from app://). On: cookie encryption, loading the
// app only from its ASAR archive, and checking that archive's integrity. Every fuse is named (strictlyRequireAllFuses),
// so an Electron upgrade that adds one fails the packaging until it is decided here.
//
// Use: electron-builder's `afterPack: scripts/electron-fuses.mjs`, or after any other packager
// `node scripts/electron-fuses.mjs path/to/packaged/electron-binary`. Not for the development binary: an
// unpackaged app has no ASAR archive, so OnlyLoadAppFromAsar would stop it from starting.
import { flipFuses, FuseV1Options, FuseVersion } from '@electron/fuses'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const APP_FUSES = {
  version: FuseVersion.V1,
  strictlyRequireAllFuses: true,
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableCookieEncryption]: true,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
  [FuseV1Options.WasmTrapHandlers]: true,
}

/** Flips the fuses in a packaged Electron binary (macOS: the .app bundle's path works too). */
export function applyAppFuses(electronBinary) {
  return flipFuses(electronBinary, { ...APP_FUSES, resetAdHocDarwinSignature: process.platform === 'darwin' })
}

/** electron-builder's afterPack hook. */
export default async function afterPack(context) {
  const name = context.packager.appInfo.productFilename
  const binary =
    context.electronPlatformName === 'darwin'
      ? join(context.appOutDir, `${name}.app`)
      : join(context.appOutDir, context.electronPlatformName === 'win32' ? `${name}.exe` : name)
  await applyAppFuses(binary)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const target = process.argv[2]
  if (!target) {
    process.stderr.write('usage: node scripts/electron-fuses.mjs <packaged electron binary>\n')
    process.exit(2)
  }
  await applyAppFuses(target)
  process.stdout.write(`electron-fuses: flipped the fuses of ${target}\n`)
}
