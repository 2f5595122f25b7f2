// Small inline SVG icons (no icon font: nothing to fetch, crisp at any zoom, colored by currentColor).
import type { SVGProps } from 'react'

const base = { width: 14, height: 14, viewBox: '0 0 16 16', fill: 'none', stroke: 'currentColor', strokeWidth: 1.4, 'aria-hidden': true } as const

export const TableIcon = (p: SVGProps<SVGSVGElement>) => (
  <svg {...base} {...p}>
    <rect x="1.5" y="2.5" width="13" height="11" rx="1.5" />
    <path d="M1.5 6h13M1.5 9.5h13M6 6v7.5" />
  </svg>
)
export const ViewIcon = (p: SVGProps<SVGSVGElement>) => (
  <svg {...base} {...p}>
    <path d="M1 8s2.5-4.5 7-4.5S15 8 15 8s-2.5 4.5-7 4.5S1 8 1 8z" />
    <circle cx="8" cy="8" r="2" />
  </svg>
)
export const VirtualIcon = (p: SVGProps<SVGSVGElement>) => (
  <svg {...base} {...p}>
    <rect x="1.5" y="2.5" width="13" height="11" rx="1.5" strokeDasharray="2 1.5" />
    <path d="M1.5 6h13" />
  </svg>
)
export const Chevron = ({ open, ...p }: SVGProps<SVGSVGElement> & { open: boolean }) => (
  <svg {...base} width={12} height={12} {...p} style={{ transform: open ? 'rotate(90deg)' : undefined, transition: 'transform 80ms' }}>
    <path d="M6 3.5 10.5 8 6 12.5" />
  </svg>
)
export const DatabaseIcon = (p: SVGProps<SVGSVGElement>) => (
  <svg {...base} {...p}>
    <ellipse cx="8" cy="3.5" rx="5.5" ry="2" />
    <path d="M2.5 3.5v9c0 1.1 2.5 2 5.5 2s5.5-.9 5.5-2v-9M2.5 8c0 1.1 2.5 2 5.5 2s5.5-.9 5.5-2" />
  </svg>
)
export const PlayIcon = (p: SVGProps<SVGSVGElement>) => (
  <svg {...base} fill="currentColor" stroke="none" {...p}>
    <path d="M4 2.5v11l9-5.5z" />
  </svg>
)
export const StopIcon = (p: SVGProps<SVGSVGElement>) => (
  <svg {...base} fill="currentColor" stroke="none" {...p}>
    <rect x="3.5" y="3.5" width="9" height="9" rx="1" />
  </svg>
)
/** A speech bubble: the question box. */
export const SparkIcon = (p: SVGProps<SVGSVGElement>) => (
  <svg {...base} {...p}>
    <path d="M2 3.5A1.5 1.5 0 0 1 3.5 2h9A1.5 1.5 0 0 1 14 3.5v6a1.5 1.5 0 0 1-1.5 1.5H7l-3 3v-3h-.5A1.5 1.5 0 0 1 2 9.5z" />
    <path d="M5 5.5h6M5 8h4" />
  </svg>
)
export const GearIcon = (p: SVGProps<SVGSVGElement>) => (
  <svg {...base} {...p}>
    <circle cx="8" cy="8" r="2.2" />
    <path d="M8 1.5v2M8 12.5v2M1.5 8h2M12.5 8h2M3.4 3.4l1.4 1.4M11.2 11.2l1.4 1.4M3.4 12.6l1.4-1.4M11.2 4.8l1.4-1.4" />
  </svg>
)
export const ChipIcon = (p: SVGProps<SVGSVGElement>) => (
  <svg {...base} {...p}>
    <rect x="4" y="4" width="8" height="8" rx="1" />
    <path d="M6 1.5V4M10 1.5V4M6 12v2.5M10 12v2.5M1.5 6H4M1.5 10H4M12 6h2.5M12 10h2.5" />
  </svg>
)
export const PinIcon = (p: SVGProps<SVGSVGElement>) => (
  <svg {...base} width={11} height={11} {...p}>
    <path d="M6 1.5h4l-.6 4.2L12 8.5H4l2.6-2.8zM8 8.5V15" />
  </svg>
)
/** An index: a sorted list. */
export const IndexIcon = (p: SVGProps<SVGSVGElement>) => (
  <svg {...base} {...p}>
    <path d="M2 4h7M2 8h5M2 12h3M12 3v10M9.5 10.5 12 13l2.5-2.5" />
  </svg>
)
/** A trigger: a lightning bolt. */
export const TriggerIcon = (p: SVGProps<SVGSVGElement>) => (
  <svg {...base} {...p}>
    <path d="M9 1.5 3.5 9H8l-1 5.5L12.5 7H8z" />
  </svg>
)
/** The ER diagram: two boxes and a link. */
export const DiagramIcon = (p: SVGProps<SVGSVGElement>) => (
  <svg {...base} {...p}>
    <rect x="1.5" y="2" width="5.5" height="5" rx="1" />
    <rect x="9" y="9" width="5.5" height="5" rx="1" />
    <path d="M7 4.5h2.5a1.5 1.5 0 0 1 1.5 1.5v3" />
  </svg>
)
/** DuckDB: columns of a columnar store. */
export const ColumnsIcon = (p: SVGProps<SVGSVGElement>) => (
  <svg {...base} {...p}>
    <rect x="1.5" y="2.5" width="3.5" height="11" rx="1" />
    <rect x="6.25" y="5" width="3.5" height="8.5" rx="1" />
    <rect x="11" y="7.5" width="3.5" height="6" rx="1" />
  </svg>
)
/** A database server (PostgreSQL): two rack units with status lights. */
export const ServerIcon = (p: SVGProps<SVGSVGElement>) => (
  <svg {...base} {...p}>
    <rect x="1.5" y="2" width="13" height="5" rx="1.2" />
    <rect x="1.5" y="9" width="13" height="5" rx="1.2" />
    <path d="M4 4.5h.01M4 11.5h.01M7 4.5h5M7 11.5h5" strokeLinecap="round" />
  </svg>
)
