/** What the driver, the servers and the load generator share. */

export const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"
export const WEBHOOK_SECRET = "whsec_bench_billing_webhook_signing_secret"
export const SECRET_KEY = "sk_test_bench_billing"
export const PRICE_ID = "price_bench_family_monthly"
/** Both servers open this many database connections. */
export const POOL_SIZE = 10

export interface ServerConfig {
  readonly kind: "sdk" | "baseline"
  readonly accountsSchema: string
  readonly librarySchema: string
  readonly billingSchema: string
  readonly baselineSchema: string
}

export interface LoadConfig {
  readonly url: string
  /** The Stripe customers the events are about (each has an account). */
  readonly customers: ReadonlyArray<{ readonly customerId: string; readonly userId: string }>
  readonly connections: number
  readonly warmupSeconds: number
  readonly seconds: number
  /** Distinguishes event ids between runs. */
  readonly run: string
  /** The server's process, whose CPU time the window reads. */
  readonly serverPid: number | undefined
}

export interface LoadResult {
  readonly accepted: number
  readonly errors: number
  readonly seconds: number
  readonly latencies: ReadonlyArray<number>
  /** Every 200 of the run, warm-up included. */
  readonly totalAccepted: number
  /** CPU seconds used in the measured window by the server, Postgres and the load generator. */
  readonly cpu: { readonly server: number; readonly postgres: number; readonly load: number }
}
