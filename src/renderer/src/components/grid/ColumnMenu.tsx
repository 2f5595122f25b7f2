import { useEffect, useRef, type KeyboardEvent } from 'react'
import { createPortal } from 'react-dom'

export interface ColumnMenuProps {
  column: string
  /** Where it opens, in viewport pixels (the pointer, or below the header's menu button). */
  x: number
  y: number
  pinned: boolean
  onFit(): void
  onTogglePin(): void
  onResetWidth(): void
  onClose(): void
}

/**
 * A header's actions. Drawn in a portal with fixed coordinates: inside the grid it would be clipped by the
 * scrolling pane when the results area is short.
 */
export function ColumnMenu({ column, x, y, pinned, onFit, onTogglePin, onResetWidth, onClose }: ColumnMenuProps) {
  const menu = useRef<HTMLDivElement>(null)

  useEffect(() => {
    menu.current?.querySelector('button')?.focus()
    const closeOutside = (event: MouseEvent) => {
      if (!menu.current?.contains(event.target as Node)) onClose()
    }
    document.addEventListener('mousedown', closeOutside)
    return () => document.removeEventListener('mousedown', closeOutside)
  }, [onClose])

  // keep it on screen near the right and bottom edges
  const left = Math.min(x, window.innerWidth - 200)
  const top = Math.min(y, window.innerHeight - 120)
  const act = (action: () => void) => () => {
    action()
    onClose()
  }
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.preventDefault()
      onClose()
      return
    }
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return
    event.preventDefault()
    const items = Array.from(menu.current?.querySelectorAll('button') ?? [])
    const at = items.indexOf(document.activeElement as HTMLButtonElement)
    items[(at + (event.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length]?.focus()
  }

  return createPortal(
    <div className="column-menu" ref={menu} role="menu" aria-label={`Column ${column}`} style={{ left, top }} onKeyDown={onKeyDown} data-testid="column-menu">
      <button role="menuitem" className="column-menu__item" onClick={act(onFit)} data-testid="column-fit">
        Fit width to content
      </button>
      <button role="menuitem" className="column-menu__item" onClick={act(onTogglePin)} data-testid="column-pin">
        {pinned ? 'Unpin column' : 'Pin to the left'}
      </button>
      <button role="menuitem" className="column-menu__item" onClick={act(onResetWidth)} data-testid="column-reset-width">
        Reset width
      </button>
    </div>,
    document.body,
  )
}
