// Monaco from the local package only: the editor API, the SQL tokenizer and the editor worker, all bundled by
// Vite. Nothing is fetched from a CDN, so the editor works offline and under a strict CSP.
import * as monaco from 'monaco-editor/editor/editor.api'
// editor.api is the bare editor; this adds the usual editor features (suggest, find, clipboard, comments,
// context menu, folding, bracket matching…) without the language services that would need more workers.
import 'monaco-editor/features/register.all'
import 'monaco-editor/languages/definitions/sql/register'
import EditorWorker from 'monaco-editor/editor/editor.worker?worker'
import type { ResolvedTheme } from './hooks/useTheme'

self.MonacoEnvironment = { getWorker: () => new EditorWorker() }

export { monaco }

let themesDefined = false

/**
 * The editor theme for the app's theme (Monaco has one theme for every editor on the page): Monaco's own, with
 * comments in grey instead of green: in the teacher diff, a green comment on the green "inserted" background
 * could not be read (above all in the dark theme), and the student's commented-out prose is shown as comments.
 */
export function monacoTheme(theme: ResolvedTheme): string {
  if (!themesDefined) {
    themesDefined = true
    monaco.editor.defineTheme('sqlstill-dark', { base: 'vs-dark', inherit: true, rules: [{ token: 'comment', foreground: 'a0a8b3', fontStyle: 'italic' }], colors: {} })
    monaco.editor.defineTheme('sqlstill-light', { base: 'vs', inherit: true, rules: [{ token: 'comment', foreground: '5f6b7a', fontStyle: 'italic' }], colors: {} })
  }
  return theme === 'dark' ? 'sqlstill-dark' : 'sqlstill-light'
}

/**
 * Ctrl/Cmd+Enter in `editor` runs `action`, closing an open suggestion list first so it does not cover the outcome.
 * An action, not `addCommand`: a command's keybinding is global to every editor on the page, so the diff editor's
 * binding (bound later) took Ctrl+Enter from the main editor for good; an action's keybinding holds only while
 * its own editor has focus.
 */
export function onCtrlEnter(editor: monaco.editor.IStandaloneCodeEditor, action: () => void): monaco.IDisposable {
  return editor.addAction({
    id: 'sqlstill.run',
    label: 'Run',
    keybindings: [monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter],
    run: () => {
      editor.trigger('sqlstill', 'hideSuggestWidget', null)
      action()
    },
  })
}

/** Ctrl/Cmd+Shift+Enter in `editor` runs every statement in it (or in the selection) as a script. */
export function onRunScript(editor: monaco.editor.IStandaloneCodeEditor, action: () => void): monaco.IDisposable {
  return editor.addAction({
    id: 'sqlstill.runScript',
    label: 'Run all statements',
    keybindings: [monaco.KeyMod.CtrlCmd | monaco.KeyMod.Shift | monaco.KeyCode.Enter],
    contextMenuGroupId: 'navigation',
    run: () => {
      editor.trigger('sqlstill', 'hideSuggestWidget', null)
      action()
    },
  })
}
