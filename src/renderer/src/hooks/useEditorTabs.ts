import { useCallback, useEffect, useRef, useState } from 'react'
import { toErrorShape, type ApiErrorShape } from '../../../shared/errors'
import { MAX_EDITOR_TABS, type EditorTab, type SavedQuery } from '../../../shared/workspace'
import { getApi } from '../api'
import { newQueryId } from '../lib/ids'

interface DbTabs {
  tabs: EditorTab[]
  activeTabId: string
  saved: SavedQuery[]
}

const SAVE_DELAY_MS = 400

function untitled(tabs: EditorTab[]): string {
  const taken = new Set(tabs.map((t) => t.title))
  for (let n = 1; ; n++) if (!taken.has(`Query ${n}`)) return `Query ${n}`
}

function newTab(tabs: EditorTab[], sql: string, title = untitled(tabs), kind: EditorTab['kind'] = 'query'): EditorTab {
  return { id: newQueryId(), title, sql, kind }
}

/** A question as a tab title: its first words. */
function answerTitle(question: string): string {
  const flat = question.replace(/\s+/g, ' ').trim()
  return flat.length > 40 ? `${flat.slice(0, 39)}…` : flat || 'Answer'
}

/**
 * The query tabs of each open database, kept by the core per database file (so they come back after a restart),
 * and its saved queries. The text itself lives in the editor's buffers: `readText` gives a tab's current text when
 * it is saved, so typing does not re-render the app on every key.
 */
export function useEditorTabs(activeDbId: string | null, starterSql: string, readText: (tabId: string) => string | null) {
  const [all, setAll] = useState<Record<string, DbTabs>>({})
  const [pending, setPending] = useState(0)
  const [waiting, setWaiting] = useState(0)
  const [error, setError] = useState<ApiErrorShape | null>(null)
  const latest = useRef(all)
  latest.current = all
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>())
  const read = useRef(readText)
  read.current = readText

  // Load a database's tabs the first time it is shown.
  useEffect(() => {
    const dbId = activeDbId
    if (!dbId || latest.current[dbId]) return
    let live = true
    getApi()
      .workspace.get({ dbId })
      .then(
        (ws) => {
          if (!live) return
          const tabs = ws.tabs.length ? ws.tabs : [newTab([], starterSql)]
          setAll((s) => (s[dbId] ? s : { ...s, [dbId]: { tabs, activeTabId: ws.activeTabId ?? tabs[0]!.id, saved: ws.saved } }))
        },
        (err: unknown) => {
          if (!live) return
          // tabs that cannot be read back must not stop the editor: start with one, and say why
          setError(toErrorShape(err))
          const tabs = [newTab([], starterSql)]
          setAll((s) => (s[dbId] ? s : { ...s, [dbId]: { tabs, activeTabId: tabs[0]!.id, saved: [] } }))
        },
      )
    return () => {
      live = false
    }
  }, [activeDbId, starterSql])

  const saveNow = useCallback(async (dbId: string) => {
    timers.current.delete(dbId)
    setWaiting(timers.current.size)
    const state = latest.current[dbId]
    if (!state) return
    const tabs = state.tabs.map((t) => ({ ...t, sql: read.current(t.id) ?? t.sql }))
    setPending((n) => n + 1)
    try {
      await getApi().workspace.saveTabs({ dbId, tabs, activeTabId: state.activeTabId })
      setError(null)
    } catch (err) {
      setError(toErrorShape(err))
    } finally {
      setPending((n) => n - 1)
    }
  }, [])

  /** Something changed in a database's tabs: save them shortly (one write for a burst of keys). */
  const touch = useCallback(
    (dbId: string) => {
      clearTimeout(timers.current.get(dbId))
      timers.current.set(
        dbId,
        setTimeout(() => void saveNow(dbId), SAVE_DELAY_MS),
      )
      setWaiting(timers.current.size)
    },
    [saveNow],
  )

  // A reload or a closing window saves what is still waiting.
  useEffect(() => {
    const flush = () => {
      for (const dbId of [...timers.current.keys()]) {
        clearTimeout(timers.current.get(dbId))
        void saveNow(dbId)
      }
    }
    window.addEventListener('pagehide', flush)
    return () => window.removeEventListener('pagehide', flush)
  }, [saveNow])

  const update = useCallback(
    (dbId: string, change: (s: DbTabs) => DbTabs) => {
      setAll((s) => {
        const current = s[dbId]
        if (!current) return s
        const next = { ...s, [dbId]: change(current) }
        latest.current = next
        return next
      })
      touch(dbId)
    },
    [touch],
  )

  const select = (dbId: string, tabId: string) => update(dbId, (s) => ({ ...s, activeTabId: tabId }))

  /** Opens a new tab (with `sql`, e.g. from the history) and shows it; returns it. */
  const add = (dbId: string, sql = '', title?: string): EditorTab | null => {
    const current = latest.current[dbId]
    if (!current || current.tabs.length >= MAX_EDITOR_TABS) return null
    const tab = newTab(current.tabs, sql, title)
    update(dbId, (s) => ({ ...s, tabs: [...s.tabs, tab], activeTabId: tab.id }))
    return tab
  }

  /** Closes a tab; the last one closed leaves a fresh empty tab, never an editor with none. */
  const close = (dbId: string, tabId: string) =>
    update(dbId, (s) => {
      const index = s.tabs.findIndex((t) => t.id === tabId)
      if (index === -1) return s
      const rest = s.tabs.filter((t) => t.id !== tabId)
      const tabs = rest.length ? rest : [newTab([], '')]
      const activeTabId = s.activeTabId !== tabId ? s.activeTabId : tabs[Math.min(index, tabs.length - 1)]!.id
      return { ...s, tabs, activeTabId }
    })

  const rename = (dbId: string, tabId: string, title: string) =>
    title.trim() && update(dbId, (s) => ({ ...s, tabs: s.tabs.map((t) => (t.id === tabId ? { ...t, title: title.trim().slice(0, 200) } : t)) }))

  /**
   * The tab a question's SQL goes into: the database's answer tab (made on the first question), titled with the
   * question and shown. What the user was writing in their own tabs is never overwritten.
   */
  const answerTab = (dbId: string, question: string): EditorTab | null => {
    const current = latest.current[dbId]
    if (!current) return null
    const existing = current.tabs.find((t) => t.kind === 'answer')
    const tab = existing ? { ...existing, title: answerTitle(question) } : newTab(current.tabs, '', answerTitle(question), 'answer')
    if (!existing && current.tabs.length >= MAX_EDITOR_TABS) return null
    update(dbId, (s) => ({
      ...s,
      tabs: existing ? s.tabs.map((t) => (t.id === tab.id ? tab : t)) : [...s.tabs, tab],
      activeTabId: tab.id,
    }))
    return tab
  }

  const saveQuery = async (dbId: string, name: string, sql: string): Promise<ApiErrorShape | null> => {
    try {
      const saved = await getApi().workspace.saveQuery({ dbId, name, sql })
      setAll((s) => (s[dbId] ? { ...s, [dbId]: { ...s[dbId]!, saved: [saved, ...s[dbId]!.saved.filter((q) => q.id !== saved.id)] } } : s))
      return null
    } catch (err) {
      return toErrorShape(err)
    }
  }

  const deleteQuery = async (dbId: string, id: string): Promise<ApiErrorShape | null> => {
    try {
      const saved = await getApi().workspace.deleteQuery({ dbId, id })
      setAll((s) => (s[dbId] ? { ...s, [dbId]: { ...s[dbId]!, saved } } : s))
      return null
    } catch (err) {
      return toErrorShape(err)
    }
  }

  /** A database was closed: save its tabs now and let go of them. */
  const forget = async (dbId: string) => {
    clearTimeout(timers.current.get(dbId))
    timers.current.delete(dbId)
    if (latest.current[dbId]) await saveNow(dbId)
    setAll((s) => {
      const { [dbId]: _gone, ...rest } = s
      return rest
    })
  }

  const state = activeDbId ? all[activeDbId] : undefined
  return {
    tabs: state?.tabs ?? [],
    activeTab: state?.tabs.find((t) => t.id === state.activeTabId) ?? null,
    saved: state?.saved ?? [],
    ready: !!state,
    /** True while a save is in flight or waiting: tests and the tab strip can tell "kept" from "about to be". */
    saving: pending > 0 || waiting > 0,
    error,
    tabsOf: (dbId: string) => all[dbId]?.tabs ?? [],
    /** The database a tab belongs to. */
    ownerOf: (tabId: string) => Object.keys(latest.current).find((dbId) => latest.current[dbId]!.tabs.some((t) => t.id === tabId)) ?? null,
    touch,
    select,
    add,
    close,
    rename,
    answerTab,
    saveQuery,
    deleteQuery,
    forget,
  }
}
