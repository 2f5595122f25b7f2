import { measureMemcpyBandwidth } from '../bandwidth'
import type { SectionResult } from '../report'

export async function benchBandwidth(): Promise<Omit<SectionResult, 'seconds'>> {
  const { gbPerSecond, bytes } = measureMemcpyBandwidth()
  return {
    section: 'memory-bandwidth',
    figures: [{ name: 'memcpy bandwidth (read + write)', value: gbPerSecond, unit: 'GB/s' }],
    details: { bytes },
  }
}
