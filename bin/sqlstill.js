#!/usr/bin/env node
// Thin launcher: runs the built CLI, building it first on a fresh checkout.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { ensureBuilt } from '../scripts/ensure-built.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const cli = join(root, 'out', 'main', 'cli.js')
if (!existsSync(cli)) ensureBuilt()
await import(pathToFileURL(cli).href)
