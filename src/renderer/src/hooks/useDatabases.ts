import { useCallback, useEffect, useState } from 'react'
import type { AppInfo, DatabaseInfo, RecentDatabase } from '../../../shared/api'
import type { ApiErrorShape } from '../../../shared/errors'
import { toErrorShape } from '../../../shared/errors'
import type { Settings } from '../../../shared/settings'
import { getApi } from '../api'

export interface Databases {
  appInfo: AppInfo | null
  settings: Settings | null
  databases: DatabaseInfo[]
  activeId: string | null
  setActiveId(id: string): void
  recent: RecentDatabase[]
  /** True while an open is in flight (for the welcome panel and dialog buttons). */
  opening: boolean
  openError: ApiErrorShape | null
  clearOpenError(): void
  openPath(path: string): Promise<boolean>
  /** A PostgreSQL server by its URL (no password in it); the password, when typed, travels on its own. */
  openServer(url: string, password: string | undefined, rememberPassword: boolean): Promise<boolean>
  openDemo(): Promise<boolean>
  /** Electron: the native file picker, then open what was picked (false when dismissed or failed). */
  openWithNativeDialog(): Promise<boolean>
  close(id: string): Promise<void>
  forgetRecent(path: string): Promise<void>
  /** Re-reads the recent list, so files deleted since are shown as missing. */
  refreshRecent(): void
  setTheme(theme: Settings['theme']): Promise<void>
  /** Error loading the initial state (host unreachable etc.). */
  bootError: ApiErrorShape | null
}

/** The open databases, recent files, app info and settings, kept current by the core's events. */
export function useDatabases(): Databases {
  const api = getApi()
  const [appInfo, setAppInfo] = useState<AppInfo | null>(null)
  const [settings, setSettings] = useState<Settings | null>(null)
  const [databases, setDatabases] = useState<DatabaseInfo[]>([])
  const [activeId, setActiveId] = useState<string | null>(null)
  const [recent, setRecent] = useState<RecentDatabase[]>([])
  const [opening, setOpening] = useState(false)
  const [openError, setOpenError] = useState<ApiErrorShape | null>(null)
  const [bootError, setBootError] = useState<ApiErrorShape | null>(null)

  const addDatabase = useCallback((info: DatabaseInfo) => {
    setDatabases((list) => (list.some((d) => d.id === info.id) ? list : [...list, info]))
  }, [])

  useEffect(() => {
    let live = true
    Promise.all([api.app.info(), api.settings.get(), api.db.list(), api.db.recent()])
      .then(([info, stored, list, recents]) => {
        if (!live) return
        setAppInfo(info)
        setSettings(stored)
        setDatabases(list)
        setActiveId((current) => current ?? list[0]?.id ?? null)
        setRecent(recents)
      })
      .catch((err: unknown) => live && setBootError(toErrorShape(err)))
    const offs = [
      api.on('settings.changed', setSettings),
      api.on('recent.changed', setRecent),
      api.on('db.opened', addDatabase),
      api.on('db.closed', ({ dbId }) => setDatabases((list) => list.filter((d) => d.id !== dbId))),
    ]
    return () => {
      live = false
      for (const off of offs) off()
    }
  }, [api, addDatabase])

  // Keep the active tab valid when a database closes elsewhere (another window, the CLI).
  useEffect(() => {
    if (activeId && !databases.some((d) => d.id === activeId)) setActiveId(databases[0]?.id ?? null)
    else if (!activeId && databases.length > 0) setActiveId(databases[0]!.id)
  }, [databases, activeId])

  const runOpen = useCallback(
    async (open: () => Promise<DatabaseInfo>): Promise<boolean> => {
      setOpening(true)
      setOpenError(null)
      try {
        const info = await open()
        addDatabase(info)
        setActiveId(info.id)
        api.db.recent().then(setRecent, () => undefined)
        return true
      } catch (err) {
        setOpenError(toErrorShape(err))
        return false
      } finally {
        setOpening(false)
      }
    },
    [api, addDatabase],
  )

  return {
    appInfo,
    settings,
    databases,
    activeId,
    setActiveId,
    recent,
    opening,
    openError,
    clearOpenError: () => setOpenError(null),
    openPath: (path) => runOpen(() => api.db.open({ path })),
    openServer: (url, password, rememberPassword) => runOpen(() => api.db.open({ path: url, ...(password === undefined ? {} : { password }), rememberPassword })),
    openDemo: () => runOpen(() => api.db.openDemo()),
    openWithNativeDialog: async () => {
      try {
        const { path } = await api.dialog.openDatabase()
        return path ? await runOpen(() => api.db.open({ path })) : false
      } catch (err) {
        setOpenError(toErrorShape(err))
        return false
      }
    },
    close: async (id) => {
      // Closing cannot really fail from the user's point of view: a handle the core no longer knows is closed.
      await api.db.close({ dbId: id }).catch(() => undefined)
      setDatabases((list) => list.filter((d) => d.id !== id))
    },
    forgetRecent: (path) => api.db.forgetRecent({ path }).then(setRecent, () => undefined),
    refreshRecent: () => void api.db.recent().then(setRecent, () => undefined),
    setTheme: (theme) => api.settings.update({ theme }).then(setSettings, () => undefined),
    bootError,
  }
}
