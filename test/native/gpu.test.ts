// The trainer on a GPU backend of ggml, for real: by default Vulkan on Mesa's software driver (llvmpipe), which this
// CPU-only machine runs; SQLSTILL_GPU_BACKEND=cuda runs the same checks on an NVIDIA GPU (scripts/device-check.sh).
// Logits, loss and every LoRA gradient equal the CPU backend's within float tolerance, a short run reaches the CPU
// run's loss, and the ops the scheduler had to run on the CPU are listed (with CUDA's and Metal's, from their
// source). Speed on llvmpipe means nothing. ggml-vulkan skips CPU-type devices unless GGML_VK_VISIBLE_DEVICES names them.
process.env.GGML_VK_VISIBLE_DEVICES ??= '0'
const GPU = (process.env.SQLSTILL_GPU_BACKEND ?? 'vulkan') as 'vulkan' | 'cuda'

import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { writeSyntheticQwen2 } from '../../src/main/core/gguf/synthetic'
import { BACKEND_FALLBACKS_FROM_SOURCE } from '../../src/main/core/train/backendOps'
import { prepareTrainBackend } from '../../src/main/core/train/devices'
import { ALL_LORA_TARGETS, LORA_TARGETS } from '../../src/main/core/train/native'
import { createTrainer, type LoraTrainer, type TrainerOptions } from '../../src/main/core/train/trainer'
import { tempDir } from '../helpers/paths'
import { ensureNativeBuilt, seededValues, storiesF32, storiesQ8 } from './helpers/native'

const loader = GPU !== 'vulkan' || ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1', '/usr/lib/libvulkan.so.1'].some((p) => existsSync(p))
if (!loader) console.warn('gpu.test: skipped — the Vulkan loader (libvulkan1) is not installed; `apt-get install mesa-vulkan-drivers libvulkan1`')

const batch = [
  { tokens: [1, 403, 407, 261, 378, 300, 429, 267, 305, 433, 289, 302, 470, 261, 338], completionStart: 10 },
  { tokens: [1, 403, 407, 261, 378, 300, 429, 350, 360, 370, 380, 390], completionStart: 7 },
  { tokens: [1, 303, 404, 405, 306, 407, 290, 280], completionStart: 3 },
]

function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0
  let n = 0
  for (let i = 0; i < a.length; i++) {
    d += (a[i]! - b[i]!) ** 2
    n += a[i]! ** 2
  }
  return Math.sqrt(d / Math.max(n, 1e-30))
}

// llvmpipe runs shaders on the CPU: minutes on a loaded 2-core machine, and its time says nothing
describe.skipIf(!loader)(`the trainer on ${GPU}`, { timeout: 600_000 }, () => {
  let qwen2: string
  beforeAll(() => {
    ensureNativeBuilt()
    expect(prepareTrainBackend(GPU)).toBe(GPU)
    qwen2 = join(tempDir(), 'qwen2-tiny-untied.gguf')
    writeSyntheticQwen2(qwen2, { name: 'qwen2 tiny', layers: 2, embd: 64, heads: 4, kvHeads: 2, ffn: 128, vocab: 1024, contextLength: 512, ropeFreqBase: 1_000_000, tiedEmbeddings: false }, 'F32')
  })

  const pair = (options: TrainerOptions): [LoraTrainer, LoraTrainer] => {
    const cpu = createTrainer({ ...options, backend: 'cpu' })
    const gpu = createTrainer({ ...options, backend: GPU })
    for (const name of cpu.info().tensorNames) {
      if (!name.endsWith('lora_b')) continue
      const v = seededValues(cpu.getTensor(name).length, name.length * 131 + name.charCodeAt(4), 0.2)
      cpu.setTensor(name, v)
      gpu.setTensor(name, v)
    }
    return [cpu, gpu]
  }

  // Tolerances: Vulkan multiplies F32 weights in F16 and quantizes activations to Q8_1 for quantized weights (the CPU
  // to Q8_0), so the two backends agree to F16 rounding (F32 models) or to activation quantization (Q8_0); measured
  // on llvmpipe: stories F32 1.4e-3 of the logit range / gradients 1.1e-2, Q8_0 1.2e-2 / 7.5e-2, qwen2 F32 4e-5 / 1.7e-3.
  it.each([
    ['stories260K-f32', () => storiesF32, 5e-3, 3e-2],
    ['stories260K-q8_0', () => storiesQ8, 3e-2, 0.15],
    ['tiny qwen2 (F32, own head)', () => qwen2, 5e-3, 3e-2],
  ] as const)("%s: logits, loss and LoRA gradients equal the CPU backend's", (label, model, logitTol, gradTol) => {
    const [cpu, gpu] = pair({ modelPath: model(), rank: 4, alpha: 8, targets: [...ALL_LORA_TARGETS], lr: 1e-3, threads: 1, maxLength: 64, seed: 9 })
    try {
      const device = gpu.deviceInfo()
      expect(device.backend).toBe(GPU)
      if (GPU === 'vulkan') expect(device.description).toMatch(/llvmpipe|./)
      const tokens = batch[0]!.tokens
      const logitDiff = (() => {
        const a = cpu.forwardLogits(tokens)
        const b = gpu.forwardLogits(tokens)
        let m = 0
        let range = 0
        for (let i = 0; i < a.length; i++) {
          m = Math.max(m, Math.abs(a[i]! - b[i]!))
          range = Math.max(range, Math.abs(a[i]!))
        }
        return m / range
      })()
      const a = cpu.computeGradients(batch)
      const b = gpu.computeGradients(batch)
      const lossDiff = Math.abs(a.loss - b.loss) / a.loss
      let worst = 0
      for (const [name, g] of Object.entries(a.grads)) worst = Math.max(worst, relDiff(g, b.grads[name]!))
      console.log(`[${GPU}] ${label}: max |Δlogit| ${logitDiff.toExponential(2)} of the logit range, loss rel. diff ${lossDiff.toExponential(2)}, worst LoRA gradient rel. diff ${worst.toExponential(2)}`)
      expect(logitDiff).toBeLessThan(logitTol)
      expect(lossDiff).toBeLessThan(logitTol)
      expect(worst).toBeLessThan(gradTol)
    } finally {
      cpu.dispose()
      gpu.dispose()
    }
  })

  it('trains: 25 steps reach the CPU run\'s loss, and the ops run on the CPU instead are listed', () => {
    const options: TrainerOptions = { modelPath: storiesF32, rank: 4, alpha: 8, targets: [...LORA_TARGETS], lr: 1e-2, threads: 1, maxLength: 64, seed: 3 }
    const losses: Record<string, number[]> = {}
    let fallback: Record<string, number> = {}
    for (const backend of ['cpu', GPU] as const) {
      const t = createTrainer({ ...options, backend })
      try {
        losses[backend] = Array.from({ length: 25 }, () => t.trainStep(batch).loss)
        if (backend === GPU) fallback = t.deviceInfo().fallbackOps
      } finally {
        t.dispose()
      }
    }
    const [cpuFinal, gpuFinal] = [losses.cpu!.at(-1)!, losses[GPU]!.at(-1)!]
    console.log(`[${GPU}] loss ${losses[GPU]![0]!.toFixed(3)} -> ${gpuFinal.toFixed(4)} (CPU: ${losses.cpu![0]!.toFixed(3)} -> ${cpuFinal.toFixed(4)})`)
    expect(gpuFinal).toBeLessThan(losses[GPU]![0]! * 0.2)
    expect(Math.abs(gpuFinal - cpuFinal)).toBeLessThan(0.05 * cpuFinal + 1e-3)
    console.log(`[${GPU}] training-graph ops the scheduler ran on the CPU (nodes): ${JSON.stringify(fallback)}`)
    for (const note of BACKEND_FALLBACKS_FROM_SOURCE) console.log(`[${note.backend}] from supports_op in the source: ${note.fallback.join(', ') || 'none'}`)
    // what is known to fall back (supports_op: Vulkan's out_prod wants contiguous F32 operands; CUDA none): nothing else may
    const allowed = GPU === 'vulkan' ? ['OUT_PROD'] : []
    expect(Object.keys(fallback).filter((op) => !allowed.includes(op))).toEqual([])
  })
})
