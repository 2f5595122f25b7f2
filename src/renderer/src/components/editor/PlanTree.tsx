import { useMemo } from 'react'
import type { QueryResult } from '../../../../shared/query'

interface PlanNode {
  id: number
  detail: string
  children: PlanNode[]
}

/** EXPLAIN QUERY PLAN's rows (id, parent, notused, detail): the shape SQLite returns them in. */
export function isQueryPlan(result: QueryResult): boolean {
  const names = result.columns.map((c) => c.name.toLowerCase())
  return names.length === 4 && names[0] === 'id' && names[1] === 'parent' && names[3] === 'detail'
}

function buildTree(result: QueryResult): PlanNode[] {
  const nodes = new Map<number, PlanNode>()
  const roots: PlanNode[] = []
  for (const row of result.rows) {
    const node: PlanNode = { id: Number(row[0]), detail: String(row[3] ?? ''), children: [] }
    nodes.set(node.id, node)
    const parent = nodes.get(Number(row[1]))
    // SQLite lists a parent before its children; a row whose parent is unknown is a root
    if (parent) parent.children.push(node)
    else roots.push(node)
  }
  return roots
}

/** A full scan of a table (not of an index, not a covering one) is what usually makes a query slow. */
function isFullScan(detail: string): boolean {
  return /^SCAN\b/.test(detail) && !/\bUSING (?:COVERING )?INDEX\b/.test(detail)
}

function Node({ node }: { node: PlanNode }) {
  const scan = isFullScan(node.detail)
  return (
    <li className={`plan-node${scan ? ' plan-node--scan' : ''}`} data-testid="plan-node" data-detail={node.detail}>
      <span className="plan-node__detail">{node.detail}</span>
      {scan && (
        <span className="plan-node__badge" title="Every row of the table is read: an index on the filtered or joined column would avoid it">
          full scan
        </span>
      )}
      {node.children.length > 0 && (
        <ul>
          {node.children.map((c) => (
            <Node key={c.id} node={c} />
          ))}
        </ul>
      )}
    </li>
  )
}

/** The query plan as the tree SQLite means it to be read, full table scans marked. */
export function PlanTree({ result, onShowGrid }: { result: QueryResult; onShowGrid(): void }) {
  const roots = useMemo(() => buildTree(result), [result])
  return (
    <div className="plan-tree" data-testid="plan-tree">
      <div className="plan-tree__toolbar">
        <strong>Query plan</strong>
        <span className="muted small">{result.rowCount} steps</span>
        <span className="toolbar-spacer" />
        <button type="button" className="btn btn--small" onClick={onShowGrid} data-testid="plan-as-grid">
          Show as rows
        </button>
      </div>
      <ul role="tree" aria-label="Query plan">
        {roots.map((n) => (
          <Node key={n.id} node={n} />
        ))}
      </ul>
    </div>
  )
}
