import { useEffect, useLayoutEffect, useRef, useState } from 'react'
import { ENGINE_LABELS } from '../../shared/engine'
import type { AskOutcome, AskRecord } from '../../shared/ask'
import type { Table } from '../../shared/schema'
import { AskBar } from './components/AskBar'
import { HelpOverlay } from './components/HelpOverlay'
import { CustomizeDialog } from './components/customize/CustomizeDialog'
import { DatabaseDropZone } from './components/DatabaseDropZone'
import { ExportDialog } from './components/ExportDialog'
import { HistoryPanel } from './components/HistoryPanel'
import { ModelsDrawer } from './components/ModelsDrawer'
import { ResultChart } from './components/ResultChart'
import { SettingsDialog } from './components/SettingsDialog'
import { ErrorPanel } from './components/ErrorPanel'
import { PlayIcon, StopIcon } from './components/Icons'
import { OpenDatabaseDialog } from './components/OpenDatabaseDialog'
import { ResultsPane } from './components/ResultsPane'
import { modelTextBeside } from './lib/modelText'
import { SchemaTree } from './components/SchemaTree'
import { SqlEditor, type SqlEditorHandle } from './components/SqlEditor'
import { EditorTabs } from './components/editor/EditorTabs'
import { SaveQueryDialog } from './components/editor/SaveQueryDialog'
import { SqlLibraryPanel } from './components/editor/SqlLibraryPanel'
import { useEditorTabs } from './hooks/useEditorTabs'
import { TopBar } from './components/TopBar'
import { Welcome } from './components/Welcome'
import { useAsk } from './hooks/useAsk'
import { useDatabases } from './hooks/useDatabases'
import { useHistory } from './hooks/useHistory'
import { useCurrentModel } from './hooks/useModel'
import { useQueryRunner } from './hooks/useQueryRunner'
import { useSchema } from './hooks/useSchema'
import { useSplitter } from './hooks/useSplitter'
import { useTheme } from './hooks/useTheme'
import { useTeacherDiff } from './hooks/useTeacherDiff'
import { TeacherAskControls } from './components/teacher/TeacherAskControls'
import { TeacherDialog } from './components/teacher/TeacherDialog'
import { TeacherDiffDialog } from './components/teacher/TeacherDiffDialog'
import { planChart } from './lib/chartable'
import { selectAllSql } from './lib/sql'
import { splitStatements } from '../../shared/sqlStatements'
import { setCompletionSchema } from './lib/sqlCompletion'

const STARTER_SQL = '-- Ctrl+Enter runs the statement under the cursor (or the selection); Ctrl+Shift+Enter runs them all\nSELECT name, type FROM sqlite_schema ORDER BY type, name;\n'

type Overlay = 'models' | 'settings' | 'help' | 'customize' | 'teacher' | null
type ResultView = 'grid' | 'chart' | 'history'
/** What the History view lists: asked questions, SQL run by hand, or saved queries. */
type HistoryKind = 'questions' | 'runs' | 'saved'

/** What the editor shows after a question: the chosen SQL, or the model's words commented out when it wrote none. */
function editorTextFor(record: AskRecord): string {
  if (record.sql) return record.sql.trimEnd() + '\n'
  // The repair attempt may have produced nothing (e.g. its longer prompt did not fit): show the fullest answer.
  const output = record.attempts.reduce((best, a) => (a.output.trim().length > best.trim().length ? a.output : best), '')
  const quoted = output.trim() ? output.trim().split('\n').map((l) => `-- ${l}`).join('\n') : '-- (no output)'
  return `-- The model wrote no SQL for: ${record.question.replace(/\n/g, ' ')}\n${quoted}\n`
}

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null
  return !!el?.closest?.('input, textarea, select, [contenteditable="true"], .monaco-editor')
}

export function App() {
  const dbs = useDatabases()
  const theme = useTheme(dbs.settings?.theme)
  const schema = useSchema(dbs.activeId)
  const query = useQueryRunner(dbs.settings, dbs.activeId)
  const editor = useRef<SqlEditorHandle>(null)
  const askInput = useRef<HTMLTextAreaElement>(null)
  const model = useCurrentModel()
  const [overlay, setOverlay] = useState<Overlay>(null)
  const [view, setView] = useState<ResultView>('grid')
  const [historyVersion, setHistoryVersion] = useState(0)
  const history = useHistory(dbs.activeId, historyVersion)
  const [dialogOpen, setDialogOpen] = useState(false)
  // The export dialog's adapter ('' = the loaded one); null while it is closed.
  const [exportAdapter, setExportAdapter] = useState<string | null>(null)
  const [formatError, setFormatError] = useState<string | null>(null)
  const [historyKind, setHistoryKind] = useState<HistoryKind>('questions')
  const [savingQuery, setSavingQuery] = useState(false)
  // Each open database keeps its own query tabs (kept across restarts); the editor itself stays mounted and
  // swaps one buffer per tab.
  const tabs = useEditorTabs(dbs.activeId, STARTER_SQL, (tabId) => editor.current?.tabText(tabId) ?? null)
  const shownDb = useRef<string | null>(null)
  /** The answer tab each running question streams into. */
  const answerTabs = useRef(new Map<string, string>())

  const sidebar = useSplitter(280, 180, () => window.innerWidth * 0.5, 'x')
  const editorPane = useSplitter(220, 90, () => window.innerHeight - 200, 'y')

  const active = dbs.databases.find((d) => d.id === dbs.activeId) ?? null

  const teacherDiff = useTeacherDiff()
  const onAskOutcome = (dbId: string, outcome: AskOutcome) => {
    const tabId = answerTabs.current.get(dbId)
    if (tabId) editor.current?.setTabValue(tabId, editorTextFor(outcome.record))
    if (outcome.result) query.show(dbId, { status: 'done', result: outcome.result })
    else if (outcome.record.error) {
      const modelOutput = modelTextBeside(outcome.record)
      query.show(dbId, { status: 'error', error: outcome.record.error, sql: outcome.record.sql ?? '', ...(modelOutput ? { modelOutput } : {}) })
    }
    setHistoryVersion((v) => v + 1)
    if (dbId !== shownDb.current) return
    teacherDiff.onStudentAnswer(dbId, outcome.record)
    // "Compare with teacher" on a question not asked yet: it was asked first, and now the diff opens on it
    if (compareOnAnswer.current === outcome.record.question) {
      compareOnAnswer.current = null
      if (!teacherDiff.always) teacherDiff.open(dbId, outcome.record)
    }
  }
  /** The question "Compare with teacher" asked the student first, so its answer opens the diff. */
  const compareOnAnswer = useRef<string | null>(null)
  const ask = useAsk(dbs.activeId, onAskOutcome)
  const askState = ask.state

  // Streamed tokens go straight into the editor; a repair attempt replaces the first attempt's text.
  // A layout effect, so the stream is written within the render's commit: a passive effect could still be
  // pending when the answer arrives and would then overwrite the final text with stale streamed text.
  useLayoutEffect(() => {
    if (askState.status !== 'running' || !dbs.activeId) return
    const tabId = answerTabs.current.get(dbs.activeId)
    if (tabId) editor.current?.stream(tabId, askState.attempt > 0 ? `-- repair attempt ${askState.attempt}\n${askState.text}` : askState.text)
  }, [askState, dbs.activeId])
  const asking = askState.status === 'running'
  useEffect(() => {
    editor.current?.setReadOnly(asking)
  }, [asking])

  // A question stopped before the model wrote anything (or one that failed) gives the answer tab its text back.
  // (An answer tab made for this question goes again, and the tab the user was in comes back.)
  const beforeAsk = useRef(new Map<string, { text: string; created: boolean; fromTabId: string | null }>())
  useEffect(() => {
    const id = dbs.activeId
    if (!id || !beforeAsk.current.has(id)) return
    if (askState.status === 'running') return
    const previous = beforeAsk.current.get(id)!
    beforeAsk.current.delete(id)
    const tabId = answerTabs.current.get(id)
    if (!tabId || !((askState.status === 'cancelled' && !askState.text.trim()) || askState.status === 'error')) return
    if (previous.created) {
      if (previous.fromTabId) tabs.select(id, previous.fromTabId)
      tabs.close(id, tabId)
      answerTabs.current.delete(id)
      setTimeout(() => editor.current?.dropTab(tabId), 0)
    } else {
      editor.current?.setTabValue(tabId, previous.text)
    }
    // tabs' functions are recreated each render; only the question's end matters here
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [askState, dbs.activeId])

  const startAsk = (question: string) => {
    if (!dbs.activeId || !editor.current) return
    // The answer goes into the database's answer tab: what the user was writing in theirs stays as it was.
    const created = !tabs.tabs.some((t) => t.kind === 'answer')
    const fromTabId = tabs.activeTab?.id ?? null
    const tab = tabs.answerTab(dbs.activeId, question)
    if (!tab) return
    answerTabs.current.set(dbs.activeId, tab.id)
    editor.current.showTab(tab.id, tab.sql)
    beforeAsk.current.set(dbs.activeId, { text: editor.current.tabText(tab.id) ?? '', created, fromTabId })
    editor.current.beginStream(tab.id)
    editor.current.stream(tab.id, '')
    setView((v) => (v === 'history' ? 'grid' : v))
    void ask.ask(dbs.activeId, question)
  }
  const cancelAsk = () => dbs.activeId && void ask.cancel(dbs.activeId)
  const compareWithTeacher = (question: string | null) => {
    if (!dbs.activeId) return
    if (question === null) return askState.status === 'done' && teacherDiff.open(dbs.activeId, askState.record)
    compareOnAnswer.current = question
    startAsk(question)
  }

  useEffect(() => {
    setCompletionSchema(schema.status === 'ready' ? schema.schema : null)
  }, [schema])

  // The editor shows the active database's active tab (each tab has its own buffer and undo history).
  const activeTab = tabs.activeTab
  useEffect(() => {
    if (!activeTab || !editor.current) return
    editor.current.showTab(activeTab.id, activeTab.sql)
    shownDb.current = dbs.activeId
  }, [activeTab, dbs.activeId])

  // The welcome panel lists recent files: make sure it shows which still exist.
  const nothingOpen = !active
  useEffect(() => {
    if (nothingOpen) dbs.refreshRecent()
    // refreshRecent is recreated each render; only the transition to "nothing open" matters.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [nothingOpen])

  // Monaco's Ctrl+Enter command reads the latest `run` through a ref, so a plain function is enough here.
  const run = () => {
    const runnable = editor.current?.getRunnable()
    if (!dbs.activeId || !runnable?.sql.trim() || query.state.status === 'running') return
    editor.current?.clearMarks()
    // a selection of several statements runs as a script: each gets its own result
    const several = splitStatements(runnable.sql)
    if (several.length > 1) void query.runScript(dbs.activeId, several.map((st) => ({ tabId: runnable.tabId, sql: st.sql, offset: runnable.offset + st.start })))
    else void query.run(dbs.activeId, runnable.sql, runnable)
  }
  /** Every statement in the tab (or the selection), one after another, each with its own result. */
  const runScript = () => {
    const statements = editor.current?.getStatements() ?? []
    if (!dbs.activeId || statements.length === 0 || query.state.status === 'running') return
    editor.current?.clearMarks()
    if (statements.length === 1) void query.run(dbs.activeId, statements[0]!.sql, statements[0])
    else void query.runScript(dbs.activeId, statements)
  }
  /** The statement under the cursor's query plan, shown as a tree. */
  const explain = () => {
    const runnable = editor.current?.getRunnable()
    if (active?.engine !== 'sqlite') return
    if (!dbs.activeId || !runnable?.sql.trim() || query.state.status === 'running') return
    editor.current?.clearMarks()
    setView('grid')
    const statement = runnable.sql.replace(/^\s*EXPLAIN(\s+QUERY\s+PLAN)?\s+/i, '')
    void query.run(dbs.activeId, `EXPLAIN QUERY PLAN ${statement}`, { ...runnable, sql: statement, offset: runnable.offset + runnable.sql.indexOf(statement) })
  }

  // A failed run underlines where SQLite's message points, in the tab it came from.
  const failed = query.state.status === 'error' ? query.state : null
  useEffect(() => {
    if (!failed?.origin) return
    const sqliteMessage = failed.error.details?.sqliteMessage
    editor.current?.markError(failed.origin, typeof sqliteMessage === 'string' ? sqliteMessage : failed.error.message)
  }, [failed])

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

  // Help on ? (outside text fields) and F1 (anywhere: captured before Monaco's own command palette sees it);
  // Esc stops a running question from anywhere.
  const shortcuts = useRef({ overlayOpen: false, asking: false, cancelAsk })
  shortcuts.current = { overlayOpen: overlay !== null || dialogOpen || teacherDiff.target !== null, asking, cancelAsk }
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const s = shortcuts.current
      if (event.key === 'F1' || (event.key === '?' && !event.ctrlKey && !event.metaKey && !event.altKey && !isTyping(event.target))) {
        event.preventDefault()
        event.stopPropagation()
        if (!s.overlayOpen) setOverlay('help')
      } else if (event.key === 'Escape' && s.asking && !s.overlayOpen && !event.defaultPrevented) {
        s.cancelAsk()
      }
    }
    window.addEventListener('keydown', onKey, true)
    return () => window.removeEventListener('keydown', onKey, true)
  }, [])

  const closeDatabase = (id: string) => {
    const closing = tabs.tabsOf(id)
    answerTabs.current.delete(id)
    void tabs.forget(id).then(() => {
      for (const tab of closing) editor.current?.dropTab(tab.id)
    })
    void dbs.close(id)
  }

  /** Opens SQL in a tab of its own (or shows the tab that already holds exactly it). */
  const openInTab = (sql: string, title?: string) => {
    if (!dbs.activeId) return
    const same = tabs.tabs.find((t) => (editor.current?.tabText(t.id) ?? t.sql).trim() === sql.trim())
    if (same) tabs.select(dbs.activeId, same.id)
    else if (!tabs.add(dbs.activeId, sql, title)) editor.current?.setValue(sql)
    setView('grid')
  }
  const closeTab = (tabId: string) => {
    if (!dbs.activeId) return
    if (answerTabs.current.get(dbs.activeId) === tabId && asking) return
    tabs.close(dbs.activeId, tabId)
    // the buffer goes once another tab is shown (the shown one cannot be dropped)
    setTimeout(() => editor.current?.dropTab(tabId), 0)
  }

  // One dialog in both shells: files (with the native picker where there is one) and PostgreSQL servers.
  const openDatabase = () => {
    dbs.clearOpenError()
    dbs.refreshRecent()
    setDialogOpen(true)
  }

  // A table's SELECT goes into the tab when it is empty, else into a new tab named after the table.
  const selectTable = (table: Table) => {
    const sql = selectAllSql(table.name)
    if (!dbs.activeId) return
    if (!(editor.current?.getValue() ?? '').trim() || !tabs.add(dbs.activeId, sql, table.name)) editor.current?.setValue(sql)
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
  const chartPlan = query.state.status === 'done' ? planChart(query.state.result) : null
  const shownView: ResultView = view === 'chart' && !chartPlan ? 'grid' : view

  const rerun = (sql: string) => {
    if (!dbs.activeId) return
    openInTab(sql)
    void query.run(dbs.activeId, sql)
  }

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
        model={model}
        onOpenModels={() => setOverlay('models')}
        onOpenSettings={() => setOverlay('settings')}
        onOpenHelp={() => setOverlay('help')}
        onOpenCustomize={active ? () => setOverlay('customize') : undefined}
        onOpenTeacher={() => setOverlay('teacher')}
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
        <section className="work" style={{ gridTemplateRows: `auto auto ${editorPane.size}px 5px 1fr` }}>
          <AskBar
            ref={askInput}
            model={model}
            state={askState}
            onAsk={startAsk}
            onCancel={cancelAsk}
            onOpenModels={() => setOverlay('models')}
            extra={(question) => (
              <TeacherAskControls
                state={askState}
                question={question}
                always={teacherDiff.always}
                onAlwaysChange={teacherDiff.setAlways}
                onCompare={compareWithTeacher}
              />
            )}
          />
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
            <button
              className="btn"
              onClick={runScript}
              disabled={running}
              aria-label="Run all statements"
              data-testid="run-script"
              title="Run every statement in the tab, or in the selection (Ctrl+Shift+Enter)"
            >
              Run all
            </button>
            <button
              className="btn"
              onClick={explain}
              // the plan tree reads SQLite's EXPLAIN QUERY PLAN; other engines' plans have other shapes
              disabled={running || (active !== null && active.engine !== 'sqlite')}
              aria-label="Explain the query plan"
              data-testid="explain-query"
              title={active && active.engine !== 'sqlite' ? `The plan view reads SQLite's query plans; it is not available for ${ENGINE_LABELS[active.engine]} yet` : 'Show how SQLite will run the statement under the cursor'}
            >
              Explain
            </button>
            <button className="btn" onClick={format} aria-label="Format SQL" data-testid="format-sql" disabled={asking}>
              Format
            </button>
            <button className="btn" onClick={() => setSavingQuery(true)} aria-label="Save the query" data-testid="save-query" title="Keep this tab's SQL under a name">
              Save…
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
          <div className="editor-stack">
            <EditorTabs
              tabs={tabs.tabs}
              activeTabId={tabs.activeTab?.id ?? null}
              saving={tabs.saving}
              onSelect={(tabId) => dbs.activeId && tabs.select(dbs.activeId, tabId)}
              onAdd={() => dbs.activeId && tabs.add(dbs.activeId, '')}
              onClose={closeTab}
              onRename={(tabId, title) => dbs.activeId && tabs.rename(dbs.activeId, tabId, title)}
            />
            <SqlEditor
              ref={editor}
              initialValue=""
              theme={theme}
              onRun={run}
              onRunScript={runScript}
              onChange={(tabId) => {
                if (formatError) setFormatError(null)
                const owner = tabs.ownerOf(tabId)
                if (owner) tabs.touch(owner)
              }}
            />
          </div>
          <div className="splitter splitter--y" onPointerDown={editorPane.onPointerDown} role="separator" aria-orientation="horizontal" aria-label="Resize editor" />
          <div className="results" data-testid="results" data-settled={query.settled} aria-busy={running}>
            <div className="results-tabs" role="tablist" aria-label="Result views">
              <button role="tab" className="results-tab" aria-selected={shownView === 'grid'} onClick={() => setView('grid')} data-testid="view-grid">
                Grid
              </button>
              <button
                role="tab"
                className="results-tab"
                aria-selected={shownView === 'chart'}
                onClick={() => setView('chart')}
                disabled={!chartPlan}
                title={chartPlan ? 'Chart the result' : 'A chart needs a text or date column and a numeric column'}
                data-testid="view-chart"
              >
                Chart
              </button>
              <button role="tab" className="results-tab" aria-selected={shownView === 'history'} onClick={() => setView('history')} data-testid="view-history">
                History{history.items.length > 0 ? ` (${history.items.length})` : ''}
              </button>
            </div>
            {shownView === 'grid' && (
              <ResultsPane
                state={query.state}
                onCancel={() => dbs.activeId && void query.cancel(dbs.activeId)}
                onDismissError={() => dbs.activeId && query.reset(dbs.activeId)}
                onSelectStep={(index) => dbs.activeId && query.showStep(dbs.activeId, index)}
              />
            )}
            {shownView === 'chart' && chartPlan && query.state.status === 'done' && (
              <ResultChart key={query.state.result.sql + query.state.result.elapsedMs} result={query.state.result} plan={chartPlan} theme={theme} />
            )}
            {shownView === 'history' && (
              <div className="history-view">
                <div className="segmented" role="group" aria-label="Which history">
                  {(
                    [
                      ['questions', `Questions${history.items.length ? ` (${history.items.length})` : ''}`],
                      ['runs', 'SQL run by hand'],
                      ['saved', `Saved${tabs.saved.length ? ` (${tabs.saved.length})` : ''}`],
                    ] as const
                  ).map(([kind, label]) => (
                    <button
                      key={kind}
                      type="button"
                      className={`segmented__btn${historyKind === kind ? ' segmented__btn--on' : ''}`}
                      aria-pressed={historyKind === kind} onClick={() => setHistoryKind(kind)} data-testid={`history-kind-${kind}`}>
                      {label}
                    </button>
                  ))}
                </div>
                {historyKind === 'questions' && <HistoryPanel items={history.items} loaded={history.loaded} error={history.error} onRerun={rerun} onMark={history.mark} />}
                {historyKind !== 'questions' && dbs.activeId && (
                  <SqlLibraryPanel
                    kind={historyKind}
                    dbId={dbs.activeId}
                    version={query.settled}
                    saved={tabs.saved}
                    onOpen={openInTab}
                    onRun={rerun}
                    onDelete={(id) => tabs.deleteQuery(dbs.activeId!, id)}
                  />
                )}
              </div>
            )}
          </div>
        </section>
      </main>
      {overlay === 'models' && (
        <ModelsDrawer
          current={model}
          onClose={() => setOverlay(null)}
          onExport={(adapter) => {
            setOverlay(null)
            setExportAdapter(adapter)
          }}
        />
      )}
      {exportAdapter !== null && <ExportDialog current={model} adapterPath={exportAdapter || undefined} onClose={() => setExportAdapter(null)} />}
      <DatabaseDropZone onOpenPath={dbs.openPath} />
      {overlay === 'settings' && dbs.settings && <SettingsDialog settings={dbs.settings} onClose={() => setOverlay(null)} />}
      {overlay === 'help' && <HelpOverlay onClose={() => setOverlay(null)} />}
      {savingQuery && dbs.activeId && (
        <SaveQueryDialog
          initialName={tabs.activeTab && !/^Query \d+$/.test(tabs.activeTab.title) ? tabs.activeTab.title : ''}
          existing={tabs.saved.map((q) => q.name)}
          onSave={(name) => tabs.saveQuery(dbs.activeId!, name, editor.current?.getValue() ?? '')}
          onClose={() => setSavingQuery(false)}
        />
      )}
      {overlay === 'teacher' && <TeacherDialog onClose={() => setOverlay(null)} />}
      {teacherDiff.target && (
        <TeacherDiffDialog
          key={`${teacherDiff.target.recordId}:${teacherDiff.target.seq}`}
          target={teacherDiff.target}
          theme={theme}
          onClose={teacherDiff.close}
          onMarked={() => setHistoryVersion((v) => v + 1)}
          onShowHistory={() => {
            teacherDiff.close()
            setView('history')
          }}
        />
      )}
      {overlay === 'customize' && active && <CustomizeDialog dbId={active.id} dbName={active.name} model={model} theme={theme} onClose={() => setOverlay(null)} />}
      {dialogOpen && (
        <OpenDatabaseDialog
          recent={dbs.recent}
          opening={dbs.opening}
          error={dbs.openError}
          nativeFileDialog={Boolean(dbs.appInfo?.capabilities.nativeFileDialog)}
          canRememberPassword={dbs.appInfo?.shell === 'electron'}
          onOpenPath={async (p) => (await dbs.openPath(p)) && setDialogOpen(false)}
          onOpenServer={async (url, password, remember) => (await dbs.openServer(url, password, remember)) && setDialogOpen(false)}
          onChooseFile={async () => (await dbs.openWithNativeDialog()) && setDialogOpen(false)}
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
