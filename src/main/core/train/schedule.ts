// Learning-rate schedule: linear warm-up, then cosine decay to a floor.

export interface ScheduleOptions {
  learningRate: number
  warmupSteps: number
  totalSteps: number
  minLrRatio: number
}

/** The rate for the optimizer step with 0-based index `step`. */
export function learningRateAt(step: number, o: ScheduleOptions): number {
  const floor = o.learningRate * o.minLrRatio
  if (o.warmupSteps > 0 && step < o.warmupSteps) return (o.learningRate * (step + 1)) / o.warmupSteps
  const decaySteps = Math.max(1, o.totalSteps - o.warmupSteps)
  const progress = Math.min(1, Math.max(0, (step - o.warmupSteps) / decaySteps))
  return floor + (o.learningRate - floor) * 0.5 * (1 + Math.cos(Math.PI * progress))
}
