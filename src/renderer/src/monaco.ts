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

/** Monaco's built-in theme for the app's theme (Monaco has one theme for every editor on the page). */
export function monacoTheme(theme: ResolvedTheme): string {
  return theme === 'dark' ? 'vs-dark' : 'vs'
}

/** Ctrl/Cmd+Enter in `editor` runs `action`, closing an open suggestion list first so it does not cover the outcome. */
export function onCtrlEnter(editor: monaco.editor.IStandaloneCodeEditor, action: () => void): void {
  editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => {
    editor.trigger('sqlstill', 'hideSuggestWidget', null)
    action()
  })
}
