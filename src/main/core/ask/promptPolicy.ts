// What goes into a student prompt besides the schema and the question, decided once for every shell: the app's
// ask, the CLI's ask, the training prompts of a customization and its evaluation. Training and evaluation then see
// the prompt users are asked with, and "eval measures exactly what users get" holds for a user with corrections.
import type { FewShotExample } from '../prompt/build'
import type { AskHistory } from './history'

/** How many of the user's vouched-for answers (corrections, and answers marked right) go into the prompt. */
export const FIXIT_EXAMPLES = 3

/** The user's examples for this database, oldest first (the newest sits next to the question). */
export function userExamples(history: Pick<AskHistory, 'examples'>, dbPath: string): FewShotExample[] {
  return history.examples(dbPath, FIXIT_EXAMPLES).reverse()
}

const normalized = (q: string): string => q.trim().toLowerCase().replace(/\s+/g, ' ')

/**
 * The examples for a dataset item's prompt (training or evaluation): every example but the item's own question.
 * Asked in the app, a question the user corrected before is meant to get its correction as an example; for a
 * dataset item (the user's pairs are in the train and eval splits) the same would hand the model the answer, and
 * teach or measure copying.
 */
export function examplesForItem(examples: readonly FewShotExample[], question: string): FewShotExample[] {
  const own = normalized(question)
  return examples.filter((e) => normalized(e.question) !== own)
}

/** Rules the request gives, else the ones the model was fine-tuned with (sqlstill.prompt.rules in its adapter). */
export function promptRules(given: string | undefined, trained: string | null | undefined): string | undefined {
  const rules = given?.trim() ? given : trained
  return rules?.trim() ? rules : undefined
}
