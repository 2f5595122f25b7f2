import { useCallback, useEffect, useRef, type RefObject } from 'react'
import type { CellPos } from './cellRange'

/** Pixels per frame at the fastest, reached this far past the edge. */
const MAX_SPEED = 28
const FULL_SPEED_DISTANCE = 80

/** How fast to scroll for a pointer `past` pixels beyond an edge (negative: inside it). */
function speed(past: number): number {
  return past <= 0 ? 0 : Math.ceil((Math.min(past, FULL_SPEED_DISTANCE) / FULL_SPEED_DISTANCE) * MAX_SPEED)
}

/**
 * Dragging out a cell rectangle: while the button is held, the cell under the pointer is the rectangle's far
 * corner, and a pointer past an edge of the grid scrolls it (faster the further out), so a drag can reach rows
 * and columns that were off screen. Cells carry data-row and data-col; the insets are the sticky header and the
 * row numbers, which count as edges too.
 */
export function useDragSelect(scroller: RefObject<HTMLDivElement | null>, insets: { top: number; left: number }, onFocus: (pos: CellPos) => void) {
  const pointer = useRef<{ x: number; y: number } | null>(null)
  const frame = useRef(0)
  const latest = useRef({ onFocus, insets })
  latest.current = { onFocus, insets }

  const stop = useCallback(() => {
    pointer.current = null
    cancelAnimationFrame(frame.current)
  }, [])

  const tick = useCallback(() => {
    const pane = scroller.current
    const at = pointer.current
    if (!pane || !at) return
    const box = pane.getBoundingClientRect()
    const { top, left } = latest.current.insets
    const inner = { left: box.left + pane.clientLeft + left, top: box.top + pane.clientTop + top }
    const right = box.left + pane.clientLeft + pane.clientWidth
    const bottom = box.top + pane.clientTop + pane.clientHeight
    pane.scrollBy(speed(at.x - right) - speed(inner.left - at.x), speed(at.y - bottom) - speed(inner.top - at.y))
    // the cell at the pointer, or at the nearest point inside the grid when the pointer is outside it
    const x = Math.min(right - 2, Math.max(inner.left + 2, at.x))
    const y = Math.min(bottom - 2, Math.max(inner.top + 2, at.y))
    const cell = document.elementFromPoint(x, y)?.closest<HTMLElement>('[data-row][data-col]')
    if (cell) latest.current.onFocus({ row: Number(cell.dataset.row), col: Number(cell.dataset.col) })
    frame.current = requestAnimationFrame(tick)
  }, [scroller])

  useEffect(() => {
    const move = (event: MouseEvent) => {
      if (!pointer.current) return
      if ((event.buttons & 1) === 0) return stop()
      pointer.current = { x: event.clientX, y: event.clientY }
    }
    window.addEventListener('mousemove', move)
    window.addEventListener('mouseup', stop)
    return () => {
      window.removeEventListener('mousemove', move)
      window.removeEventListener('mouseup', stop)
      stop()
    }
  }, [stop])

  /** Starts following the pointer from a mousedown on a cell. */
  return useCallback(
    (event: { clientX: number; clientY: number }) => {
      cancelAnimationFrame(frame.current)
      pointer.current = { x: event.clientX, y: event.clientY }
      frame.current = requestAnimationFrame(tick)
    },
    [tick],
  )
}
