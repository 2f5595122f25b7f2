// The pipeline with an LLM-style teacher, played by a scripted test double (ScriptedTeacher) that implements the
// Teacher interface: it is inconsistent (one wrong sample of three), sometimes throws, hangs past the time limit
// or answers garbage, and its jury sometimes says nothing readable. The run must go on and count each case.
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readSplit } from '../../src/main/core/distill/dataset'
import { readManifest, runCustomization, type Trainer, type TrainerInput } from '../../src/main/core/distill/pipeline'
import type { Teacher, TeacherJudgeRequest, TeacherQuestionRequest, TeacherSqlRequest, TeacherVerdict } from '../../src/main/core/teacher/types'
import { expectCountsReconcile } from '../helpers/reconcile'
import { spiderDb, tempDir } from '../helpers/paths'
import { noStudentProfile } from '../helpers/student'

/** Test double for the student's tokenizer: none is loaded, so prompts are not fitted to a context (as for `ask` with a generator that has no tokenizer). */


const WRONG_SAMPLE = 'SELECT 12345'

/** Test double: a teacher whose behaviour per question is scripted by the question's position. */
class ScriptedTeacher implements Teacher {
  readonly id = 'scripted:inconsistent-and-flaky'
  private readonly sqlByQuestion = new Map<string, string>()
  private sqlCalls = 0
  private judgeCalls = 0
  readonly behaviour = { threw: 0, hung: 0, garbage: 0, unparseable: 0, disagreed: 0 }
  describe(): string {
    return 'scripted test teacher'
  }
  async writeQuestion(req: TeacherQuestionRequest): Promise<string> {
    const question = `Teacher question ${this.sqlByQuestion.size}: ${req.plan ?? req.sql}`
    this.sqlByQuestion.set(question, req.sql)
    return question
  }
  async generateSql(req: TeacherSqlRequest): Promise<string[]> {
    const call = this.sqlCalls++
    if (call % 9 === 4) {
      this.behaviour.threw++
      throw new Error('teacher crashed')
    }
    if (call % 9 === 6) {
      this.behaviour.hung++
      return new Promise<string[]>(() => undefined) // never answers
    }
    if (call % 9 === 7) {
      this.behaviour.garbage++
      return ['', 'I am not sure what you mean', '']
    }
    const right = this.sqlByQuestion.get(req.question) ?? req.examples?.find((e) => e.question === req.question)?.sql
    if (!right) return ['SELECT name FROM singer', WRONG_SAMPLE, 'SELECT name FROM singer'].slice(0, req.n)
    // The wrong sample comes first: a pipeline that took the first sample would keep it.
    return [WRONG_SAMPLE, right, right].slice(0, req.n)
  }
  async judge(_req: TeacherJudgeRequest): Promise<TeacherVerdict> {
    const call = this.judgeCalls++
    if (call % 5 === 3) {
      this.behaviour.unparseable++
      return { agrees: false, reason: 'unparseable', parsed: false }
    }
    if (call % 11 === 10) {
      this.behaviour.disagreed++
      return { agrees: false, reason: 'wrong column', parsed: true }
    }
    return { agrees: true, reason: 'looks right', parsed: true }
  }
  async close(): Promise<void> {}
}

let dir: string
let teacher: ScriptedTeacher
const calls: TrainerInput[] = []
const trainer: Trainer = async (config, outDir) => {
  calls.push(config)
  return { adapterPath: `${outDir}/adapter.gguf` }
}

beforeAll(async () => {
  dir = tempDir('sqlstill-customize-teacher-')
  teacher = new ScriptedTeacher()
  await runCustomization(
    {
      dbPath: spiderDb('concert_singer'),
      outDir: dir,
      teacher,
      studentModel: '/models/student.gguf',
      addRef: [
        { question: 'How many concerts are there?', sql: 'SELECT count(*) FROM concert' },
        { question: 'A reference pair that does not run', sql: 'SELECT no_such_column FROM concert' },
      ],
      n: 14,
      k: 3,
      evalFraction: 0.2,
      seed: 3,
      teacherTimeoutMs: 300,
    },
    { trainer, skipEvaluate: true, studentProfile: noStudentProfile },
  )
}, 120_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('customization with a flaky, inconsistent LLM teacher (scripted double)', () => {
  it('every stage count reconciles: in = out + each rejection and drop reason', () => {
    expectCountsReconcile(readManifest(dir))
  })

  it('rejects reference pairs whose SQL does not run, and counts them', () => {
    const info = readManifest(dir).stages.info
    expect(info).toMatchObject({ in: 2, out: 1, dropped: { add_ref_invalid: 1 } })
    expect(readSplit(dir, 'eval').filter((e) => e.origin === 'user').map((e) => e.sql)).toEqual(['SELECT count(*) FROM concert'])
  })

  it('keeps going when the teacher throws, hangs or answers garbage, and counts each', () => {
    const m = readManifest(dir)
    expect(m.stages.dataset.status).toBe('done')
    expect(m.teacherId).toBe(teacher.id)
    const dropped = m.stages.sql.dropped!
    expect(teacher.behaviour.threw).toBeGreaterThan(0)
    expect(dropped.teacher_error).toBe(teacher.behaviour.threw)
    expect(dropped.teacher_timeout).toBe(teacher.behaviour.hung)
    expect(dropped.no_sample_ran).toBe(teacher.behaviour.garbage)
    expect(m.stages.sql.in).toBe(m.stages.sql.out! + dropped.teacher_error + dropped.teacher_timeout + dropped.no_sample_ran)
  })

  it('self-consistency keeps the majority SQL and records the agreement ratio', () => {
    const m = readManifest(dir)
    expect((m.stages.sql.extra as { agreement: Record<string, number> }).agreement['0.67']).toBe(m.stages.sql.out)
    const synthetic = [...readSplit(dir, 'train'), ...readSplit(dir, 'eval')].filter((e) => e.origin !== 'user')
    expect(synthetic.length).toBeGreaterThan(5)
    for (const e of synthetic) {
      expect(e.sql).not.toBe(WRONG_SAMPLE)
      expect(e.agreement).toBeCloseTo(2 / 3)
      expect(e.teacher).toBe(teacher.id)
      expect(e.question).toMatch(/^Teacher question/)
      expect(e.origin).toBe('teacher_question')
    }
  })

  it('counts the jury, with unreadable verdicts in their own bucket', () => {
    const jury = readManifest(dir).stages.filters.filters!.jury
    expect(jury).toBeDefined()
    expect(jury.in).toBe(jury.pass + jury.fail)
    expect(jury.reasons.unparseable).toBe(teacher.behaviour.unparseable)
    expect(jury.reasons.disagrees ?? 0).toBe(teacher.behaviour.disagreed)
    expect(teacher.behaviour.unparseable).toBeGreaterThan(0)
    const train = readSplit(dir, 'train').filter((e) => e.origin !== 'user')
    for (const e of train) expect(e.verdicts.jury?.pass).toBe(true)
  })
})
