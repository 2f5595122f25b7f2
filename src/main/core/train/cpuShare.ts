// How many threads the trainer should use now. ggml's CPU threads wait for each other at every op of a graph by
// spinning; when another process takes one of the cores, one of our threads is descheduled for whole time slices
// while the others spin, and a step can take many times longer than with one thread fewer. So before each step we
// look at how much CPU the rest of the machine used during the previous one and take the cores it left free.
import { cpus } from 'node:os'

export interface CpuSample {
  /** Busy time of all cores together, ms. */
  busyMs: number
  /** This process's CPU time (every thread), ms. */
  ownMs: number
  /** Wall clock, ms. */
  atMs: number
}

export function sampleCpu(): CpuSample {
  let busy = 0
  for (const c of cpus()) busy += c.times.user + c.times.nice + c.times.sys + c.times.irq
  const own = process.cpuUsage()
  return { busyMs: busy, ownMs: (own.user + own.system) / 1000, atMs: performance.now() }
}

/** Cores the rest of the machine kept busy between two samples. */
export function otherLoad(a: CpuSample, b: CpuSample): number {
  const wall = b.atMs - a.atMs
  if (wall <= 0) return 0
  return Math.max(0, (b.busyMs - a.busyMs - (b.ownMs - a.ownMs)) / wall)
}

export class ThreadGovernor {
  private last: CpuSample
  private current: number

  /** max: the threads to use on a quiet machine (the core count). */
  constructor(private readonly max: number) {
    this.last = sampleCpu()
    this.current = max
  }

  get threads(): number {
    return this.current
  }

  /** Threads for the next step, from the load others put on the machine since the last call. */
  next(): number {
    const now = sampleCpu()
    // ignore samples too short to mean anything (the kernel counts CPU time in 10 ms ticks)
    if (now.atMs - this.last.atMs < 500) return this.current
    const free = this.max - otherLoad(this.last, now)
    this.last = now
    this.current = Math.max(1, Math.min(this.max, Math.round(free)))
    return this.current
  }
}
