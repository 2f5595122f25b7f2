// The train host: one child process per training job. Training is synchronous native work for minutes to hours;
// here it can neither block the app nor take it down, and the parent can always kill it (the last checkpoint
// survives). Cancel arrives as a message and is honoured after the current step, with a checkpoint.
import { toErrorShape } from '../../../../shared/errors'
import { fuseAndQuantize } from '../../export/fuse'
import { runTrainingJob } from '../../train/loop'
import { loadNative } from '../../train/native'
import type { ChildMessage, ParentMessage } from './protocol'

let cancel = false
let running = false

// This process must not outlive the app. A graph computing on the CPU stops between two ops once our parent is gone
// (the trainer then checkpoints the last finished step and we exit), and on Linux the parent's death also sends us
// SIGTERM, which stops the job at the next step boundary (a GPU graph cannot be interrupted halfway).
const parentPid = process.ppid
try {
  loadNative().watchParent(parentPid)
} catch {
  // no addon: the first training call reports that clearly
}
process.on('SIGTERM', () => {
  cancel = true
  if (!running) process.exit(0)
})

function send(msg: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) return resolve()
    process.send!(msg, undefined, {}, () => resolve())
  })
}

process.on('disconnect', () => {
  // the parent went away: stop at the next step boundary, leaving a checkpoint to resume from
  cancel = true
  if (!running) process.exit(0)
})

process.on('message', (msg: ParentMessage) => {
  if (msg.type === 'cancel') {
    cancel = true
    return
  }
  if (running) return
  running = true
  if (msg.type === 'export') {
    // synchronous native work; progress messages queue up and flush as it goes (fusing reports per tensor)
    new Promise((resolve) => resolve(fuseAndQuantize(msg.request, (progress) => void send({ type: 'exportProgress', progress }))))
      .then(
        (result) => send({ type: 'exportDone', result: result as ReturnType<typeof fuseAndQuantize> }),
        (err: unknown) => send({ type: 'error', error: toErrorShape(err) }),
      )
      .finally(() => process.exit(0))
    return
  }
  const request = msg.type === 'start' ? { outDir: msg.outDir, config: msg.config } : { outDir: msg.outDir, resume: msg.overrides ?? {} }
  runTrainingJob(request, {
    progress: (progress) => void send({ type: 'progress', progress }),
    checkpointed: (step, dir) => void send({ type: 'checkpoint', step, dir }),
    cancelRequested: () => cancel || process.ppid !== parentPid,
  })
    .then(
      (result) => send({ type: 'done', result }),
      (err: unknown) => {
        const shape = toErrorShape(err)
        if (shape.code === 'CANCELLED') {
          const d = shape.details ?? {}
          return send({ type: 'cancelled', step: Number(d.step ?? 0), checkpointDir: String(d.checkpointDir ?? '') })
        }
        return send({ type: 'error', error: shape })
      },
    )
    .finally(() => process.exit(0))
})
