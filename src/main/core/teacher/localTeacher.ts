// A teacher that is a local GGUF (a bigger model the user downloaded), run through the same ModelEngine as the
// student and asked in the engine's prompt form: chat when the model has a chat template, plain completion otherwise.
import { SqlstillError } from '../../../shared/errors'
import type { PromptForm } from '../../../shared/models'
import { extractSql } from '../ask/extract'
import type { EngineOptions, PromptInput } from '../llm/engine'
import { ModelEngine } from '../llm/engine'
import type { TeacherPrompt } from './prompts'
import { judgePrompt, parseQuestion, parseVerdict, questionPrompt, sqlPrompt } from './prompts'
import type { Teacher, TeacherJudgeRequest, TeacherQuestionRequest, TeacherSqlRequest, TeacherVerdict } from './types'
import { checkSampleCount, DEFAULT_TEACHER_MAX_TOKENS, DEFAULT_TEACHER_SCHEMA_BUDGET, DEFAULT_TEACHER_TEMPERATURE } from './types'

export interface LocalTeacherOptions {
  /** Default temperature for SQL samples. Default 0.3. */
  temperature?: number
  /** Base seed: sample i uses seed + i, so runs repeat. Default: random sampling. */
  seed?: number
  /** 'auto' (default) follows the engine's form (its chat template, or what a fused sqlstill model was trained on). */
  promptForm?: 'auto' | PromptForm
}

/** The engine surface the teacher uses (ModelEngine satisfies it). */
export type TeacherEngine = Pick<ModelEngine, 'generate' | 'promptForm' | 'contextSize' | 'tokenCounter' | 'modelId' | 'dispose'>

const QUESTION_MAX_TOKENS = 96
const JUDGE_MAX_TOKENS = 128

export class LocalTeacher implements Teacher {
  readonly id: string
  private closed = false

  constructor(
    private readonly engine: TeacherEngine,
    private readonly options: LocalTeacherOptions & { ownsEngine?: boolean } = {},
  ) {
    this.id = `local:${engine.modelId}`
  }

  /** Loads the GGUF at `modelPath` into an engine the teacher owns (closed with the teacher). */
  static async load(modelPath: string, options: LocalTeacherOptions & { engine?: EngineOptions } = {}): Promise<LocalTeacher> {
    const engine = await ModelEngine.load(modelPath, options.engine)
    return new LocalTeacher(engine, { ...options, ownsEngine: true })
  }

  describe(): string {
    return `local GGUF teacher ${this.engine.modelId} (${this.form()} prompts, context ${this.engine.contextSize})`
  }

  async generateSql(req: TeacherSqlRequest): Promise<string[]> {
    const n = checkSampleCount(req.n)
    const maxTokens = req.maxTokens ?? DEFAULT_TEACHER_MAX_TOKENS
    const prompt = sqlPrompt(req, { countTokens: this.engine.tokenCounter, schemaBudgetTokens: this.schemaBudget(req.schemaBudgetTokens, maxTokens) })
    const temperature = req.temperature ?? this.options.temperature ?? DEFAULT_TEACHER_TEMPERATURE
    const samples: string[] = []
    for (let i = 0; i < n; i++) {
      const text = await this.run(prompt, { maxTokens, temperature, signal: req.signal, sample: i })
      samples.push(extractSql(text) ?? '')
    }
    return samples
  }

  async writeQuestion(req: TeacherQuestionRequest): Promise<string> {
    const prompt = questionPrompt(req, { countTokens: this.engine.tokenCounter, schemaBudgetTokens: this.schemaBudget(undefined, QUESTION_MAX_TOKENS) })
    const text = await this.run(prompt, { maxTokens: QUESTION_MAX_TOKENS, temperature: req.temperature ?? 0, signal: req.signal, sample: 0 })
    return parseQuestion(text)
  }

  async judge(req: TeacherJudgeRequest): Promise<TeacherVerdict> {
    const prompt = judgePrompt(req, { countTokens: this.engine.tokenCounter, schemaBudgetTokens: this.schemaBudget(undefined, JUDGE_MAX_TOKENS) })
    const text = await this.run(prompt, { maxTokens: JUDGE_MAX_TOKENS, temperature: 0, signal: req.signal, sample: 0 })
    return parseVerdict(text)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.options.ownsEngine) await this.engine.dispose()
  }

  private form(): PromptForm {
    const f = this.options.promptForm ?? 'auto'
    return f === 'auto' ? this.engine.promptForm : f
  }

  /** The schema gets what the context leaves after the reply and the instructions (about 30% of the rest). */
  private schemaBudget(requested: number | undefined, maxTokens: number): number {
    const room = Math.floor((this.engine.contextSize - maxTokens) * 0.7)
    return Math.max(32, Math.min(requested ?? DEFAULT_TEACHER_SCHEMA_BUDGET, room))
  }

  private async run(
    prompt: TeacherPrompt,
    o: { maxTokens: number; temperature: number; signal?: AbortSignal; sample: number },
  ): Promise<string> {
    if (this.closed) throw new SqlstillError('NOT_FOUND', 'The teacher has been closed')
    const chat = this.form() === 'chat'
    const input: PromptInput = chat ? { messages: prompt.messages } : prompt.completion
    const result = await this.engine.generate(input, {
      maxTokens: o.maxTokens,
      temperature: o.temperature,
      ...(this.options.seed !== undefined ? { seed: this.options.seed + o.sample } : {}),
      stop: chat ? [] : prompt.completionStops,
      ...(o.signal ? { signal: o.signal } : {}),
    })
    return result.text
  }
}
