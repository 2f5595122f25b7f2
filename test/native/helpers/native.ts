import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { modelsDir, repoRoot } from '../../helpers/paths'

export const storiesF32 = join(modelsDir, 'stories260K-f32.gguf')
export const storiesQ8 = join(modelsDir, 'stories260K-q8_0.gguf')
export const tinyRandomLlama = join(modelsDir, 'llama-2-tiny-random.gguf')

const addon = join(repoRoot, 'native', 'build', 'sqlstill_native.node')

function newestSource(): number {
  let newest = statSync(join(repoRoot, 'native', 'build.mjs')).mtimeMs
  for (const dir of ['src', 'include']) {
    const full = join(repoRoot, 'native', dir)
    for (const f of readdirSync(full)) newest = Math.max(newest, statSync(join(full, f)).mtimeMs)
  }
  return newest
}

/** Builds the addon when it is missing or older than its sources (the build itself is incremental). */
export function ensureNativeBuilt(): void {
  if (existsSync(addon) && statSync(addon).mtimeMs >= newestSource()) return
  execFileSync(process.execPath, [join(repoRoot, 'native', 'build.mjs')], { cwd: repoRoot, stdio: 'inherit' })
}

export interface ReferenceRequest {
  modelPath: string
  sequences: number[][]
  lora?: { filePath: string; scale?: number }
  greedy?: { prompts: number[][]; maxTokens: number; stopToken?: number }
  tokenize?: string[]
}

export interface ReferenceResult {
  /** [sequence][position][vocab] */
  logits: number[][][]
  /** Greedy continuation per prompt, EOS included when reached. */
  greedy?: number[][]
  tokens?: number[][]
}

/** node-llama-cpp's own evaluation, in a child process (see llamaReference.mjs). */
export function llamaReference(req: ReferenceRequest): ReferenceResult {
  const out = execFileSync(process.execPath, [join(repoRoot, 'test', 'native', 'helpers', 'llamaReference.mjs')], {
    cwd: repoRoot,
    input: JSON.stringify(req),
    maxBuffer: 512 << 20,
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  return JSON.parse(out.toString('utf8')) as ReferenceResult
}

export function maxAbsDiff(reference: number[][], ours: Float32Array): number {
  const vocab = ours.length / reference.length
  let max = 0
  reference.forEach((row, p) => {
    if (row.length !== vocab) throw new Error(`reference row ${p} has ${row.length} logits, ours ${vocab}`)
    for (let v = 0; v < vocab; v++) max = Math.max(max, Math.abs(row[v]! - ours[p * vocab + v]!))
  })
  return max
}

export function argmaxRow(logits: Float32Array, row: number, vocab: number): number {
  let best = 0
  for (let v = 1; v < vocab; v++) if (logits[row * vocab + v]! > logits[row * vocab + best]!) best = v
  return best
}

/** Reproducible values in [-scale/2, scale/2): LoRA B matrices set to the same non-zero values in every trainer compared. */
export function seededValues(n: number, seed: number, scale: number): Float32Array {
  let s = seed
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0
    out[i] = (s / 2 ** 32 - 0.5) * scale
  }
  return out
}
