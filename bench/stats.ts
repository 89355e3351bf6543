/** Latency statistics shared by the benchmarks: nearest-rank percentiles. */

export interface Stats {
  readonly count: number
  readonly min: number
  readonly p50: number
  readonly p99: number
  readonly max: number
  readonly mean: number
}

/** The nearest-rank percentile `p` (0–1) of ascending `sorted` samples. */
export const percentile = (sorted: ArrayLike<number>, p: number): number => {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)))
  return sorted[rank - 1] ?? Number.NaN
}

/** Count, min, nearest-rank p50 and p99, max and mean of `samples` (which it sorts in place). */
export const summarize = (samples: Float64Array | Array<number>): Stats => {
  const sorted = samples instanceof Float64Array ? samples.sort() : samples.sort((a, b) => a - b)
  let sum = 0
  for (let i = 0; i < sorted.length; i++) sum += sorted[i] ?? 0
  return {
    count: sorted.length,
    min: sorted[0] ?? Number.NaN,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    mean: sorted.length === 0 ? Number.NaN : sum / sorted.length
  }
}
