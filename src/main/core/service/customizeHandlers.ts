// customize.* and dataset.*: "customize on my schema" runs in the background of the app process, one folder each
// under <dataDir>/customize, followed by the UI through events (stage progress, live training metrics, the end).
import { randomUUID } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { CustomizeRunSummary, CustomizeResult, RunManifest } from '../../../shared/customize'
import { historyPairs, runState, STAGES, trainedAdapterPath } from '../../../shared/customize'
import { SqlstillError, toErrorShape } from '../../../shared/errors'
import { exportDataset, listExamples, updateExample } from '../distill/dataset'
import {
  customizationStatus,
  jobTrainerWith,
  resumeCustomization,
  runCustomization,
  teacherForResume,
  type CustomizeDeps,
  type FixItPair,
  type Trainer,
  type UserPair,
} from '../distill/pipeline'
import { CUSTOMIZE_RUNS_DIR } from '../distill/pipeline/runDir'
import { estimateTraining } from '../distill/pipeline/trainEstimate'
import { userExamples } from '../ask/promptPolicy'
import type { Teacher } from '../teacher'
import type { ServiceContext } from './context'
import { readCustomizeReport } from './customizeReport'
import type { ApiHandlers } from './dispatch'
import type { TeacherHandlers } from './teacherHandlers'

type CustomizeMethods = Extract<keyof ApiHandlers, `customize.${string}` | `dataset.${string}`>

interface ActiveRun {
  runId: string
  outDir: string
  controller: AbortController
  finished: Promise<void>
}

/** A folder-name-safe, readable stamp: 2026-11-24T13-05-09-123Z. */
function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-')
}

function safeName(name: string): string {
  return name.replace(/\.[^.]+$/, '').replace(/[^\w.-]+/g, '_').slice(0, 60) || 'database'
}

export class CustomizeHandlers {
  readonly handlers: Pick<ApiHandlers, CustomizeMethods>
  private readonly runs = new Map<string, ActiveRun>()

  constructor(
    private readonly ctx: ServiceContext,
    private readonly teachers: TeacherHandlers,
  ) {
    this.handlers = {
      'customize.start': async (req) => {
        const db = this.ctx.handle(req.dbId)
        const model = this.ctx.student.currentModel()
        if (!model) throw new SqlstillError('BAD_REQUEST', 'Load a student model first: customization fine-tunes the loaded model.')
        const history = req.useHistory ? this.fromHistory(db.path) : { addRef: [], fixIt: [] }
        const teacherConfig = req.teacher === 'configured' ? this.teachers.requireConfig() : undefined
        const teacher: Teacher | 'synth' = teacherConfig ? await this.teachers.create(teacherConfig) : 'synth'
        const outDir = join(this.ctx.dataDir, CUSTOMIZE_RUNS_DIR, `${safeName(db.name)}-${stamp()}`)
        const train = {
          epochs: req.epochs,
          maxSteps: req.maxSteps,
          ...(req.kid ? { kid: req.kid } : {}),
          planTargets: req.planTargets,
          maxLength: req.maxLength,
          // training runs where inference does
          backend: this.ctx.settings.backend,
        }
        return this.launch(outDir, teacher, (deps) =>
          runCustomization(
            {
              dbPath: db.path,
              outDir,
              teacher,
              ...(teacherConfig ? { teacherConfig } : {}),
              studentModel: model.path,
              rules: req.rules,
              addRef: [...(req.addRef ?? []), ...history.addRef],
              fixIt: history.fixIt,
              promptExamples: req.useHistory ? userExamples(this.ctx.student.history, db.path) : [],
              n: req.n,
              k: req.k,
              evalFraction: req.evalFraction,
              seed: req.seed,
              train,
            },
            deps,
          ),
        )
      },
      'customize.cancel': async ({ runId }) => {
        const run = this.runs.get(runId)
        if (!run || run.controller.signal.aborted) return { cancelled: false }
        run.controller.abort()
        return { cancelled: true }
      },
      'customize.resume': async ({ outDir: given }) => {
        const outDir = resolve(given)
        if (this.runningIn(outDir)) throw new SqlstillError('BAD_REQUEST', 'This run is already running.', { outDir })
        const teacher = await teacherForResume(customizationStatus(outDir), (config) => this.teachers.create(config))
        return this.launch(outDir, teacher, (deps) => resumeCustomization(outDir, { ...deps, ...(teacher !== 'synth' ? { teacher } : {}) }))
      },
      'customize.status': async ({ outDir }) => customizationStatus(outDir),
      'customize.list': async ({ dbId }) => {
        const dbPath = this.ctx.handle(dbId).path
        return this.summaries().filter((s) => s.dbPath === dbPath)
      },
      'customize.report': async ({ outDir }) => readCustomizeReport(outDir),
      'customize.estimate': async ({ examples, epochs, maxSteps }) => {
        const model = this.ctx.student.currentModel()
        if (!model) throw new SqlstillError('BAD_REQUEST', 'Load a student model first: the estimate is for training the loaded model.')
        return estimateTraining({ dataDir: this.ctx.dataDir, studentPath: model.path, examples, epochs, maxSteps })
      },
      'dataset.list': async ({ outDir, split, offset, limit, search }) => listExamples(resolve(outDir), split, { offset, limit, search }),
      'dataset.update': async ({ outDir, id, question, sql, excluded }) => {
        if (this.runningIn(resolve(outDir))) {
          throw new SqlstillError('BAD_REQUEST', 'The run is still going; cancel it before editing its dataset (a resume retrains).')
        }
        return updateExample(resolve(outDir), id, { question, sql, excluded })
      },
      'dataset.export': async ({ outDir, format, split, out, recipe }) =>
        exportDataset({ runDir: resolve(outDir), format, split, out: resolve(out), ...(recipe ? { recipe: resolve(recipe) } : {}) }),
    }
  }

  /** Stops every run (their folders keep checkpoints; a resume continues) and waits for them to settle. */
  async dispose(): Promise<void> {
    for (const run of this.runs.values()) run.controller.abort()
    await Promise.allSettled([...this.runs.values()].map((r) => r.finished))
  }

  private runningIn(outDir: string): ActiveRun | undefined {
    return [...this.runs.values()].find((r) => r.outDir === outDir)
  }

  /**
   * Runs in the background; resolves once the run has begun its first stage, so a run that cannot start at all (bad
   * settings, a missing database) fails this call instead of only the `customize.finished` event.
   */
  private async launch(
    outDir: string,
    teacher: Teacher | 'synth',
    run: (deps: CustomizeDeps) => Promise<CustomizeResult>,
  ): Promise<{ runId: string; outDir: string }> {
    const runId = randomUUID()
    const controller = new AbortController()
    const { events } = this.ctx
    let markStarted: () => void = () => undefined
    const started = new Promise<void>((r) => (markStarted = r))
    const deps: CustomizeDeps = {
      signal: controller.signal,
      trainer: this.trainer(runId),
      onProgress: (p) => {
        markStarted()
        let counts
        if (p.message === 'done') {
          try {
            const record = customizationStatus(outDir).stages[p.stage]
            counts = { in: record.in, out: record.out, ...(record.dropped ? { dropped: record.dropped } : {}) }
          } catch {
            // The manifest is only a nicety here; progress goes on without counts.
          }
        }
        events.emit('customize.progress', { ...p, runId, outDir, ...(counts ? { counts } : {}) })
      },
      activate: async (adapterPath) => {
        // Only onto the model the run customized: the user may have switched students meanwhile.
        const studentModel = customizationStatus(outDir).settings.studentModel
        if (this.ctx.student.currentModel()?.path !== studentModel) return
        await this.ctx.student.setAdapter({ path: adapterPath })
        events.emit('model.changed', this.ctx.student.currentModel())
      },
    }
    const outcome = run(deps)
    const finished = outcome
      .then((result) => events.emit('customize.finished', { runId, outDir, result }))
      .catch((err: unknown) => {
        const { code, message } = toErrorShape(err)
        events.emit('customize.finished', { runId, outDir, error: { code, message } })
      })
      .finally(async () => {
        this.runs.delete(runId)
        if (teacher !== 'synth') await teacher.close().catch(() => undefined)
      })
    this.runs.set(runId, { runId, outDir: resolve(outDir), controller, finished })
    let didStart = false
    await Promise.race([started.then(() => (didStart = true)), finished])
    if (!didStart) await outcome // rethrows why it could not start
    return { runId, outDir: resolve(outDir) }
  }

  /** The app's trainer (train/job.ts), forwarding every metric as `train.progress` for the live loss chart. */
  private trainer(runId: string): Trainer {
    return jobTrainerWith((p, trainDir) => this.ctx.events.emit('train.progress', { ...p, runId, outDir: trainDir }))
  }

  /** The user's verdicts as training pairs: right answers as references, corrections as FixIt pairs. */
  private fromHistory(dbPath: string): { addRef: UserPair[]; fixIt: FixItPair[] } {
    return historyPairs(this.ctx.student.history.list(dbPath))
  }

  private summaries(): CustomizeRunSummary[] {
    const root = join(this.ctx.dataDir, CUSTOMIZE_RUNS_DIR)
    if (!existsSync(root)) return []
    const out: CustomizeRunSummary[] = []
    for (const entry of readdirSync(root, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue
      const outDir = join(root, entry.name)
      let manifest: RunManifest
      try {
        manifest = customizationStatus(outDir)
      } catch {
        continue // a folder without a (readable) run.json is not a run
      }
      const active = this.runningIn(outDir)
      const current = STAGES.find((s) => manifest.stages[s].status !== 'done') ?? null
      out.push({
        outDir,
        runId: active?.runId ?? null,
        state: runState(manifest, Boolean(active)),
        createdAt: manifest.createdAt,
        updatedAt: manifest.updatedAt,
        teacherId: manifest.teacherId,
        dbPath: manifest.settings.dbPath,
        studentModel: manifest.settings.studentModel,
        currentStage: current,
        adapterPath: trainedAdapterPath(manifest),
      })
    }
    return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt))
  }
}
