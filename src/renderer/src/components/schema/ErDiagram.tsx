// Draws a laid-out ER diagram as SVG, with pan (drag), zoom (wheel, buttons) and Fit. Colours come from the
// theme's CSS variables (styles.css, .er-*), so it follows light and dark without knowing which is on.
import { useCallback, useEffect, useRef, useState } from 'react'
import { HEADER_HEIGHT, ROW_HEIGHT, type ErBox, type ErLayout } from './erLayout'

const MIN_ZOOM = 0.1
const MAX_ZOOM = 2.5
/** A press that moves less than this is a click on a box, not the start of a pan. */
const DRAG_THRESHOLD = 4

interface View {
  x: number
  y: number
  k: number
}

interface Props {
  layout: ErLayout
  onSelectTable(name: string): void
}

export function ErDiagram({ layout, onSelectTable }: Props) {
  const viewport = useRef<HTMLDivElement>(null)
  const [view, setView] = useState<View>({ x: 0, y: 0, k: 1 })
  const drag = useRef<{ startX: number; startY: number; view: View; moved: boolean } | null>(null)

  const fit = useCallback(() => {
    const el = viewport.current
    if (!el || layout.width === 0) return
    const { width, height } = el.getBoundingClientRect()
    // never blow a small diagram up past 100%: bigger text is not more legible, just emptier
    const k = Math.min(1, Math.max(MIN_ZOOM, Math.min(width / layout.width, height / layout.height)))
    setView({ k, x: (width - layout.width * k) / 2, y: (height - layout.height * k) / 2 })
  }, [layout])
  // Fit each new layout once the viewport has a size: the dialog around it opens (showModal) after this mounts.
  const fitted = useRef<ErLayout | null>(null)
  useEffect(() => {
    const el = viewport.current
    if (!el) return
    const observer = new ResizeObserver(() => {
      if (fitted.current === layout || el.clientWidth === 0) return
      fitted.current = layout
      fit()
    })
    observer.observe(el)
    return () => observer.disconnect()
  }, [layout, fit])

  const zoomAt = useCallback((factor: number, cx?: number, cy?: number) => {
    const el = viewport.current
    if (!el) return
    const rect = el.getBoundingClientRect()
    const px = cx ?? rect.width / 2
    const py = cy ?? rect.height / 2
    setView((v) => {
      const k = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, v.k * factor))
      // keep the point under the cursor where it is
      return { k, x: px - ((px - v.x) * k) / v.k, y: py - ((py - v.y) * k) / v.k }
    })
  }, [])

  // Wheel zoom needs preventDefault (or the dialog scrolls), which React's passive wheel listener cannot do.
  useEffect(() => {
    const el = viewport.current
    if (!el) return
    const onWheel = (event: WheelEvent) => {
      event.preventDefault()
      const rect = el.getBoundingClientRect()
      zoomAt(Math.exp(-event.deltaY * 0.0015), event.clientX - rect.left, event.clientY - rect.top)
    }
    el.addEventListener('wheel', onWheel, { passive: false })
    return () => el.removeEventListener('wheel', onWheel)
  }, [zoomAt])

  const onPointerDown = (event: React.PointerEvent) => {
    if (event.button !== 0) return
    drag.current = { startX: event.clientX, startY: event.clientY, view, moved: false }
  }
  const onPointerMove = (event: React.PointerEvent) => {
    const d = drag.current
    if (!d) return
    const dx = event.clientX - d.startX
    const dy = event.clientY - d.startY
    if (!d.moved && Math.hypot(dx, dy) < DRAG_THRESHOLD) return
    if (!d.moved) viewport.current?.setPointerCapture(event.pointerId)
    d.moved = true
    setView({ ...d.view, x: d.view.x + dx, y: d.view.y + dy })
  }
  const onPointerUp = (event: React.PointerEvent) => {
    const d = drag.current
    drag.current = null
    if (d?.moved) viewport.current?.releasePointerCapture(event.pointerId)
    // a press that did not move is a click: on a box it selects that table
    else if (d) {
      const box = (event.target as Element).closest('[data-er-table]')
      if (box) onSelectTable(box.getAttribute('data-er-table')!)
    }
  }

  return (
    <div className="er-diagram">
      <div className="er-diagram__tools" role="toolbar" aria-label="Diagram view">
        <button type="button" className="btn btn--small" onClick={() => zoomAt(1.25)} aria-label="Zoom in" data-testid="er-zoom-in">
          +
        </button>
        <button type="button" className="btn btn--small" onClick={() => zoomAt(0.8)} aria-label="Zoom out" data-testid="er-zoom-out">
          −
        </button>
        <button type="button" className="btn btn--small" onClick={() => setView((v) => ({ ...v, k: 1 }))} aria-label="Actual size">
          100%
        </button>
        <button type="button" className="btn btn--small" onClick={fit} data-testid="er-fit">
          Fit
        </button>
        <span className="muted small" data-testid="er-zoom">
          {Math.round(view.k * 100)}%
        </span>
      </div>
      <div
        ref={viewport}
        className="er-diagram__viewport"
        data-testid="er-viewport"
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={() => (drag.current = null)}
      >
        <svg className="er-svg" width="100%" height="100%" data-testid="er-svg" role="img" aria-label={`Diagram of ${layout.boxes.length} tables`}>
          <defs>
            <marker id="er-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M0,0 L10,5 L0,10 z" className="er-arrow" />
            </marker>
          </defs>
          <g transform={`translate(${view.x},${view.y}) scale(${view.k})`} data-testid="er-canvas">
            {/* edges under the boxes: where a line must cross a box, the box stays readable */}
            <g>
              {layout.edges.map((e) => (
                <path key={e.id} d={e.path} className="er-edge" markerEnd="url(#er-arrow)" data-testid="er-edge" data-from={e.from} data-to={e.to}>
                  <title>{`${e.from}.${e.fromColumn} → ${e.to}`}</title>
                </path>
              ))}
            </g>
            {layout.boxes.map((box) => (
              <TableBox key={box.table} box={box} onSelect={onSelectTable} />
            ))}
          </g>
        </svg>
      </div>
    </div>
  )
}

function TableBox({ box, onSelect }: { box: ErBox; onSelect(name: string): void }) {
  return (
    <g
      transform={`translate(${box.x},${box.y})`}
      className={`er-box er-box--${box.kind}`}
      data-testid="er-table"
      data-er-table={box.table}
      role="button"
      tabIndex={0}
      aria-label={`${box.table}: show in the schema tree`}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault()
          onSelect(box.table)
        }
      }}
    >
      <title>{box.table}</title>
      <rect className="er-box__frame" width={box.width} height={box.height} rx={5} />
      <path className="er-box__head" d={`M0,5 a5,5 0 0 1 5,-5 h${box.width - 10} a5,5 0 0 1 5,5 v${HEADER_HEIGHT - 5} h-${box.width} z`} />
      <text className="er-box__name" x={10} y={HEADER_HEIGHT / 2 + 4}>
        {box.label}
      </text>
      {box.rows.map((row, i) => {
        const y = HEADER_HEIGHT + i * ROW_HEIGHT + ROW_HEIGHT / 2 + 4
        return (
          <g key={row.name} data-testid="er-column">
            {row.pk && (
              <text className="er-key er-key--pk" x={8} y={y}>
                PK
              </text>
            )}
            {row.fk && (
              <text className="er-key er-key--fk" x={row.pk ? 22 : 8} y={y}>
                FK
              </text>
            )}
            <text className="er-col" x={row.pk && row.fk ? 38 : 26} y={y}>
              {row.name}
            </text>
            <text className="er-type" x={box.width - 8} y={y} textAnchor="end">
              {row.type}
            </text>
          </g>
        )
      })}
      {box.hiddenColumns > 0 && (
        <text className="er-type" x={26} y={HEADER_HEIGHT + box.rows.length * ROW_HEIGHT + ROW_HEIGHT / 2 + 4}>
          +{box.hiddenColumns} more
        </text>
      )}
    </g>
  )
}
