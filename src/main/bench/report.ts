// Benchmark reports: every figure is measured in the same run as its baseline and reported as a ratio
// next to the raw numbers, because absolute times on a shared 2-core machine are noise.
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'

export interface BenchFigure {
  name: string
  value: number
  unit: string
  /** For ratios: what was divided by what. */
  note?: string
  /** The figure's goal, when the issue sets one (e.g. overhead ≤ 1.05). */
  goal?: { op: '<=' | '>='; value: number }
}

export interface SectionResult {
  section: string
  figures: BenchFigure[]
  details?: Record<string, unknown>
  error?: string
  seconds: number
}

export interface BenchReport {
  schemaVersion: 1
  startedAt: string
  machine: { cpus: string; cores: number; memoryGiB: number; platform: string; node: string }
  sections: SectionResult[]
}

export function newReport(): BenchReport {
  const cpu = cpus()
  return {
    schemaVersion: 1,
    startedAt: new Date().toISOString(),
    machine: {
      cpus: cpu[0]?.model ?? 'unknown',
      cores: cpu.length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      platform: `${process.platform}-${process.arch}`,
      node: process.version,
    },
    sections: [],
  }
}

export function meetsGoal(f: BenchFigure): boolean | null {
  if (!f.goal) return null
  return f.goal.op === '<=' ? f.value <= f.goal.value : f.value >= f.goal.value
}

export function formatFigure(f: BenchFigure): string {
  const value = Math.abs(f.value) >= 100 ? f.value.toFixed(0) : f.value.toPrecision(3)
  const goal = f.goal ? `  (goal ${f.goal.op} ${f.goal.value}: ${meetsGoal(f) ? 'met' : 'NOT met'})` : ''
  return `  ${f.name.padEnd(48)} ${value.padStart(10)} ${f.unit}${goal}${f.note ? `  — ${f.note}` : ''}`
}

export function writeReport(report: BenchReport, dir: string): string {
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `bench-${report.startedAt.replace(/[:.]/g, '-')}.json`)
  const text = JSON.stringify(report, null, 2)
  writeFileSync(file, text)
  writeFileSync(join(dir, 'latest.json'), text)
  return file
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = (p / 100) * (sorted.length - 1)
  const lo = Math.floor(rank)
  const hi = Math.ceil(rank)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo)
}
