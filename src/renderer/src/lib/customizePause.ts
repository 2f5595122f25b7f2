// "Pause before training": the core has no pause, so the UI cancels the run as soon as its dataset is built; the
// run keeps everything and Resume continues with training. Listened for app-wide, so closing the window is fine.
import { getApi } from '../api'

const waiting = new Set<string>()
const paused = new Set<string>()
let listening = false

export function pauseBeforeTraining(outDir: string): void {
  waiting.add(outDir)
  if (listening) return
  listening = true
  getApi().on('customize.progress', (p) => {
    if (p.stage !== 'dataset' || p.message !== 'done' || !waiting.has(p.outDir)) return
    waiting.delete(p.outDir)
    paused.add(p.outDir)
    void getApi().customize.cancel({ runId: p.runId }).catch(() => undefined)
  })
}

/** True while a run was paused by the user (until it is resumed). */
export function isPaused(outDir: string): boolean {
  return paused.has(outDir)
}

export function clearPause(outDir: string): void {
  paused.delete(outDir)
  waiting.delete(outDir)
}
