import { useEffect, useLayoutEffect, useRef, useState } from 'react'
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
import { setCompletionSchema } from './lib/sqlCompletion'

const STARTER_SQL = '-- Ctrl+Enter runs the selection, or the whole editor\nSELECT name, type FROM sqlite_schema ORDER BY type, name;\n'

type Overlay = 'models' | 'settings' | 'help' | 'customize' | 'teacher' | null
type ResultView = 'grid' | 'chart' | 'history'

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
  // Each open database keeps its own editor text; the editor itself stays mounted.
  const drafts = useRef(new Map<string, string>())
  const shownDb = useRef<string | null>(null)

  const sidebar = useSplitter(280, 180, () => window.innerWidth * 0.5, 'x')
  const editorPane = useSplitter(220, 90, () => window.innerHeight - 200, 'y')

  const active = dbs.databases.find((d) => d.id === dbs.activeId) ?? null

  const teacherDiff = useTeacherDiff()
  const onAskOutcome = (dbId: string, outcome: AskOutcome) => {
    const text = editorTextFor(outcome.record)
    if (dbId === shownDb.current) editor.current?.setValue(text)
    else drafts.current.set(dbId, text)
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
    if (askState.status !== 'running') return
    editor.current?.stream(askState.attempt > 0 ? `-- repair attempt ${askState.attempt}\n${askState.text}` : askState.text)
  }, [askState])
  const asking = askState.status === 'running'
  useEffect(() => {
    editor.current?.setReadOnly(asking)
  }, [asking])

  // A question stopped before the model wrote anything (or one that failed) gives the editor its text back.
  const beforeAsk = useRef(new Map<string, string>())
  useEffect(() => {
    const id = dbs.activeId
    if (!id || !beforeAsk.current.has(id)) return
    if (askState.status === 'running') return
    const previous = beforeAsk.current.get(id)!
    beforeAsk.current.delete(id)
    if ((askState.status === 'cancelled' && !askState.text.trim()) || askState.status === 'error') editor.current?.setValue(previous)
  }, [askState, dbs.activeId])

  const startAsk = (question: string) => {
    if (!dbs.activeId) return
    beforeAsk.current.set(dbs.activeId, editor.current?.getValue() ?? '')
    editor.current?.beginStream()
    editor.current?.stream('')
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
  const chartPlan = query.state.status === 'done' ? planChart(query.state.result) : null
  const shownView: ResultView = view === 'chart' && !chartPlan ? 'grid' : view

  const rerun = (sql: string) => {
    if (!dbs.activeId) return
    editor.current?.setValue(sql)
    setView('grid')
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
            <button className="btn" onClick={format} aria-label="Format SQL" data-testid="format-sql" disabled={asking}>
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
              />
            )}
            {shownView === 'chart' && chartPlan && query.state.status === 'done' && (
              <ResultChart key={query.state.result.sql + query.state.result.elapsedMs} result={query.state.result} plan={chartPlan} theme={theme} />
            )}
            {shownView === 'history' && (
              <HistoryPanel items={history.items} loaded={history.loaded} error={history.error} onRerun={rerun} onMark={history.mark} />
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
