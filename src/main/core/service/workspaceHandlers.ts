// workspace.*: what the editor keeps per database (query tabs, saved queries, the SQL run by hand), by the
// database's path, so it is there again when the file is opened next time.
import { WorkspaceStore } from '../workspace/workspaceStore'
import type { ServiceContext } from './context'
import type { ApiHandlers } from './dispatch'

type WorkspaceMethods = Extract<keyof ApiHandlers, `workspace.${string}`>

export class WorkspaceHandlers {
  readonly handlers: Pick<ApiHandlers, WorkspaceMethods>
  readonly store: WorkspaceStore

  constructor(ctx: ServiceContext) {
    const store = (this.store = new WorkspaceStore(ctx.dataDir))
    const path = (dbId: string) => ctx.handle(dbId).path
    this.handlers = {
      'workspace.get': async ({ dbId }) => store.get(path(dbId)),
      'workspace.saveTabs': async ({ dbId, tabs, activeTabId }) => store.saveTabs(path(dbId), tabs, activeTabId),
      'workspace.saveQuery': async ({ dbId, name, sql }) => store.saveQuery(path(dbId), name, sql),
      'workspace.deleteQuery': async ({ dbId, id }) => store.deleteQuery(path(dbId), id),
      'workspace.runs': async ({ dbId, limit }) => store.runs(path(dbId), limit),
    }
  }
}
