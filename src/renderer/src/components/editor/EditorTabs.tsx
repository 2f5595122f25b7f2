import { useState, type KeyboardEvent } from 'react'
import type { EditorTab } from '../../../../shared/workspace'
import { SparkIcon } from '../Icons'
import '../../styles/editor.css'

interface Props {
  tabs: EditorTab[]
  activeTabId: string | null
  /** A save of the tabs is waiting or in flight. */
  saving: boolean
  disabled?: boolean
  onSelect(tabId: string): void
  onAdd(): void
  onClose(tabId: string): void
  onRename(tabId: string, title: string): void
}

/** The query tabs of the shown database: each keeps its own SQL and undo history; double-click renames. */
export function EditorTabs({ tabs, activeTabId, saving, disabled, onSelect, onAdd, onClose, onRename }: Props) {
  const [renaming, setRenaming] = useState<string | null>(null)

  const onTabKey = (event: KeyboardEvent, index: number) => {
    // arrow keys move between tabs, as in any tablist
    const next = event.key === 'ArrowRight' ? index + 1 : event.key === 'ArrowLeft' ? index - 1 : null
    if (next === null) return
    const tab = tabs[(next + tabs.length) % tabs.length]
    if (!tab) return
    event.preventDefault()
    onSelect(tab.id)
    document.querySelector<HTMLElement>(`[data-testid="editor-tab"][data-tab-id="${tab.id}"] [role="tab"]`)?.focus()
  }

  return (
    <div className="editor-tabs" data-testid="editor-tabs" data-saving={saving ? 'true' : 'false'}>
      <div className="editor-tabs__list" role="tablist" aria-label="Query tabs">
        {tabs.map((tab, index) => {
          const active = tab.id === activeTabId
          return (
            <div
              key={tab.id}
              className={`editor-tab${active ? ' editor-tab--active' : ''}${tab.kind === 'answer' ? ' editor-tab--answer' : ''}`}
              data-testid="editor-tab"
              data-tab-id={tab.id}
              data-kind={tab.kind}
              data-active={active ? 'true' : 'false'}
            >
              {renaming === tab.id ? (
                <input
                  className="editor-tab__rename"
                  defaultValue={tab.title}
                  autoFocus
                  aria-label="Tab name"
                  data-testid="editor-tab-rename"
                  maxLength={200}
                  onBlur={(e) => {
                    onRename(tab.id, e.target.value)
                    setRenaming(null)
                  }}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter') (e.target as HTMLInputElement).blur()
                    if (e.key === 'Escape') {
                      e.preventDefault()
                      e.stopPropagation()
                      setRenaming(null)
                    }
                  }}
                />
              ) : (
                <button
                  type="button"
                  role="tab"
                  aria-selected={active}
                  tabIndex={active ? 0 : -1}
                  className="editor-tab__select"
                  title={tab.kind === 'answer' ? `The assistant's answer to: ${tab.title}` : `${tab.title} (double-click to rename)`}
                  disabled={disabled && !active}
                  onClick={() => onSelect(tab.id)}
                  onDoubleClick={() => setRenaming(tab.id)}
                  onKeyDown={(e) => onTabKey(e, index)}
                  onAuxClick={(e) => e.button === 1 && onClose(tab.id)}
                >
                  {tab.kind === 'answer' && <SparkIcon aria-hidden />}
                  <span className="editor-tab__title">{tab.title}</span>
                </button>
              )}
              <button
                type="button"
                className="editor-tab__close"
                aria-label={`Close ${tab.title}`}
                title="Close tab"
                data-testid="editor-tab-close"
                disabled={disabled}
                onClick={() => onClose(tab.id)}
              >
                ×
              </button>
            </div>
          )
        })}
      </div>
      <button type="button" className="editor-tabs__add" onClick={onAdd} aria-label="New query tab" title="New query tab" data-testid="editor-tab-add" disabled={disabled}>
        +
      </button>
    </div>
  )
}
