// The renderer's only door to the core. In Electron the preload script has installed an IPC transport on
// `window.sqlstillTransport`; in browser mode we carry the same contract over the local web host.
import { createApiClient, PRELOAD_GLOBAL, type ApiTransport, type EventName, type SqlstillApi } from '../../shared/api'
import type { Envelope } from '../../shared/errors'

declare global {
  interface Window {
    [PRELOAD_GLOBAL]?: ApiTransport
  }
}

/** HTTP + server-sent events on the same origin; the host authenticated this page with a cookie at first load. */
export function createWebTransport(base = ''): ApiTransport {
  return {
    async invoke(method, arg): Promise<Envelope<unknown>> {
      try {
        const response = await fetch(`${base}/api/invoke/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(arg === undefined ? null : arg),
          credentials: 'same-origin',
        })
        const body = (await response.json().catch(() => null)) as Envelope<unknown> | null
        return body ?? { ok: false, error: { code: 'INTERNAL', message: `The sqlstill host answered HTTP ${response.status} without a body.` } }
      } catch (err) {
        return {
          ok: false,
          error: { code: 'INTERNAL', message: `The sqlstill host is not reachable (${(err as Error).message}). Is it still running?` },
        }
      }
    },
    subscribe(listener) {
      const source = new EventSource(`${base}/api/events`, { withCredentials: true })
      source.onmessage = (message) => {
        const { event, payload } = JSON.parse(message.data) as { event: EventName; payload: unknown }
        listener(event, payload)
      }
      return () => source.close()
    },
  }
}

let api: SqlstillApi | null = null

export function getApi(): SqlstillApi {
  api ??= createApiClient(window[PRELOAD_GLOBAL] ?? createWebTransport())
  return api
}
