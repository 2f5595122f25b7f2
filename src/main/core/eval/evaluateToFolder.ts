// One evaluation run written to a folder: items.jsonl (per item, append-only), report.json and report.html.
// The CLI and the benchmark script both go through here so their output folders look the same.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { SqlstillError } from '../../../shared/errors'
import { renderComparisonHtml, renderReportHtml } from './html'
import { compareRuns, type RunComparison } from './compare'
import type { EvalSet } from './inputs'
import { buildReport, isEvalReport, type EvalReport } from './report'
import { DEFAULT_EVAL_TIMEOUT_MS, runEvaluation, type EvalProgress, type Predictor } from './runner'
import type { ItemRecord } from './types'

export const ITEMS_FILE = 'items.jsonl'
export const REPORT_JSON = 'report.json'
export const REPORT_HTML = 'report.html'

export interface EvaluateToFolderOptions {
  set: EvalSet
  predict: Predictor
  /** Names the predictor in reports (a model file name, "gold"). */
  predictorName: string
  outDir: string
  limit?: number
  dbFilter?: string[]
  timeoutMs?: number
  /** Continue the run whose items.jsonl is already in outDir; without it an existing run is an error. */
  resume?: boolean
  onProgress?: (p: EvalProgress) => void
  signal?: AbortSignal
}

export interface FolderRun {
  report: EvalReport
  records: ItemRecord[]
  resumed: number
  files: { items: string; json: string; html: string }
}

export async function evaluateToFolder(opts: EvaluateToFolderOptions): Promise<FolderRun> {
  const outDir = resolve(opts.outDir)
  const files = { items: join(outDir, ITEMS_FILE), json: join(outDir, REPORT_JSON), html: join(outDir, REPORT_HTML) }
  if (existsSync(files.items) && !opts.resume) {
    throw new SqlstillError(
      'BAD_REQUEST',
      `${outDir} already holds an evaluation run; resume it (--resume) or choose another output folder.`,
      { path: outDir },
    )
  }
  mkdirSync(outDir, { recursive: true })
  const timeoutMs = opts.timeoutMs ?? DEFAULT_EVAL_TIMEOUT_MS
  const run = await runEvaluation({
    items: opts.set.items,
    predict: opts.predict,
    dbResolver: opts.set.dbResolver,
    outFile: files.items,
    limit: opts.limit,
    dbFilter: opts.dbFilter,
    timeoutMs,
    onProgress: opts.onProgress,
    signal: opts.signal,
  })
  const report = buildReport(run.records, {
    source: opts.set.name,
    predictor: opts.predictorName,
    timeoutMs,
    limit: opts.limit,
    dbFilter: opts.dbFilter,
    itemsFile: ITEMS_FILE,
  })
  writeFileSync(files.json, JSON.stringify(report, null, 2) + '\n')
  writeFileSync(files.html, renderReportHtml(report, run.records))
  return { report, records: run.records, resumed: run.resumed, files }
}

export function readReport(file: string): EvalReport {
  const abs = resolve(file)
  if (!existsSync(abs)) throw new SqlstillError('NOT_FOUND', `The report ${abs} does not exist.`, { path: abs })
  let value: unknown
  try {
    value = JSON.parse(readFileSync(abs, 'utf8'))
  } catch (err) {
    throw new SqlstillError('BAD_REQUEST', `The report ${abs} is not valid JSON: ${(err as Error).message}`, { path: abs })
  }
  if (!isEvalReport(value)) {
    throw new SqlstillError('BAD_REQUEST', `${abs} is not a sqlstill evaluation report (or one from an incompatible version).`, {
      path: abs,
    })
  }
  return value
}

/** Compares two report files; writes HTML to outFile and, beside it, the same comparison as JSON. */
export function compareReportFiles(fileA: string, fileB: string, outFile: string): { comparison: RunComparison; html: string; json: string } {
  const comparison = compareRuns(readReport(fileA), readReport(fileB))
  const html = resolve(outFile)
  const json = html.replace(/\.html?$/i, '') + '.json'
  writeFileSync(html, renderComparisonHtml(comparison))
  writeFileSync(json, JSON.stringify(comparison, null, 2) + '\n')
  return { comparison, html, json }
}
