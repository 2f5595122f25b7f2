// Every shell resumes a run with the teacher it was started with, made again from the configuration the run records.
import { describe, expect, it } from 'vitest'
import type { RunManifest } from '../../src/shared/customize'
import type { TeacherConfig } from '../../src/shared/teacher'
import { teacherForResume } from '../../src/main/core/distill/pipeline'
import type { Teacher } from '../../src/main/core/teacher/types'
import { codeOf } from '../helpers/errors'

function manifest(teacherId: string, settings: Partial<RunManifest['settings']>): RunManifest {
  return { schemaVersion: 1, createdAt: '', updatedAt: '', teacherId, settings, stages: {} } as unknown as RunManifest
}

describe('teacherForResume', () => {
  const made: TeacherConfig[] = []
  const make = async (config: TeacherConfig) => {
    made.push(config)
    return { id: 'made' } as Teacher
  }

  it('makes the recorded teacher, not whatever is configured now', async () => {
    const config: TeacherConfig = { kind: 'openai', baseUrl: 'http://127.0.0.1:9/v1', model: 'qwen-32b', concurrency: 4 }
    expect(await teacherForResume(manifest('openai:qwen-32b@127.0.0.1:9', { teacher: config }), make)).toEqual({ id: 'made' })
    expect(made.pop()).toEqual(config)
  })

  it('reads the spec string older runs recorded', async () => {
    await teacherForResume(manifest('openai:m', { teacherSpec: 'openai:http://localhost:8080/v1#m' }), make)
    expect(made.pop()).toEqual({ kind: 'openai', baseUrl: 'http://localhost:8080/v1', model: 'm' })
  })

  it('needs no teacher for a synthesizer run, and refuses one it cannot make again', async () => {
    expect(await teacherForResume(manifest('synth', {}), make)).toBe('synth')
    expect(await codeOf(teacherForResume(manifest('local:x.gguf', {}), make))).toBe('BAD_REQUEST')
    expect(made).toEqual([])
  })
})
