import type { SVGProps } from 'react'
import { ENGINE_LABELS, type DatabaseEngine } from '../../../shared/engine'
import { ColumnsIcon, DatabaseIcon, ServerIcon } from './Icons'

const ICONS: Record<DatabaseEngine, (p: SVGProps<SVGSVGElement>) => React.JSX.Element> = {
  sqlite: DatabaseIcon,
  duckdb: ColumnsIcon,
  postgres: ServerIcon,
}

/** Which engine a tab or Recent entry is, at a glance; the engine's name is in the element's title for hover and tests. */
export function EngineIcon({ engine, ...p }: SVGProps<SVGSVGElement> & { engine: DatabaseEngine }) {
  const Icon = ICONS[engine] ?? DatabaseIcon
  return (
    <span className="engine-icon" data-engine={engine} data-testid="engine-icon" title={ENGINE_LABELS[engine]}>
      <Icon {...p} />
    </span>
  )
}
