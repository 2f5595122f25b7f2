// The teacher as one command-line word: 'synth' | 'local:PATH' | 'openai:URL[#model]'. The CLI takes it in
// `--teacher`; runs made before their TeacherConfig was recorded keep one in their manifest.
import { resolve } from 'node:path'
import { SqlstillError } from '../../../shared/errors'
import type { TeacherConfig } from '../../../shared/teacher'

/** A teacher configuration, or null for the template synthesizer. */
export function parseTeacherSpec(spec: string): TeacherConfig | null {
  if (spec === 'synth') return null
  if (spec.startsWith('local:') && spec.length > 'local:'.length) return { kind: 'local', modelPath: resolve(spec.slice('local:'.length)) }
  if (spec.startsWith('openai:')) {
    const rest = spec.slice('openai:'.length)
    const hash = rest.lastIndexOf('#')
    const baseUrl = hash >= 0 ? rest.slice(0, hash) : rest
    const model = hash >= 0 ? rest.slice(hash + 1) : 'default'
    if (!/^https?:\/\//.test(baseUrl)) throw new SqlstillError('BAD_REQUEST', `The teacher URL must start with http:// or https:// (got "${baseUrl}").`)
    return { kind: 'openai', baseUrl, model }
  }
  throw new SqlstillError('BAD_REQUEST', `--teacher is synth, local:PATH or openai:URL[#model] (got "${spec}").`)
}
