// The single entry point both transports call: validate the argument against the contract's schema,
// run the handler, and wrap the outcome in an envelope. Transports stay thin and identical.
import { requestSchemas, type ApiResults, type MethodName, type RequestOf } from '../../../shared/api'
import { SqlstillError, toErrorShape, type Envelope } from '../../../shared/errors'

export type ApiHandlers = {
  [M in MethodName]: (arg: RequestOf<M>) => Promise<ApiResults[M]>
}

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(requestSchemas, name)
}

export async function dispatch(handlers: ApiHandlers, method: string, rawArg: unknown): Promise<Envelope<unknown>> {
  try {
    if (!isMethodName(method)) throw new SqlstillError('BAD_REQUEST', `Unknown API method "${method}".`)
    // JSON has no undefined: transports send null for "no argument".
    const parsed = requestSchemas[method].safeParse(rawArg === null ? undefined : rawArg)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const where = issue?.path.length ? ` at "${issue.path.join('.')}"` : ''
      throw new SqlstillError('BAD_REQUEST', `Invalid argument for ${method}${where}: ${issue?.message ?? 'invalid'}`)
    }
    const handler = handlers[method] as (arg: unknown) => Promise<unknown>
    return { ok: true, value: await handler(parsed.data) }
  } catch (err) {
    return { ok: false, error: toErrorShape(err) }
  }
}
