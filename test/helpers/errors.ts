import { SqlstillError } from '../../src/shared/errors'

/** The SqlstillError code a promise rejects with, 'resolved' when it does not, or a marker for foreign errors. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
    return 'resolved'
  } catch (err) {
    return err instanceof SqlstillError ? err.code : `non-SqlstillError: ${String(err)}`
  }
}
