/** What the driver, the servers and the load generator share. */

export const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"
export const JWT_SECRET = "bench-platform-jwt-secret-of-at-least-32-bytes"
export const PASSWORD = "benchPass123"
/** Both servers open this many database connections. */
export const POOL_SIZE = 10

export interface ServerConfig {
  readonly kind: "sdk" | "baseline"
  readonly accountsSchema: string
  readonly librarySchema: string
  readonly billingSchema: string
}

export interface BenchUser {
  readonly email: string
  readonly profileId: string
}

export interface LoadConfig {
  readonly url: string
  readonly users: ReadonlyArray<BenchUser>
  /** `closed`: every virtual user sends its next request when the last is answered; `rate`: requests at a fixed rate. */
  readonly mode: "closed" | "rate"
  /** Requests per second in `rate` mode. */
  readonly rate: number
  readonly connections: number
  readonly warmupSeconds: number
  readonly seconds: number
  readonly seed: number
}

export interface LoadResult {
  readonly requests: number
  readonly errors: number
  readonly seconds: number
  readonly latencies: ReadonlyArray<number>
  readonly signInMs: number
}

/** mulberry32: the workload's choices, reproducible. */
export const generator = (seed: number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
