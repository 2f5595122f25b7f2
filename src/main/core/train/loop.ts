// The training loop proper, run inside the native host (hosts/native/host.ts, a child process): tokenize, train with a schedule, evaluate,
// stop early, checkpoint, cancel, resume, and write the adapter with its metadata. Deterministic for a given seed
// and thread count: the data order and KID draws are functions of (seed, epoch/step), and a checkpoint holds the
// optimizer state, so a resumed run continues the same trajectory.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SqlstillError } from '../../../shared/errors'
import { writeFileAtomic } from '../platform/atomicFile'
import { ADAPTER_FILE, JOB_FILE, METRICS_FILE } from './files'
import { sha256File } from './fileHash'
import { hasCheckpoint, readCheckpoint, writeCheckpoint, type CheckpointState } from './checkpoint'
import { describeConfig, parseTrainConfig, promptFormOf, type TrainConfig, type TrainConfigInput } from './config'
import { datasetHash, epochBatches, kidCorrupt, kidPositions, mixSeed, requireUsable, rng, tokenizeExamples, type TokenizedExample } from './data'
import { readGgufMetadata, type StepResult, type TrainExample } from './native'
import type { TrainProgress, TrainResult } from '../hosts/native/protocol'
import { learningRateAt } from './schedule'
import { withTokenizer } from './tokenizer'
import { LoraTrainer } from './trainer'
import { ThreadGovernor } from './cpuShare'
import { prepareTrainBackend } from './devices'
import { availableParallelism } from 'node:os'

export interface LoopHooks {
  progress(p: TrainProgress): void
  checkpointed?(step: number, dir: string): void
  /** True once a cancel was asked for; checked between steps. */
  cancelRequested(): boolean
}

function contextLength(modelPath: string): number {
  const meta = readGgufMetadata(modelPath)
  const v = meta.metadata[`${meta.architecture}.context_length`]
  return typeof v === 'number' && v > 0 ? v : Number.MAX_SAFE_INTEGER
}

/** Keeps metrics.jsonl lines up to `step` (a killed run may have logged steps after its last checkpoint). */
function truncateMetrics(path: string, step: number): void {
  if (!existsSync(path)) return
  const kept = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => {
      if (!line.trim()) return false
      try {
        return (JSON.parse(line) as { step: number }).step <= step
      } catch {
        return false // a line cut short by the kill
      }
    })
  writeFileAtomic(path, kept.map((l) => l + '\n').join(''))
}

export async function runTrainingJob(
  request: { outDir: string; config?: TrainConfigInput; resume?: { threads?: number } },
  hooks: LoopHooks,
): Promise<TrainResult> {
  const started = Date.now()
  const outDir = request.outDir
  mkdirSync(outDir, { recursive: true })
  const jobPath = join(outDir, JOB_FILE)
  let config: TrainConfig
  if (request.resume) {
    if (!existsSync(jobPath)) throw new SqlstillError('NOT_FOUND', `${outDir} holds no training job to resume (no ${JOB_FILE})`)
    config = parseTrainConfig(JSON.parse(readFileSync(jobPath, 'utf8')))
    if (request.resume.threads !== undefined) config = { ...config, threads: request.resume.threads }
  } else {
    config = parseTrainConfig(request.config)
  }
  const checkpointDir = config.checkpointDir ?? join(outDir, 'checkpoint')
  const metricsPath = join(outDir, METRICS_FILE)
  const adapterPath = join(outDir, ADAPTER_FILE)
  if (!existsSync(config.baseModel)) throw new SqlstillError('NOT_FOUND', `base model not found: ${config.baseModel}`)

  let lr = config.learningRate
  // threads: as asked, or the cores other processes leave free (re-measured before every step)
  const maxThreads = config.threads > 0 ? config.threads : availableParallelism()
  const governor = config.threads > 0 ? null : new ThreadGovernor(maxThreads)
  const rates = { tokensPerSecond: 0, examplesPerSecond: 0, completionTokensPerSecond: 0, computedTokensPerSecond: 0 }
  const peakRss = () => process.resourceUsage().maxRSS * 1024
  let device: TrainProgress['device']
  let threads = maxThreads
  const emit = (p: Pick<TrainProgress, 'phase' | 'step' | 'totalSteps' | 'epoch' | 'loss' | 'etaSeconds'> & Partial<TrainProgress>) =>
    hooks.progress({ ...rates, learningRate: lr, threads, peakRssBytes: peakRss(), ...(device ? { device } : {}), ...p })
  emit({ phase: 'tokenizing', step: 0, totalSteps: 0, epoch: 0, loss: null, etaSeconds: null })

  const maxLength = Math.min(config.maxLength, contextLength(config.baseModel))
  // Creating the trainer first refuses unsupported architectures before any tokenizing work.
  const trainer = LoraTrainer.create({
    modelPath: config.baseModel,
    rank: config.rank,
    alpha: config.alpha,
    targets: config.targets,
    lr: config.learningRate,
    seed: config.seed,
    threads: maxThreads,
    maxLength,
    packing: config.packing,
    packLength: config.packLength,
    backend: prepareTrainBackend(config.backend),
    transposedType: config.transposedType,
    weightDecay: config.weightDecay,
    gradClip: config.gradClip,
  })
  const info = trainer.deviceInfo()
  device = { backend: info.backend, name: info.name, description: info.description }
  try {
    const tokOpts = { maxLength, overLength: config.overLength, appendEos: config.appendEos }
    const { train, evalSet } = await withTokenizer(config.baseModel, (tok) => ({
      train: tokenizeExamples(config.examples, tok, tokOpts),
      evalSet: tokenizeExamples(config.evalExamples, tok, tokOpts),
    }))
    requireUsable(train, config.examples.length, maxLength)
    // what will and will not be trained on, before the first step
    emit({
      phase: 'tokenizing',
      step: 0,
      totalSteps: 0,
      epoch: 0,
      loss: null,
      etaSeconds: null,
      examples: { train: train.examples.length, skippedTooLong: train.skippedTooLong, truncated: train.truncated, skippedEmpty: train.skippedEmpty, maxLength },
    })
    const baseSha256 = sha256File(config.baseModel)
    const dataHash = datasetHash(config.examples)
    if (!request.resume) {
      writeFileAtomic(jobPath, JSON.stringify(config))
      writeFileSync(metricsPath, '')
    }

    const examples = train.examples
    const stepBatch = config.batchSize * config.gradAccumulation
    const stepsPerEpoch = Math.ceil(examples.length / stepBatch)
    const totalSteps = Math.min(config.maxSteps ?? Number.MAX_SAFE_INTEGER, config.epochs * stepsPerEpoch)
    const tensorNames = trainer.info().tensorNames

    let state: CheckpointState = {
      step: 0,
      epoch: 0,
      batchInEpoch: 0,
      bestEvalLoss: null,
      evalsWithoutImprovement: 0,
      lastLoss: null,
      elapsedSeconds: 0,
    }
    let best: Record<string, Float32Array> | undefined
    let resumedFromStep: number | null = null
    if (request.resume && hasCheckpoint(checkpointDir)) {
      const ck = readCheckpoint(checkpointDir)
      for (const name of tensorNames) {
        const p = ck.tensors.params[name]
        const m = ck.tensors.m[name]
        const v = ck.tensors.v[name]
        if (!p || !m || !v) throw new SqlstillError('INTERNAL', `checkpoint lacks ${name}; it does not belong to this job`)
        trainer.setTensor(name, p)
        trainer.setMoments(name, m, v)
      }
      trainer.setSteps(ck.state.step)
      state = ck.state
      best = ck.tensors.best
      resumedFromStep = ck.state.step
      truncateMetrics(metricsPath, ck.state.step)
    } else if (request.resume) {
      writeFileSync(metricsPath, '') // killed before its first checkpoint: start over
    }

    const segmentStart = Date.now()
    let lastCheckpointAt = Date.now()
    const snapshot = (): Record<string, Float32Array> => Object.fromEntries(tensorNames.map((n) => [n, trainer.getTensor(n)]))
    const saveCheckpoint = () => {
      emit({ phase: 'saving', step: state.step, totalSteps, epoch: state.epoch, loss: state.lastLoss, etaSeconds: null })
      const params = snapshot()
      const m: Record<string, Float32Array> = {}
      const v: Record<string, Float32Array> = {}
      for (const n of tensorNames) ({ m: m[n], v: v[n] } = trainer.getMoments(n))
      const elapsed = state.elapsedSeconds + (Date.now() - segmentStart) / 1000
      writeCheckpoint(checkpointDir, { ...state, elapsedSeconds: elapsed }, { params, m, v, ...(best ? { best } : {}) })
      lastCheckpointAt = Date.now()
      hooks.checkpointed?.(state.step, checkpointDir)
    }
    // The native compute stops mid-step (CANCELLED) when the parent process went away; the weights are still those
    // of the last finished step, so checkpoint them before giving up.
    const cancelledAt = (err: unknown): never => {
      if (err instanceof SqlstillError && err.code === 'CANCELLED') {
        saveCheckpoint()
        throw new SqlstillError('CANCELLED', `training stopped after step ${state.step} (${err.message}); resume from ${checkpointDir}`, {
          step: state.step,
          checkpointDir,
        })
      }
      throw err
    }

    const evaluate = (): number | null => {
      if (evalSet.examples.length === 0) return null
      emit({ phase: 'evaluating', step: state.step, totalSteps, epoch: state.epoch, loss: state.lastLoss, etaSeconds: null })
      let sum = 0
      let tokens = 0
      for (let i = 0; i < evalSet.examples.length; i += config.batchSize) {
        const batch = evalSet.examples.slice(i, i + config.batchSize)
        const r = trainer.evalLoss(batch.map((e) => ({ tokens: e.tokens, completionStart: e.completionStart })))
        sum += r.loss * r.tokens
        tokens += r.tokens
      }
      return sum / tokens
    }

    let stepSecondsAvg = 0
    let stoppedEarly = false
    let lastEval: number | null = null
    let kidReplaced = 0
    let kidDiffering = 0
    let kidPositionsTotal = 0
    let tokensTotal = 0
    let computedTotal = 0
    let completionTotal = 0
    let examplesTotal = 0
    let epochCache: { epoch: number; batches: number[][] } | undefined
    const batchesOf = (epoch: number) => {
      if (epochCache?.epoch !== epoch) epochCache = { epoch, batches: epochBatches(examples, stepBatch, config.seed, epoch) }
      return epochCache.batches
    }
    const toNative = (ex: TokenizedExample): TrainExample => ({ tokens: ex.tokens, completionStart: ex.completionStart })
    // KID: the student's own argmax where the loss is, for the whole batch in one packed pass
    const withKid = (batch: TokenizedExample[]): TrainExample[] => {
      if (!config.kid || config.kid.alpha === 0) return batch.map(toNative)
      const predicted = trainer.predictCompletions(batch.map(toNative))
      return batch.map((ex, i) => {
        const k = kidCorrupt(ex, predicted[i]!, config.kid!.alpha, rng(mixSeed(config.seed, state.step, i, 0x4b1d)))
        kidReplaced += k.replaced
        kidDiffering += k.differing
        kidPositionsTotal += kidPositions(ex)
        return { tokens: k.tokens, labels: k.labels, completionStart: k.completionStart }
      })
    }
    const track = (r: StepResult, seconds: number, examples: number) => {
      const ema = (old: number, now: number) => (old === 0 ? now : 0.8 * old + 0.2 * now)
      rates.tokensPerSecond = ema(rates.tokensPerSecond, r.exampleTokens / seconds)
      rates.examplesPerSecond = ema(rates.examplesPerSecond, examples / seconds)
      rates.completionTokensPerSecond = ema(rates.completionTokensPerSecond, r.tokens / seconds)
      rates.computedTokensPerSecond = ema(rates.computedTokensPerSecond, r.computedTokens / seconds)
    }

    while (state.step < totalSteps && !stoppedEarly) {
      const batches = batchesOf(state.epoch)
      if (state.batchInEpoch >= batches.length) {
        state = { ...state, epoch: state.epoch + 1, batchInEpoch: 0 }
        continue
      }
      const t0 = Date.now()
      lr = learningRateAt(state.step, { learningRate: config.learningRate, warmupSteps: config.warmupSteps, totalSteps, minLrRatio: config.minLrRatio })
      trainer.setLearningRate(lr)
      if (governor && governor.next() !== threads) trainer.setThreads((threads = governor.threads))
      let r: StepResult
      let batchSize = 0
      try {
        const batch = withKid(batches[state.batchInEpoch]!.map((idx) => examples[idx]!))
        batchSize = batch.length
        r = trainer.trainStep(batch)
      } catch (err) {
        cancelledAt(err)
      }
      tokensTotal += r!.exampleTokens
      computedTotal += r!.computedTokens
      completionTotal += r!.tokens
      examplesTotal += batchSize
      const seconds = Math.max(1e-6, (Date.now() - t0) / 1000)
      stepSecondsAvg = stepSecondsAvg === 0 ? seconds : 0.8 * stepSecondsAvg + 0.2 * seconds
      track(r!, seconds, batchSize)
      state = { ...state, step: state.step + 1, batchInEpoch: state.batchInEpoch + 1, lastLoss: r!.loss }

      let evalLoss: number | undefined
      if (config.evalEvery > 0 && state.step % config.evalEvery === 0 && state.step < totalSteps) {
        let e: number | null = null
        try {
          e = evaluate()
        } catch (err) {
          cancelledAt(err)
        }
        if (e !== null) {
          evalLoss = lastEval = e
          if (state.bestEvalLoss === null || e < state.bestEvalLoss - 1e-6) {
            state = { ...state, bestEvalLoss: e, evalsWithoutImprovement: 0 }
            if (config.earlyStoppingPatience > 0) best = snapshot()
          } else {
            state = { ...state, evalsWithoutImprovement: state.evalsWithoutImprovement + 1 }
            if (config.earlyStoppingPatience > 0 && state.evalsWithoutImprovement >= config.earlyStoppingPatience) stoppedEarly = true
          }
        }
      }
      appendFileSync(
        metricsPath,
        JSON.stringify({
          step: state.step,
          epoch: state.epoch,
          loss: r!.loss,
          gradNorm: r!.gradNorm,
          lr,
          tokens: r!.exampleTokens,
          computedTokens: r!.computedTokens,
          completionTokens: r!.tokens,
          examples: batchSize,
          threads,
          seconds,
          ...(evalLoss !== undefined ? { evalLoss } : {}),
        }) + '\n',
      )
      emit({
        phase: 'training',
        step: state.step,
        totalSteps,
        epoch: state.epoch,
        loss: r!.loss,
        ...(evalLoss !== undefined ? { evalLoss } : {}),
        etaSeconds: stepSecondsAvg * (totalSteps - state.step),
      })
      const dueBySteps = config.checkpointEvery > 0 && state.step % config.checkpointEvery === 0
      const dueByTime = config.checkpointSeconds > 0 && Date.now() - lastCheckpointAt >= config.checkpointSeconds * 1000
      if ((dueBySteps || dueByTime) && state.step < totalSteps) saveCheckpoint()
      // let the cancel message in: the step itself is synchronous native work
      await new Promise<void>((resolve) => setImmediate(resolve))
      if (hooks.cancelRequested()) {
        saveCheckpoint()
        throw new SqlstillError('CANCELLED', `training cancelled after step ${state.step}; resume from ${checkpointDir}`, {
          step: state.step,
          checkpointDir,
        })
      }
    }

    let finalEval: number | null = null
    try {
      finalEval = evaluate()
    } catch (err) {
      cancelledAt(err)
    }
    if (finalEval !== null) {
      lastEval = finalEval
      if (state.bestEvalLoss === null || finalEval < state.bestEvalLoss) {
        state = { ...state, bestEvalLoss: finalEval }
        best = undefined // the final weights are the best
      }
    }
    if (config.earlyStoppingPatience > 0 && best) for (const [n, values] of Object.entries(best)) trainer.setTensor(n, values)

    const trainedSeconds = Math.max(1e-6, (Date.now() - segmentStart) / 1000)
    emit({ phase: 'saving', step: state.step, totalSteps, epoch: state.epoch, loss: state.lastLoss, etaSeconds: 0 })
    const seconds = state.elapsedSeconds + (Date.now() - segmentStart) / 1000
    const metrics = { steps: state.step, finalLoss: state.lastLoss, finalEvalLoss: lastEval, bestEvalLoss: state.bestEvalLoss, stoppedEarly, seconds }
    trainer.saveAdapter(adapterPath, {
      'base.sha256': baseSha256,
      'base.file': config.baseModel.split(/[\\/]/).pop() ?? '',
      'dataset.sha256': dataHash,
      'train.config': JSON.stringify(describeConfig(config)),
      'train.metrics': JSON.stringify(metrics),
      // The form the examples were in (plain text, or chat messages through the model's template): the engine asks
      // with this adapter in that form.
      'prompt.form': promptFormOf(config),
      ...(config.promptRules?.trim() ? { 'prompt.rules': config.promptRules } : {}),
      // which dialect the adapter learned to write: an adapter trained on one engine's SQL is not for another's
      ...(config.promptDialect ? { 'prompt.dialect': config.promptDialect } : {}),
      'train.device': JSON.stringify({ ...device, threads }),
    })
    saveCheckpoint()
    const result: TrainResult = {
      outDir,
      adapterPath,
      metricsPath,
      steps: state.step,
      totalSteps,
      epochs: Math.min(config.epochs, Math.ceil(state.step / stepsPerEpoch)),
      finalLoss: state.lastLoss,
      finalEvalLoss: lastEval,
      bestEvalLoss: state.bestEvalLoss,
      stoppedEarly,
      resumedFromStep,
      examples: {
        train: examples.length,
        eval: evalSet.examples.length,
        skippedTooLong: train.skippedTooLong,
        truncated: train.truncated,
        skippedEmpty: train.skippedEmpty,
        evalSkipped: evalSet.skippedTooLong + evalSet.skippedEmpty,
      },
      kid: config.kid && kidPositionsTotal > 0 ? { replacedFraction: kidReplaced / kidPositionsTotal, differingFraction: kidDiffering / kidPositionsTotal } : null,
      trainableParams: trainer.info().trainableParams,
      seconds: (Date.now() - started) / 1000,
      tokensPerSecond: tokensTotal / trainedSeconds,
      examplesPerSecond: examplesTotal / trainedSeconds,
      completionTokensPerSecond: completionTotal / trainedSeconds,
      computedTokensPerSecond: computedTotal / trainedSeconds,
      tokens: { examples: tokensTotal, computed: computedTotal, completion: completionTotal },
      peakRssBytes: peakRss(),
      device: { ...device, threads },
    }
    writeFileAtomic(join(outDir, 'result.json'), JSON.stringify(result, null, 2))
    return result
  } finally {
    trainer.dispose()
  }
}
