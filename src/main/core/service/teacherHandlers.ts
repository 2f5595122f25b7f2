// teacher.* and compare.*: the configured teacher (plain config in the store, the API key in the shell's secret
// store), a connection check, the teacher's answer to one question, and result comparison for the UI's diff.
import { join } from 'node:path'
import { SqlstillError, toErrorShape } from '../../../shared/errors'
import type { CompareSide, TeacherConfig } from '../../../shared/teacher'
import { TEACHER_API_KEY_ENV } from '../../../shared/teacher'
import { validateSql } from '../ask/validate'
import { createTeacher, DEFAULT_SECRET_NAME, OpenAiTeacher, type Teacher } from '../teacher'
import { compareSides } from './compareResults'
import type { ServiceContext } from './context'
import type { ApiHandlers } from './dispatch'

export const TEACHER_KEY = 'teacher'

type TeacherMethods = Extract<keyof ApiHandlers, `teacher.${string}` | `compare.${string}`>

export class TeacherHandlers {
  readonly handlers: Pick<ApiHandlers, TeacherMethods>
  /** The configured teacher, created on first use and kept (a local teacher is a loaded model). */
  private cached: { key: string; teacher: Promise<Teacher> } | null = null

  constructor(private readonly ctx: ServiceContext) {
    this.handlers = {
      'teacher.get': async () => this.config(),
      'teacher.configure': async ({ config }) => {
        await this.forget()
        this.ctx.store.set(TEACHER_KEY, config)
        this.ctx.events.emit('teacher.changed', config)
        return config
      },
      'teacher.setApiKey': async ({ key }) => {
        const secrets = this.ctx.secretStore
        if (!secrets) {
          throw new SqlstillError(
            'UNSUPPORTED',
            `This shell cannot keep secrets. Set the ${TEACHER_API_KEY_ENV} environment variable before starting sqlstill instead.`,
          )
        }
        await secrets.set(DEFAULT_SECRET_NAME, key)
        // A cached HTTP teacher read the old key once; the next use must read the new one.
        await this.forget()
        return { saved: true }
      },
      'teacher.test': async () => {
        try {
          const config = this.requireConfig()
          if (config.kind === 'openai') {
            const teacher = new OpenAiTeacher({ ...config, retries: 0, secretStore: this.ctx.secretStore })
            const models = await teacher.listModels()
            await teacher.close()
            const listed = models.includes(config.model) ? `offers ${config.model}` : `does not list ${config.model}`
            return { ok: true, models, message: `Connected to ${config.baseUrl}: it ${listed} (${models.length} model(s)).` }
          }
          const teacher = await this.teacher()
          return { ok: true, message: `Loaded ${teacher.describe()}.` }
        } catch (err) {
          return { ok: false, message: toErrorShape(err).message }
        }
      },
      'teacher.ask': async ({ dbId, question, rules }) => {
        const db = this.ctx.handle(dbId)
        const teacher = await this.teacher()
        const started = Date.now()
        const schema = await db.schema()
        const [sql] = await teacher.generateSql({ schema, question, rules, n: 1, temperature: 0 })
        const settings = this.ctx.settings
        const validation = await validateSql(db, sql || null, { timeoutMs: settings.queryTimeoutMs, maxRows: settings.rowCap })
        return {
          teacherId: teacher.id,
          question,
          sql: sql || null,
          validation: validation.class,
          ...(validation.error ? { error: validation.error } : {}),
          result: validation.result ?? null,
          totalMs: Date.now() - started,
        }
      },
      'compare.results': async ({ dbId, a, b }) => {
        const db = this.ctx.handle(dbId)
        const settings = this.ctx.settings
        const run = async (sql: string): Promise<CompareSide> => {
          const v = await validateSql(db, sql, { timeoutMs: settings.queryTimeoutMs, maxRows: settings.rowCap })
          return v.result ? { ok: true, result: v.result } : { ok: false, error: v.error ?? { code: 'SQL_ERROR', message: 'The query gave no result.' } }
        }
        return compareSides(a, await run(a), await run(b))
      },
    }
  }

  config(): TeacherConfig | null {
    return this.ctx.store.get<TeacherConfig>(TEACHER_KEY) ?? null
  }

  requireConfig(): TeacherConfig {
    const config = this.config()
    if (!config) throw new SqlstillError('BAD_REQUEST', 'No teacher is configured yet; configure one first (the Teacher button in the top bar, or teacher.configure).')
    return config
  }

  /** The configured teacher, shared by teacher.ask and teacher.test. */
  teacher(): Promise<Teacher> {
    const config = this.requireConfig()
    const key = JSON.stringify(config)
    if (this.cached?.key !== key) {
      void this.forget()
      const teacher = this.create(config)
      teacher.catch(() => {
        if (this.cached?.teacher === teacher) this.cached = null
      })
      this.cached = { key, teacher }
    }
    return this.cached.teacher
  }

  /** A teacher of its own for a long run (closed by the caller when the run ends). */
  create(config: TeacherConfig = this.requireConfig()): Promise<Teacher> {
    return createTeacher(config, { cacheDir: join(this.ctx.dataDir, 'teacher-cache'), secretStore: this.ctx.secretStore })
  }

  async forget(): Promise<void> {
    const cached = this.cached
    this.cached = null
    if (cached) await cached.teacher.then((t) => t.close()).catch(() => undefined)
  }
}
