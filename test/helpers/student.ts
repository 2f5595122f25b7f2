// Test doubles for the customization's view of the student.
import type { LoadedStudentProfile, TrainPair } from '../../src/main/core/distill/pipeline/types'

/** No student model: prompts are built without a tokenizer and in the completion form. */
export const noStudentProfile = async (): Promise<LoadedStudentProfile> => ({ close: async () => undefined })

/** The plain-text prompt of a completion-form pair (fails the test on a chat-form one). */
export function promptText(e: TrainPair): string {
  if (!('prompt' in e)) throw new Error('expected a completion-form training pair')
  return e.prompt
}
