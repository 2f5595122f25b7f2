// What the app keeps per database besides the question history: the editor's query tabs, saved queries and the
// SQL the user ran by hand. Kept by the core (not the browser's storage), so tabs survive a restart in both
// shells — browser mode gets a new origin, and with it empty storage, on every start.
import { z } from 'zod'

export const MAX_EDITOR_TABS = 50
export const MAX_TAB_SQL = 1_000_000

export const editorTabSchema = z.strictObject({
  id: z.string().min(1).max(100),
  title: z.string().min(1).max(200),
  sql: z.string().max(MAX_TAB_SQL),
  /** "answer": the tab the assistant writes its SQL into, so it never overwrites what the user was writing. */
  kind: z.enum(['query', 'answer']),
})
export type EditorTab = z.infer<typeof editorTabSchema>

export interface SavedQuery {
  id: string
  name: string
  sql: string
  savedAt: string
}

/** One statement run from the editor. */
export interface SqlRun {
  sql: string
  at: string
  elapsedMs: number
  /** Rows returned; absent when it failed. */
  rowCount?: number
  /** The error's code when it failed. */
  errorCode?: string
}

export interface Workspace {
  tabs: EditorTab[]
  activeTabId: string | null
  saved: SavedQuery[]
}
