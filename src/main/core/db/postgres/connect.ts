// Opening pg clients for a target: every session is read-only from its first statement (default_transaction_read_only
// in the startup packet, so not even a first query can slip in before it), prints dates as ISO and names itself.
import pg from 'pg'
import { classifyConnectError } from './classifyError'
import type { PostgresTarget } from './target'

export const CONNECT_TIMEOUT_MS = 10_000

/** Every value arrives as PostgreSQL's text: values.ts converts it by type OID, without rounding or time-zone shifts. */
const RAW_TEXT_TYPES = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig

function sslOption(target: PostgresTarget): pg.ClientConfig['ssl'] {
  const mode = target.params.get('sslmode')
  if (mode === 'require') return { rejectUnauthorized: false }
  if (mode === 'verify-ca' || mode === 'verify-full') return { rejectUnauthorized: true }
  return undefined
}

export async function connectClient(target: PostgresTarget, applicationName = 'sqlstill'): Promise<pg.Client> {
  const client = new pg.Client({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    application_name: applicationName,
    // standard_conforming_strings: backslashes in '…' are plain characters, as guard.ts's tokenizer reads them.
    options: '-c default_transaction_read_only=on -c DateStyle=ISO,MDY -c standard_conforming_strings=on',
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    types: RAW_TEXT_TYPES,
    ssl: sslOption(target),
  })
  // An idle connection the server drops emits 'error'; unhandled, it would end the process. The owner watches 'end'.
  client.on('error', () => undefined)
  try {
    await client.connect()
  } catch (err) {
    client.end().catch(() => undefined)
    throw classifyConnectError(err, target)
  }
  return client
}

/** The backend's process id, which pg_cancel_backend names (pg keeps it from the startup handshake). */
export function backendPid(client: pg.Client): number | undefined {
  const pid = (client as unknown as { processID?: unknown }).processID
  return typeof pid === 'number' ? pid : undefined
}

/** Ends a client at once, without waiting for a query the server may still be running. */
export function destroyClient(client: pg.Client): void {
  const stream = (client as unknown as { connection?: { stream?: { destroy?: () => void } } }).connection?.stream
  try {
    stream?.destroy?.()
  } catch {
    // already gone
  }
  client.end().catch(() => undefined)
}
