// `npm run bench`: every section runs in this one process so its figures share conditions; each prints
// ratios against a baseline measured in the same run and lands in one JSON report.
import { join } from 'node:path'
import { appRoot } from '../core/platform/paths'
import { formatFigure, newReport, writeReport, type SectionResult } from './report'
import { benchBandwidth } from './sections/bandwidth'
import { benchEngine } from './sections/engine'
import { benchQueries } from './sections/queries'
import { benchTraining } from './sections/training'

type Section = { name: string; run: () => Promise<Omit<SectionResult, 'seconds'>> }

const SECTIONS: Section[] = [
  { name: 'memory-bandwidth', run: benchBandwidth },
  { name: 'queries', run: benchQueries },
  { name: 'training', run: () => benchTraining() },
  { name: 'architectures', run: () => benchTraining({ architecturesOnly: true }) },
  { name: 'engine', run: () => benchEngine(process.argv.includes('--quick') ? ['0.5b'] : ['0.5b', '1.5b']) },
]

async function main(): Promise<void> {
  const only = process.argv.slice(2).filter((a) => !a.startsWith('-'))
  const report = newReport()
  for (const section of SECTIONS) {
    if (only.length && !only.includes(section.name)) continue
    process.stdout.write(`\n== ${section.name}\n`)
    const started = Date.now()
    try {
      const result = await section.run()
      const full = { ...result, seconds: (Date.now() - started) / 1000 }
      report.sections.push(full)
      for (const f of full.figures) process.stdout.write(formatFigure(f) + '\n')
    } catch (err) {
      // One section failing (e.g. the native addon not built) must not hide the others' figures.
      const message = (err as Error).stack ?? String(err)
      report.sections.push({ section: section.name, figures: [], error: message, seconds: (Date.now() - started) / 1000 })
      process.stdout.write(`  failed: ${(err as Error).message}\n`)
    }
  }
  const file = writeReport(report, join(appRoot(), 'test-output', 'bench'))
  process.stdout.write(`\nreport: ${file}\n`)
}

await main()
