import { useCallback, useState, type PointerEvent } from 'react'

/**
 * A draggable size (px) for a split pane, clamped to [min, max]. `direction` says which pointer axis grows it;
 * `sign` is -1 when dragging towards the origin should grow the pane.
 */
export function useSplitter(initial: number, min: number, max: () => number, direction: 'x' | 'y') {
  const [size, setSize] = useState(initial)

  const onPointerDown = useCallback(
    (event: PointerEvent<HTMLElement>) => {
      event.preventDefault()
      const start = direction === 'x' ? event.clientX : event.clientY
      const startSize = size
      const target = event.currentTarget
      target.setPointerCapture(event.pointerId)
      const move = (e: globalThis.PointerEvent) => {
        const delta = (direction === 'x' ? e.clientX : e.clientY) - start
        setSize(Math.min(max(), Math.max(min, startSize + delta)))
      }
      const up = () => {
        target.removeEventListener('pointermove', move)
        target.removeEventListener('pointerup', up)
        target.removeEventListener('pointercancel', up)
      }
      target.addEventListener('pointermove', move)
      target.addEventListener('pointerup', up)
      target.addEventListener('pointercancel', up)
    },
    [size, min, max, direction],
  )

  return { size, onPointerDown }
}
