// A small hand-written schema (two tables and a foreign key) and a counting fetch for the teacher tests.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Column, Schema, Table } from '../../src/shared/schema'

function column(name: string, type: string, primaryKey = 0, samples: Column['samples'] = []): Column {
  return { name, type, notNull: primaryKey > 0, defaultValue: null, primaryKey, samples }
}

function table(name: string, columns: Column[], foreignKeys: Table['foreignKeys'] = []): Table {
  return { name, kind: 'table', columns, foreignKeys, indexes: [], rowCount: 10, rowCountExact: true, sql: null }
}

export const schema: Schema = {
  fingerprint: 'teacher-test',
  introspectionMs: 0,
  tables: [
    table('singer', [column('singer_id', 'INTEGER', 1), column('name', 'TEXT', 0, ['Joe Sharp', 'Rose White']), column('age', 'INTEGER', 0, [52, 41])]),
    table(
      'concert',
      [column('concert_id', 'INTEGER', 1), column('singer_id', 'INTEGER'), column('year', 'INTEGER', 0, [2014, 2015])],
      [{ columns: ['singer_id'], refTable: 'singer', refColumns: ['singer_id'] }],
    ),
  ],
}

/** Wraps the real fetch and counts the calls that reach the network. */
export function countingFetch(): { fetch: typeof fetch; calls: () => number; bodies: unknown[] } {
  let calls = 0
  const bodies: unknown[] = []
  const wrapped: typeof fetch = (input, init) => {
    calls++
    if (typeof init?.body === 'string') bodies.push(JSON.parse(init.body))
    return fetch(input, init)
  }
  return { fetch: wrapped, calls: () => calls, bodies }
}

export interface FakeServer {
  baseUrl: string
  requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[]
  close(): Promise<void>
}

/** A real HTTP server on 127.0.0.1 whose behaviour per request is scripted by the test. */
export async function fakeServer(
  handler: (req: IncomingMessage, res: ServerResponse, index: number, body: string) => void | Promise<void>,
): Promise<FakeServer> {
  const requests: FakeServer['requests'] = []
  const server: Server = createServer(async (req, res) => {
    let body = ''
    for await (const chunk of req) body += String(chunk)
    const index = requests.length
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
    await handler(req, res, index, body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

export function chatAnswer(contents: string[]): string {
  return JSON.stringify({
    id: 'x',
    object: 'chat.completion',
    choices: contents.map((content, index) => ({ index, message: { role: 'assistant', content }, finish_reason: 'stop' })),
  })
}

export function json(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(body)
}
