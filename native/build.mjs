#!/usr/bin/env node
// Builds native/build/sqlstill_native.node (`npm run build:native`).
//
// No network: ggml/llama headers come from the git bundle node-llama-cpp ships (cloned into native/vendor/ once),
// and we link against the prebuilt ggml libraries in @node-llama-cpp/<platform>-<arch>/bins/. The addon finds those
// libraries at run time through an $ORIGIN-relative RUNPATH computed here, so it works from any clone path.
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const nativeDir = path.dirname(fileURLToPath(import.meta.url))
const repoRoot = path.dirname(nativeDir)
const buildDir = path.join(nativeDir, 'build')
const objDir = path.join(buildDir, 'obj')
const vendorDir = path.join(nativeDir, 'vendor', 'llama.cpp')
const output = path.join(buildDir, 'sqlstill_native.node')
const force = process.argv.includes('--force')

function fail(message) {
  console.error(`build:native: ${message}`)
  process.exit(1)
}

function log(message) {
  console.log(`build:native: ${message}`)
}

if (process.platform !== 'linux') {
  fail(`only Linux is supported for now (this is ${process.platform}); the addon links node-llama-cpp's prebuilt ggml libraries`)
}

const platformId = `${process.platform}-${process.arch}`
const binsDir = path.join(repoRoot, 'node_modules', '@node-llama-cpp', platformId, 'bins', platformId)
const bundle = path.join(repoRoot, 'node_modules', 'node-llama-cpp', 'llama', 'gitRelease.bundle')
if (!fs.existsSync(path.join(binsDir, 'libggml-base.so'))) {
  fail(`prebuilt ggml libraries not found in ${binsDir}; run \`npm ci\` first`)
}
const ggmlLib = fs.readdirSync(binsDir).find((f) => /^libggml(\.v[\d.]+)?\.so$/.test(f))
if (!ggmlLib) fail(`no libggml*.so (the backend registry library) in ${binsDir}`)
// libllama: only for llama_model_quantize (export); training never goes through llama.cpp's graph code
const llamaLib = fs.readdirSync(binsDir).find((f) => /^libllama(\.v[\d.]+)?\.so$/.test(f))
if (!llamaLib) fail(`no libllama*.so in ${binsDir}`)

// ---- headers: clone the bundle once per bundle version
function ensureHeaders() {
  if (!fs.existsSync(bundle)) fail(`llama.cpp source bundle not found at ${bundle}; run \`npm ci\` first`)
  const st = fs.statSync(bundle)
  const stamp = `${st.size}:${Math.floor(st.mtimeMs)}`
  const stampFile = path.join(vendorDir, '.sqlstill-bundle-stamp')
  const header = path.join(vendorDir, 'ggml', 'include', 'ggml.h')
  if (fs.existsSync(header) && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp) return
  log(`extracting headers from ${path.relative(repoRoot, bundle)}`)
  // clone beside the final folder and rename, so a concurrent build never sees half a checkout
  const tmpDir = `${vendorDir}.${process.pid}.tmp`
  fs.rmSync(tmpDir, { recursive: true, force: true })
  fs.mkdirSync(path.dirname(vendorDir), { recursive: true })
  try {
    execFileSync('git', ['-c', 'advice.detachedHead=false', 'clone', '--quiet', bundle, tmpDir], { stdio: ['ignore', 'inherit', 'inherit'] })
  } catch (err) {
    fs.rmSync(tmpDir, { recursive: true, force: true })
    fail(`could not clone the llama.cpp bundle (is git installed?): ${err.message}`)
  }
  if (!fs.existsSync(path.join(tmpDir, 'ggml', 'include', 'ggml.h'))) fail(`the bundle has no ggml/include/ggml.h`)
  fs.rmSync(vendorDir, { recursive: true, force: true })
  fs.renameSync(tmpDir, vendorDir)
  fs.writeFileSync(stampFile, stamp)
}

// ---- Node-API headers: from the running node's install, or npm's configured nodedir / node-gyp cache
function findNodeInclude() {
  const candidates = [
    path.resolve(process.execPath, '..', '..', 'include', 'node'),
    process.env.npm_config_nodedir && path.join(process.env.npm_config_nodedir, 'include', 'node'),
    path.join(os.homedir(), '.cache', 'node-gyp', process.versions.node, 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ].filter(Boolean)
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'node_api.h')))
  if (!found) {
    fail(
      `node_api.h not found (looked in ${candidates.join(', ')}). Install Node's headers, e.g. \`npx node-gyp install\`, or set npm_config_nodedir.`,
    )
  }
  return found
}

function newerThan(target, sources) {
  if (!fs.existsSync(target)) return false
  const t = fs.statSync(target).mtimeMs
  return sources.every((s) => fs.statSync(s).mtimeMs <= t)
}

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] })
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}`))))
  })
}

async function main() {
  ensureHeaders()
  const nodeInclude = findNodeInclude()
  const addonApiInclude = path.join(repoRoot, 'node_modules', 'node-addon-api')
  if (!fs.existsSync(path.join(addonApiInclude, 'napi.h'))) fail('node-addon-api is not installed; run `npm ci` first')
  const cxx = process.env.CXX || 'g++'

  fs.mkdirSync(objDir, { recursive: true })
  const srcDir = path.join(nativeDir, 'src')
  const headers = [
    path.join(nativeDir, 'include', 'sqlstill_train.h'),
    ...fs.readdirSync(srcDir).filter((f) => f.endsWith('.h')).map((f) => path.join(srcDir, f)),
  ]
  const sources = fs.readdirSync(srcDir).filter((f) => f.endsWith('.cpp')).sort()
  const cflags = [
    '-std=c++17',
    '-O2',
    '-fPIC',
    '-fvisibility=hidden',
    '-Wall',
    '-Wno-unused-function',
    '-DNAPI_VERSION=8',
    '-DNAPI_CPP_EXCEPTIONS',
    '-DNODE_ADDON_API_DISABLE_DEPRECATED',
    `-I${path.join(nativeDir, 'include')}`,
    `-I${path.join(vendorDir, 'ggml', 'include')}`,
    `-I${path.join(vendorDir, 'include')}`,
    `-I${nodeInclude}`,
    `-I${addonApiInclude}`,
  ]

  const jobs = []
  const objects = []
  for (const file of sources) {
    const src = path.join(srcDir, file)
    const obj = path.join(objDir, file.replace(/\.cpp$/, '.o'))
    objects.push(obj)
    if (!force && newerThan(obj, [src, ...headers, fileURLToPath(import.meta.url)])) continue
    jobs.push({ file, obj, args: [...cflags, '-c', src, '-o', `${obj}.${process.pid}.tmp`] })
  }
  const parallel = Math.max(1, Math.min(os.cpus().length, 4))
  let next = 0
  const workers = Array.from({ length: parallel }, async () => {
    while (next < jobs.length) {
      const job = jobs[next++]
      log(`compiling ${job.file}`)
      await run(cxx, job.args)
      // compile to a temporary name and rename, so concurrent builds (parallel test files) never see half an object
      fs.renameSync(`${job.obj}.${process.pid}.tmp`, job.obj)
    }
  })
  try {
    await Promise.all(workers)
  } catch (err) {
    fail(`compilation failed (${err.message}); see the compiler output above`)
  }

  const rpath = path.relative(buildDir, binsDir)
  const libs = [`-L${binsDir}`, '-l:libggml-base.so', `-l:${ggmlLib}`, `-l:${llamaLib}`]
  if (jobs.length > 0 || force || !newerThan(output, objects)) {
    log(`linking ${path.relative(repoRoot, output)} (RUNPATH $ORIGIN/${rpath})`)
    try {
      const tmpOut = `${output}.${process.pid}.tmp`
      await run(cxx, ['-shared', '-o', tmpOut, ...objects, ...libs, `-Wl,-rpath,$ORIGIN/${rpath}`, '-ldl', '-lpthread'])
      fs.renameSync(tmpOut, output)
    } catch (err) {
      fail(`linking failed (${err.message})`)
    }
  }
  log(`ok: ${path.relative(repoRoot, output)}`)
}

main().catch((err) => fail(err.stack || String(err)))
