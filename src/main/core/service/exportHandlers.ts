// export.*: fuse an adapter into its base and quantize it into one GGUF (in a child process), cancellable by id.
import { randomUUID } from 'node:crypto'
import { SqlstillError } from '../../../shared/errors'
import { exportFused } from '../export'
import type { ServiceContext } from './context'
import type { ApiHandlers } from './dispatch'

type ExportMethods = Extract<keyof ApiHandlers, `export.${string}`>

export class ExportHandlers {
  readonly handlers: Pick<ApiHandlers, ExportMethods>
  private readonly running = new Map<string, AbortController>()

  constructor(private readonly ctx: ServiceContext) {
    this.handlers = {
      'export.run': async ({ base, adapter, type, out, exportId }) => {
        const id = exportId ?? randomUUID()
        if (this.running.has(id)) throw new SqlstillError('BAD_REQUEST', `An export with id "${id}" is already running.`)
        const basePath = base ?? this.ctx.student.currentModel()?.path
        if (!basePath) throw new SqlstillError('BAD_REQUEST', 'Name the base model, or load the student the adapter was trained on.')
        const controller = new AbortController()
        this.running.set(id, controller)
        try {
          const result = await exportFused({
            base: basePath,
            adapter,
            type,
            out,
            signal: controller.signal,
            onProgress: (p) => this.ctx.events.emit('export.progress', { ...p, exportId: id }),
          })
          return { ...result, exportId: id }
        } finally {
          this.running.delete(id)
        }
      },
      'export.cancel': async ({ exportId }) => {
        const targets = exportId ? [this.running.get(exportId)].filter((c) => c !== undefined) : [...this.running.values()]
        for (const c of targets) c.abort()
        return { cancelled: targets.length > 0 }
      },
    }
  }

  dispose(): void {
    for (const c of this.running.values()) c.abort()
  }
}
