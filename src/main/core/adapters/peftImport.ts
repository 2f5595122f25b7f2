// A PEFT LoRA (adapter_config.json + adapter_model.safetensors: what Unsloth, axolotl, TRL, torchtune and mlx-lm's
// PEFT export write) turned into a llama.cpp LoRA GGUF for its base, in TypeScript, as llama.cpp's
// convert_lora_to_gguf.py does it:
// - q_proj … down_proj (and lm_head) map to attn_q … ffn_down (and output);
// - PyTorch's lora_A [r, in] and lora_B [out, r] are row-major, which is ggml's [in, r] and [r, out]: llama.cpp's
//   layout, with no transposition; the dtype becomes F32;
// - for the llama architecture, the GGUF's Q and K rows are permuted (convert_hf_to_gguf's rotary reorder), so
//   lora_B of q_proj/k_proj is permuted the same way;
// - alpha is kept (llama.cpp scales by alpha / rank, as PEFT does).
// What llama.cpp's LoRA cannot express is refused with the reason: rsLoRA and DoRA scale differently,
// modules_to_save are full weights, LoRA biases and per-module alphas have no place in the format.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { SqlstillError } from '../../../shared/errors'
import type { PeftImportResult } from '../../../shared/models'
import { writeGguf, type GgufTensor, type GgufValue } from '../gguf/writer'
import { readCheckedGgufFile } from '../llm/gguf'
import { sha256File } from '../train/fileHash'
import { readSafetensors } from './safetensors'

const MODULES: Record<string, string> = {
  q_proj: 'attn_q',
  k_proj: 'attn_k',
  v_proj: 'attn_v',
  o_proj: 'attn_output',
  gate_proj: 'ffn_gate',
  up_proj: 'ffn_up',
  down_proj: 'ffn_down',
}

export interface PeftImportOptions {
  /** The folder PEFT saved (adapter_config.json, adapter_model.safetensors). */
  peftDir: string
  /** The base GGUF the adapter is for. */
  base: string
  out: string
}

export type { PeftImportResult }

interface PeftConfig {
  peft_type?: string
  r?: number
  lora_alpha?: number
  use_rslora?: boolean
  use_dora?: boolean
  fan_in_fan_out?: boolean
  bias?: string
  modules_to_save?: string[] | null
  alpha_pattern?: Record<string, number>
  base_model_name_or_path?: string
}

function refuse(message: string, details?: Record<string, unknown>): never {
  throw new SqlstillError('UNSUPPORTED', message, details)
}

function readConfig(peftDir: string): PeftConfig {
  const file = join(peftDir, 'adapter_config.json')
  if (!existsSync(file)) throw new SqlstillError('NOT_FOUND', `${peftDir} has no adapter_config.json: point at the folder PEFT saved the adapter in.`, { path: file })
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PeftConfig
  } catch (err) {
    throw new SqlstillError('BAD_REQUEST', `${file} is not valid JSON (${(err as Error).message}).`, { path: file })
  }
}

function checkConfig(c: PeftConfig): { rank: number; alpha: number } {
  if (c.peft_type && c.peft_type.toUpperCase() !== 'LORA') refuse(`This is a ${c.peft_type} adapter; only LoRA adapters can be converted for llama.cpp.`)
  if (c.use_dora) refuse('This adapter uses DoRA (use_dora: true): its magnitude vectors have no place in a llama.cpp LoRA. Train without DoRA to use it here.')
  if (c.use_rslora) {
    refuse('This adapter uses rsLoRA (use_rslora: true), scaled by alpha/√r where llama.cpp scales by alpha/r. Train with use_rslora: false, or merge it into the base elsewhere.')
  }
  if (c.fan_in_fan_out) refuse('This adapter stores its weights transposed (fan_in_fan_out: true, GPT-2 style Conv1D layers), which llama-family students do not have.')
  if (c.bias && c.bias !== 'none') refuse(`This adapter trains biases (bias: "${c.bias}"); a llama.cpp LoRA holds only the low-rank matrices.`)
  if (c.modules_to_save?.length) {
    refuse(`This adapter also saves full copies of ${c.modules_to_save.join(', ')} (modules_to_save), which a LoRA file cannot carry. Train without modules_to_save.`)
  }
  if (!Number.isInteger(c.r) || c.r! < 1) throw new SqlstillError('BAD_REQUEST', 'adapter_config.json has no valid rank r.')
  if (typeof c.lora_alpha !== 'number' || !(c.lora_alpha > 0)) throw new SqlstillError('BAD_REQUEST', 'adapter_config.json has no valid lora_alpha.')
  const alphas = Object.values(c.alpha_pattern ?? {})
  if (alphas.some((a) => a !== c.lora_alpha)) refuse('This adapter sets other alphas for some modules (alpha_pattern); a llama.cpp LoRA has one alpha.')
  return { rank: c.r!, alpha: c.lora_alpha }
}

/** `…layers.3.self_attn.q_proj.lora_A(.default).weight` → { layer 3, target attn_q, part a }; lm_head → output. */
function parseName(name: string): { tensor: string; part: 'a' | 'b' } | null {
  const m = /(?:^|\.)layers\.(\d+)\.(?:self_attn|mlp)\.(\w+)\.lora_([AB])(?:\.[\w-]+)?\.weight$/.exec(name)
  if (m) {
    const target = MODULES[m[2]!]
    if (!target) return null
    return { tensor: `blk.${m[1]}.${target}.weight`, part: m[3] === 'A' ? 'a' : 'b' }
  }
  const head = /(?:^|\.)lm_head\.lora_([AB])(?:\.[\w-]+)?\.weight$/.exec(name)
  return head ? { tensor: 'output.weight', part: head[1] === 'A' ? 'a' : 'b' } : null
}

/** convert_hf_to_gguf's LlamaModel.permute on the rows of a [rows, cols] row-major matrix. */
export function permuteRotaryRows(values: Float32Array, rows: number, cols: number, heads: number): Float32Array {
  if (rows % (heads * 2) !== 0) throw new SqlstillError('BAD_REQUEST', `cannot permute ${rows} rows over ${heads} heads`)
  const half = rows / heads / 2
  const out = new Float32Array(values.length)
  for (let h = 0; h < heads; h++) {
    for (let j = 0; j < 2; j++) {
      for (let i = 0; i < half; i++) {
        // reshape(heads, 2, half, cols).swapaxes(1, 2): row (h, j, i) moves to (h, i, j)
        const src = h * 2 * half + j * half + i
        const dst = h * 2 * half + i * 2 + j
        out.set(values.subarray(src * cols, (src + 1) * cols), dst * cols)
      }
    }
  }
  return out
}

export async function importPeftAdapter(options: PeftImportOptions): Promise<PeftImportResult> {
  const config = readConfig(options.peftDir)
  const { rank, alpha } = checkConfig(config)
  const weightsFile = join(options.peftDir, 'adapter_model.safetensors')
  if (!existsSync(weightsFile)) {
    const bin = existsSync(join(options.peftDir, 'adapter_model.bin'))
    throw new SqlstillError(
      'NOT_FOUND',
      bin
        ? `${options.peftDir} holds adapter_model.bin (a pickle, which is never loaded here: it can run code). Save it with safe_serialization=True to get adapter_model.safetensors.`
        : `${options.peftDir} has no adapter_model.safetensors.`,
      { path: weightsFile },
    )
  }
  if (!existsSync(options.base)) throw new SqlstillError('NOT_FOUND', `base model not found: ${options.base}`, { path: options.base })

  const { info } = await readCheckedGgufFile(options.base)
  const meta = info.metadata as unknown as Record<string, Record<string, unknown>>
  const arch = String(meta.general?.architecture ?? '')
  const archMeta = (meta[arch] ?? {}) as Record<string, unknown>
  const attention = (archMeta.attention ?? {}) as Record<string, unknown>
  const baseShapes = new Map<string, number[]>()
  for (const t of info.fullTensorInfo ?? info.tensorInfo ?? []) baseShapes.set(t.name, t.dimensions.map(Number))

  const { tensors } = readSafetensors(weightsFile)
  const pairs = new Map<string, { a?: { values: Float32Array; shape: number[] }; b?: { values: Float32Array; shape: number[] } }>()
  for (const t of tensors.values()) {
    const parsed = parseName(t.name)
    if (!parsed) {
      refuse(`The adapter adapts ${t.name}, which has no counterpart in a llama.cpp LoRA (only q/k/v/o and gate/up/down projections, and lm_head).`, { tensor: t.name })
    }
    if (t.shape.length !== 2) throw new SqlstillError('BAD_REQUEST', `${t.name} has shape [${t.shape.join(', ')}]; LoRA matrices are 2-D.`)
    const pair = pairs.get(parsed.tensor) ?? {}
    pair[parsed.part] = { values: t.values(), shape: t.shape }
    pairs.set(parsed.tensor, pair)
  }
  if (pairs.size === 0) throw new SqlstillError('BAD_REQUEST', `${weightsFile} holds no LoRA weights.`)

  const out: GgufTensor[] = []
  const targets: string[] = []
  const misfits: string[] = []
  for (const [tensor, { a, b }] of pairs) {
    if (!a || !b) throw new SqlstillError('BAD_REQUEST', `${tensor}: the adapter has lora_${a ? 'B' : 'A'} but not lora_${a ? 'A' : 'B'}.`)
    const w = baseShapes.get(tensor)
    // torch lora_A [r, in], lora_B [out, r]; ggml W [in, out]
    const [r, inA] = a.shape as [number, number]
    const [outB, rB] = b.shape as [number, number]
    if (!w) misfits.push(`${tensor} is not in the base model`)
    else if (r !== rB) misfits.push(`${tensor}: lora_A has rank ${r}, lora_B ${rB}`)
    else if (inA !== w[0] || outB !== w[1]) misfits.push(`${tensor}: the adapter is ${outB}×${inA}, the base ${w[1]}×${w[0]}`)
    if (misfits.length) continue
    let bValues = b.values
    const target = tensor.split('.').at(-2)!
    if (arch === 'llama' && (target === 'attn_q' || target === 'attn_k')) {
      const heads = Number(target === 'attn_q' ? attention.head_count : (attention.head_count_kv ?? attention.head_count))
      bValues = permuteRotaryRows(bValues, outB, rB, heads)
    }
    if (!targets.includes(target)) targets.push(target)
    const f32 = (values: Float32Array): GgufTensor['fill'] => (chunk, offset) => {
      Buffer.from(values.buffer, values.byteOffset, values.byteLength).copy(chunk, 0, offset, offset + chunk.length)
    }
    out.push({ name: `${tensor}.lora_a`, shape: [inA, r], type: 'F32', fill: f32(a.values) })
    out.push({ name: `${tensor}.lora_b`, shape: [rB, outB], type: 'F32', fill: f32(bValues) })
  }
  if (misfits.length) {
    throw new SqlstillError('BAD_REQUEST', `This adapter does not fit ${options.base}${config.base_model_name_or_path ? ` (it was trained on ${config.base_model_name_or_path})` : ''}: ${misfits.slice(0, 4).join('; ')}${misfits.length > 4 ? `; and ${misfits.length - 4} more` : ''}.`, { misfits })
  }

  const metadata: Record<string, GgufValue> = {
    'general.type': { type: 'string', value: 'adapter' },
    'general.architecture': { type: 'string', value: arch },
    'adapter.type': { type: 'string', value: 'lora' },
    'adapter.lora.alpha': { type: 'f32', value: alpha },
    'sqlstill.lora.rank': { type: 'u32', value: rank },
    'sqlstill.lora.targets': { type: 'string', value: targets.join(',') },
    // what the fused export checks: this adapter is for exactly this base file
    'sqlstill.base.sha256': { type: 'string', value: sha256File(options.base) },
    'sqlstill.adapter.source': { type: 'string', value: `peft:${config.base_model_name_or_path ?? 'unknown base'}` },
  }
  writeGguf(options.out, metadata, out)
  return { out: options.out, rank, alpha, targets, tensors: out.length, trainedOn: config.base_model_name_or_path ?? null }
}
