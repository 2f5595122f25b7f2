// A counting semaphore: at most `limit` tasks run at once, the rest wait in arrival order.
export class Semaphore {
  private active = 0
  private readonly waiting: (() => void)[] = []

  constructor(private limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`Semaphore limit must be a positive integer (got ${limit})`)
  }

  get size(): number {
    return this.limit
  }

  /** Raises (or lowers, for tasks not yet started) how many run at once. */
  resize(limit: number): void {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`Semaphore limit must be a positive integer (got ${limit})`)
    const grow = limit - this.limit
    this.limit = limit
    for (let i = 0; i < grow && this.waiting.length > 0; i++) {
      this.active++
      this.waiting.shift()!()
    }
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve))
    else this.active++
    try {
      return await task()
    } finally {
      // Hand the slot straight to the next waiter, so `active` never dips and lets a newcomer jump the queue.
      const next = this.active <= this.limit ? this.waiting.shift() : undefined
      if (next) next()
      else this.active--
    }
  }
}
