import { useEffect, useRef, useState } from 'react'
import type { Table } from '../../shared/schema'
import { ErrorPanel } from './components/ErrorPanel'
import { PlayIcon, StopIcon } from './components/Icons'
import { OpenDatabaseDialog } from './components/OpenDatabaseDialog'
import { ResultsPane } from './components/ResultsPane'
import { SchemaTree } from './components/SchemaTree'
import { SqlEditor, type SqlEditorHandle } from './components/SqlEditor'
import { TopBar } from './components/TopBar'
import { Welcome } from './components/Welcome'
import { useDatabases } from './hooks/useDatabases'
import { useQueryRunner } from './hooks/useQueryRunner'
import { useSchema } from './hooks/useSchema'
import { useSplitter } from './hooks/useSplitter'
import { useTheme } from './hooks/useTheme'
import { selectAllSql } from './lib/sql'
import { setCompletionSchema } from './lib/sqlCompletion'

const STARTER_SQL = '-- Ctrl+Enter runs the selection, or the whole editor\nSELECT name, type FROM sqlite_schema ORDER BY type, name;\n'

export function App() {
  const dbs = useDatabases()
  const theme = useTheme(dbs.settings?.theme)
  const schema = useSchema(dbs.activeId)
  const query = useQueryRunner(dbs.settings, dbs.activeId)
  const editor = useRef<SqlEditorHandle>(null)
  const [dialogOpen, setDialogOpen] = useState(false)
  const [formatError, setFormatError] = useState<string | null>(null)
  // Each open database keeps its own editor text; the editor itself stays mounted.
  const drafts = useRef(new Map<string, string>())
  const shownDb = useRef<string | null>(null)

  const sidebar = useSplitter(280, 180, () => window.innerWidth * 0.5, 'x')
  const editorPane = useSplitter(220, 90, () => window.innerHeight - 200, 'y')

  const active = dbs.databases.find((d) => d.id === dbs.activeId) ?? null

  useEffect(() => {
    setCompletionSchema(schema.status === 'ready' ? schema.schema : null)
  }, [schema])

  useEffect(() => {
    const previous = shownDb.current
    if (previous === dbs.activeId || !editor.current) return
    if (previous) drafts.current.set(previous, editor.current.getValue())
    if (dbs.activeId) editor.current.setValue(drafts.current.get(dbs.activeId) ?? STARTER_SQL)
    shownDb.current = dbs.activeId
  }, [dbs.activeId, active])

  // The welcome panel lists recent files: make sure it shows which still exist.
  const nothingOpen = !active
  useEffect(() => {
    if (nothingOpen) dbs.refreshRecent()
    // refreshRecent is recreated each render; only the transition to "nothing open" matters.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [nothingOpen])

  // Monaco's Ctrl+Enter command reads the latest `run` through a ref, so a plain function is enough here.
  const run = () => {
    const sql = editor.current?.getRunnableSql() ?? ''
    if (!dbs.activeId || !sql.trim() || query.state.status === 'running') return
    void query.run(dbs.activeId, sql)
  }

  // Ctrl/Cmd+Enter also runs from outside the editor (the grid, the schema tree). Monaco handles the chord
  // itself and marks the event handled, so it is not run twice.
  const runRef = useRef(run)
  runRef.current = run
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.key !== 'Enter' || !(event.ctrlKey || event.metaKey)) return
      if ((event.target as Element | null)?.closest?.('.monaco-editor, dialog')) return
      event.preventDefault()
      runRef.current()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])

  const closeDatabase = (id: string) => {
    drafts.current.delete(id)
    void dbs.close(id)
  }

  const openDatabase = async () => {
    dbs.clearOpenError()
    if (dbs.appInfo?.capabilities.nativeFileDialog) {
      await dbs.openWithNativeDialog()
    } else {
      dbs.refreshRecent()
      setDialogOpen(true)
    }
  }

  const selectTable = (table: Table) => {
    editor.current?.setValue(selectAllSql(table.name))
    editor.current?.focus()
  }

  const format = () => {
    setFormatError(editor.current?.format() ?? null)
  }

  if (dbs.bootError) {
    return (
      <div className="boot-error">
        <ErrorPanel error={dbs.bootError} title="sqlstill could not start" />
      </div>
    )
  }

  const running = query.state.status === 'running'

  return (
    <div className="app" data-testid="app" data-ready={dbs.appInfo ? 'true' : 'false'}>
      <TopBar
        databases={dbs.databases}
        activeId={dbs.activeId}
        theme={dbs.settings?.theme ?? 'system'}
        onSelect={dbs.setActiveId}
        onClose={closeDatabase}
        onOpen={() => void openDatabase()}
        onThemeChange={(t) => void dbs.setTheme(t)}
      />
      {!dbs.appInfo ? (
        <div className="loading-screen" role="status">
          <span className="spinner" aria-hidden /> Loading…
        </div>
      ) : !active ? (
        <Welcome
          recent={dbs.recent}
          opening={dbs.opening}
          error={dialogOpen ? null : dbs.openError}
          onOpenDemo={() => void dbs.openDemo()}
          onOpenDatabase={() => void openDatabase()}
          onOpenPath={(p) => void dbs.openPath(p)}
          onForget={(p) => void dbs.forgetRecent(p)}
        />
      ) : null}
      {/* The workbench stays mounted (hidden) with nothing open, so Monaco is created once. */}
      <main className="workbench" hidden={!active} style={{ gridTemplateColumns: `${sidebar.size}px 5px 1fr` }}>
        <aside className="sidebar" aria-label="Schema">
          {schema.status === 'loading' && (
            <div className="sidebar__state" role="status">
              <span className="spinner" aria-hidden /> Reading schema…
            </div>
          )}
          {schema.status === 'error' && <ErrorPanel error={schema.error} title="Could not read the schema" />}
          {schema.status === 'ready' && <SchemaTree schema={schema.schema} onSelectTable={selectTable} />}
        </aside>
        <div className="splitter splitter--x" onPointerDown={sidebar.onPointerDown} role="separator" aria-orientation="vertical" aria-label="Resize schema panel" />
        <section className="work" style={{ gridTemplateRows: `auto ${editorPane.size}px 5px 1fr` }}>
          <div className="editor-toolbar">
            {running ? (
              <button className="btn btn--danger" onClick={() => dbs.activeId && void query.cancel(dbs.activeId)} aria-label="Cancel query" data-testid="cancel-query">
                <StopIcon /> Cancel
              </button>
            ) : (
              <button className="btn btn--primary" onClick={run} aria-label="Run query" data-testid="run-query" title="Run (Ctrl+Enter)">
                <PlayIcon /> Run
              </button>
            )}
            <button className="btn" onClick={format} aria-label="Format SQL" data-testid="format-sql">
              Format
            </button>
            {formatError && (
              <span className="format-error" role="status" title={formatError}>
                Could not format: {formatError}
              </span>
            )}
            <span className="toolbar-spacer" />
            {active && (
              <span className="editor-toolbar__db muted small" title={active.path}>
                {active.name} · read-only
              </span>
            )}
          </div>
          <SqlEditor ref={editor} initialValue={STARTER_SQL} theme={theme} onRun={run} onChange={() => formatError && setFormatError(null)} />
          <div className="splitter splitter--y" onPointerDown={editorPane.onPointerDown} role="separator" aria-orientation="horizontal" aria-label="Resize editor" />
          <div className="results" data-testid="results" data-settled={query.settled} aria-busy={running}>
            <ResultsPane
              state={query.state}
              onCancel={() => dbs.activeId && void query.cancel(dbs.activeId)}
              onDismissError={() => dbs.activeId && query.reset(dbs.activeId)}
            />
          </div>
        </section>
      </main>
      {dialogOpen && (
        <OpenDatabaseDialog
          recent={dbs.recent}
          opening={dbs.opening}
          error={dbs.openError}
          onOpenPath={async (p) => (await dbs.openPath(p)) && setDialogOpen(false)}
          onOpenDemo={async () => (await dbs.openDemo()) && setDialogOpen(false)}
          onForget={(p) => void dbs.forgetRecent(p)}
          onClose={() => {
            dbs.clearOpenError()
            setDialogOpen(false)
          }}
        />
      )}
    </div>
  )
}
