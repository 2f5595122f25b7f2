// The memory-bandwidth roof: decoding one token reads every weight once, so tokens/s can never exceed
// bandwidth ÷ bytes of weights. Measured with large copies (read + write), best of several runs.
export function measureMemcpyBandwidth(bytes = 256 << 20, runs = 5): { gbPerSecond: number; bytes: number } {
  const src = Buffer.alloc(bytes, 1)
  const dst = Buffer.alloc(bytes)
  let best = Infinity
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint()
    src.copy(dst)
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e9)
  }
  // A copy reads and writes every byte: count both, as STREAM's "copy" does.
  return { gbPerSecond: (2 * bytes) / best / 1e9, bytes }
}
