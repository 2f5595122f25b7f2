// Every count a run shows must add up (issue 14.8): a stage's in = out + each reason something was dropped or
// rejected, a filter's in = pass + fail, and its fail = the sum of its reasons.
import { expect } from 'vitest'
import type { RunManifest } from '../../src/shared/customize'

const sum = (counts: Record<string, number> | undefined): number => Object.values(counts ?? {}).reduce((s, n) => s + n, 0)

export function expectCountsReconcile(manifest: RunManifest): void {
  for (const [name, stage] of Object.entries(manifest.stages)) {
    if (stage.status !== 'done' || stage.in === undefined) continue
    const filters = Object.values(stage.filters ?? {})
    for (const [filter, c] of Object.entries(stage.filters ?? {})) {
      expect({ stage: name, filter, in: c.in }).toEqual({ stage: name, filter, in: c.pass + c.fail })
      expect({ stage: name, filter, fail: c.fail }).toEqual({ stage: name, filter, fail: sum(c.reasons) })
    }
    const rejected = filters.reduce((s, c) => s + c.fail, 0)
    expect({ stage: name, in: stage.in }).toEqual({ stage: name, in: stage.out! + sum(stage.dropped) + rejected })
  }
}
