import type { ApiEvents, EventName } from '../../../shared/api'

type Listener = (event: EventName, payload: unknown) => void

/** Fan-out of core events to every connected UI (IPC windows, SSE clients, CLI progress printers). */
export class EventBus {
  private readonly listeners = new Set<Listener>()

  emit<E extends EventName>(event: E, payload: ApiEvents[E]): void {
    for (const listener of this.listeners) {
      try {
        listener(event, payload)
      } catch {
        // One broken subscriber (a closed window, a dropped SSE socket) must not starve the others.
      }
    }
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}
