// Training jobs in a child process: progress, falling loss, outputs and metadata, cancel with a checkpoint,
// resume after SIGKILL, and clear errors for bad input.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readCheckpoint } from '../../src/main/core/train/checkpoint'
import { resumeTraining, startTraining, type TrainProgress } from '../../src/main/core/train/job'
import { readGgufMetadata } from '../../src/main/core/train/native'
import { tempDir } from '../helpers/paths'
import { ensureNativeBuilt } from '../native/helpers/native'
import { quickConfig, storyPairs } from './helpers'

ensureNativeBuilt()

describe('startTraining', () => {
  it('reports progress, lowers the loss, and writes adapter.gguf with our metadata, metrics.jsonl and a checkpoint', async () => {
    const out = tempDir('sqlstill-train-')
    const events: TrainProgress[] = []
    const r = await startTraining(quickConfig({ evalExamples: storyPairs(2, 3), evalEvery: 10, checkpointEvery: 10 }), out, { onProgress: (p) => events.push(p) })
    expect(events[0]!.phase).toBe('tokenizing')
    const training = events.filter((e) => e.phase === 'training')
    expect(training.map((e) => e.step)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1))
    expect(events.some((e) => e.phase === 'evaluating')).toBe(true)
    expect(events.some((e) => e.phase === 'saving')).toBe(true)
    for (const e of training) {
      expect(e.totalSteps).toBe(30)
      expect(e.tokensPerSecond).toBeGreaterThan(0)
      expect(e.learningRate).toBeGreaterThan(0)
      expect(e.etaSeconds).toBeGreaterThanOrEqual(0)
    }
    // warm-up then cosine decay
    expect(training[0]!.learningRate).toBeCloseTo(5e-3)
    expect(training[1]!.learningRate).toBeCloseTo(1e-2)
    expect(training[29]!.learningRate).toBeLessThan(2e-3)
    const first = training.slice(0, 3).reduce((s, e) => s + e.loss!, 0) / 3
    const last = training.slice(-3).reduce((s, e) => s + e.loss!, 0) / 3
    expect(last).toBeLessThan(first * 0.5)
    expect(r.finalEvalLoss).not.toBeNull()
    expect(r.examples).toMatchObject({ train: 8, eval: 2, skippedTooLong: 0, truncated: 0 })

    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; loss: number })
    expect(lines.map((l) => l.step)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1))
    const meta = readGgufMetadata(r.adapterPath).metadata
    expect(meta['general.type']).toBe('adapter')
    expect(meta['sqlstill.base.sha256']).toMatch(/^[0-9a-f]{64}$/)
    expect(meta['sqlstill.prompt.form']).toBe('completion')
    expect(meta['sqlstill.dataset.sha256']).toMatch(/^[0-9a-f]{64}$/)
    expect(JSON.parse(String(meta['sqlstill.train.config']))).toMatchObject({ rank: 4, alpha: 8, trainExamples: 8 })
    expect(JSON.parse(String(meta['sqlstill.train.metrics']))).toMatchObject({ steps: 30 })
    expect(readCheckpoint(join(out, 'checkpoint')).state.step).toBe(30)
  })

  it('cancels after the current step with CANCELLED and leaves a valid checkpoint', async () => {
    const out = tempDir('sqlstill-train-')
    const ac = new AbortController()
    const err = await startTraining(quickConfig({ maxSteps: 2000 }), out, {
      signal: ac.signal,
      onProgress: (p) => {
        if (p.phase === 'training' && p.step >= 5) ac.abort()
      },
    }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'CANCELLED' })
    const ck = readCheckpoint(join(out, 'checkpoint'))
    expect(ck.state.step).toBeGreaterThanOrEqual(5)
    expect(ck.state.step).toBeLessThan(2000)
    expect(Object.keys(ck.tensors.params).length).toBe(5 * 7 * 2) // 5 layers × 7 targets × A/B
    expect(Object.keys(ck.tensors.m).length).toBe(70)
    expect(existsSync(join(out, 'adapter.gguf'))).toBe(false)
  })

  it('resumes after the child is SIGKILLed mid-run and ends where an uninterrupted run ends', async () => {
    const config = quickConfig({ maxSteps: 40, checkpointEvery: 5, kid: { alpha: 0.2 } })
    const straight = await startTraining(config, tempDir('sqlstill-train-'))

    const out = tempDir('sqlstill-train-')
    let pid = 0
    let killedAfter = 0
    const err = await startTraining(config, out, {
      onSpawn: (p) => (pid = p),
      onProgress: (p) => {
        if (p.phase === 'training' && p.step >= 17 && killedAfter === 0) {
          killedAfter = p.step
          process.kill(pid, 'SIGKILL')
        }
      },
    }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/exited unexpectedly \(SIGKILL\)/) })
    const ck = readCheckpoint(join(out, 'checkpoint'))
    expect(ck.state.step % 5).toBe(0)
    expect(ck.state.step).toBeGreaterThanOrEqual(15)

    const resumed = await resumeTraining(out)
    expect(resumed.resumedFromStep).toBe(ck.state.step)
    expect(resumed.steps).toBe(40)
    expect(Math.abs(resumed.finalLoss! - straight.finalLoss!)).toBeLessThan(0.02 + 0.02 * straight.finalLoss!)
    // the loss curve has each step once: lines logged after the checkpoint by the killed run were dropped
    const steps = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { step: number }).step)
    expect(steps).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
    console.log(`[train] resume: killed after step ${killedAfter}, resumed from ${ck.state.step}; final loss ${resumed.finalLoss} vs uninterrupted ${straight.finalLoss}`)
  })
})

describe('bad input', () => {
  it('refuses an empty dataset and a bad config before starting a process', async () => {
    await expect(startTraining(quickConfig({ examples: [] }), tempDir())).rejects.toMatchObject({ code: 'BAD_REQUEST', message: /dataset is empty/ })
    await expect(startTraining(quickConfig({ rank: 0 }), tempDir())).rejects.toMatchObject({ code: 'BAD_REQUEST', message: /rank/ })
    await expect(startTraining(quickConfig({ targets: ['attn_x' as never] }), tempDir())).rejects.toMatchObject({ code: 'BAD_REQUEST' })
  })

  it('fails clearly when every example is longer than maxLength, and counts the ones that are', async () => {
    const long = { prompt: 'Once upon a time there was a cat.', completion: ' It was very happy and it liked to play with Tim in the big green park every day. One day the cat saw a big red ball and ran to get it.' }
    await expect(startTraining(quickConfig({ examples: [long, long], maxLength: 16 }), tempDir())).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/all 2 training examples are longer than maxLength \(16 tokens\)/),
    })
    const mixed = [...storyPairs(4), long]
    const skipped = await startTraining(quickConfig({ examples: mixed, maxLength: 40, maxSteps: 2 }), tempDir())
    expect(skipped.examples).toMatchObject({ train: 4, skippedTooLong: 1, truncated: 0 })
    const cut = await startTraining(quickConfig({ examples: mixed, maxLength: 40, maxSteps: 2, overLength: 'truncate' }), tempDir())
    expect(cut.examples).toMatchObject({ train: 5, skippedTooLong: 0, truncated: 1 })
  })

  it('refuses an unsupported architecture and a missing base model', async () => {
    const dir = tempDir()
    const fake = join(dir, 'gpt2.gguf')
    writeFileSync(fake, gpt2Gguf())
    await expect(startTraining(quickConfig({ baseModel: fake }), join(dir, 'out'))).rejects.toMatchObject({ code: 'UNSUPPORTED', message: /gpt2/ })
    await expect(startTraining(quickConfig({ baseModel: join(dir, 'missing.gguf') }), join(dir, 'out2'))).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('refuses to resume a directory that holds no job', async () => {
    await expect(resumeTraining(tempDir())).rejects.toMatchObject({ code: 'NOT_FOUND', message: /no training job/ })
    expect(readdirSync(tempDir())).toEqual([])
  })
})

/** A minimal GGUF v3 declaring general.architecture = gpt2 with one tensor. */
function gpt2Gguf(): Buffer {
  const parts: Buffer[] = []
  const u32 = (n: number) => {
    const b = Buffer.alloc(4)
    b.writeUInt32LE(n)
    parts.push(b)
  }
  const u64 = (n: number) => {
    const b = Buffer.alloc(8)
    b.writeBigUInt64LE(BigInt(n))
    parts.push(b)
  }
  const str = (s: string) => {
    u64(Buffer.byteLength(s))
    parts.push(Buffer.from(s))
  }
  parts.push(Buffer.from('GGUF'))
  u32(3)
  u64(1) // tensors
  u64(1) // kv
  str('general.architecture')
  u32(8) // string
  str('gpt2')
  str('token_embd.weight')
  u32(2)
  u64(4)
  u64(4)
  u32(0) // f32
  u64(0)
  let len = parts.reduce((s, p) => s + p.length, 0)
  const pad = (32 - (len % 32)) % 32
  parts.push(Buffer.alloc(pad))
  len += pad
  parts.push(Buffer.alloc(64))
  return Buffer.concat(parts)
}
