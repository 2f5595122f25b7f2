// A parent process for the orphan test: starts a long training job, prints the train host's pid and every step on
// stdout, and waits (it is killed by the test, as a crashing app would be).
import { startTraining } from '../../../src/main/core/train/job'
import { quickConfig } from '../helpers'

const out = process.argv[2]!
void startTraining(quickConfig({ maxSteps: 100_000, epochs: 1000, checkpointEvery: 0, checkpointSeconds: 0 }), out, {
  onSpawn: (pid) => process.stdout.write(`pid ${pid}\n`),
  onProgress: (p) => {
    if (p.phase === 'training') process.stdout.write(`step ${p.step}\n`)
  },
}).catch(() => undefined)
setInterval(() => undefined, 1000)
