// Teachers for distillation: one interface (types.ts), a local GGUF and an OpenAI-compatible HTTP implementation.
// The schema-grounded SQL synthesizer lives in ./synthesizer and is imported from there directly.
export * from './types'
export { LocalTeacher, type LocalTeacherOptions, type TeacherEngine } from './localTeacher'
export {
  OpenAiTeacher,
  DEFAULT_SECRET_NAME,
  TEACHER_API_KEY_ENV,
  type OpenAiTeacherOptions,
  type OpenAiTeacherStats,
  type SecretStore,
} from './openaiTeacher'
export { parseQuestion, parseVerdict, sqlPrompt, questionPrompt, judgePrompt, type TeacherPrompt } from './prompts'
export { createTeacher, type TeacherConfig } from './create'
