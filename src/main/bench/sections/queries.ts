// The price of real interruption: queries go through a child process per database. Ratio of that path to a
// plain in-process better-sqlite3 call, on the demo database's questions.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { openDatabase, openReadOnlySync, runQuery } from '../../core/db'
import { demoDatabasePath, resourcesDir } from '../../core/platform/paths'
import { percentile, type SectionResult } from '../report'

export async function benchQueries(): Promise<Omit<SectionResult, 'seconds'>> {
  const questions = (JSON.parse(readFileSync(join(resourcesDir(), 'demo-questions.json'), 'utf8')) as { questions: { sql: string }[] }).questions
  const rounds = 5
  const direct = openReadOnlySync(demoDatabasePath())
  const hosted = await openDatabase(demoDatabasePath())
  const t = (fn: () => unknown) => async () => {
    const start = process.hrtime.bigint()
    await fn()
    return Number(process.hrtime.bigint() - start) / 1e6
  }
  const directMs: number[] = []
  const hostedMs: number[] = []
  try {
    for (const q of questions) await hosted.query(q.sql) // warm the host and the page cache
    for (let r = 0; r < rounds; r++)
      for (const q of questions) {
        directMs.push(await t(() => runQuery(direct, q.sql))())
        hostedMs.push(await t(() => hosted.query(q.sql))())
      }
  } finally {
    direct.close()
    await hosted.close()
  }
  const p50Direct = percentile(directMs, 50)
  const p50Hosted = percentile(hostedMs, 50)
  return {
    section: 'queries',
    figures: [
      { name: 'demo query p50, in-process', value: p50Direct, unit: 'ms' },
      { name: 'demo query p50, interruptible host', value: p50Hosted, unit: 'ms' },
      { name: 'host overhead per query', value: p50Hosted - p50Direct, unit: 'ms', note: 'child-process round trip' },
    ],
    details: { questions: questions.length, rounds },
  }
}
