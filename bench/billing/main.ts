/**
 * `npx -y pnpm@10 run bench:billing`: Stripe webhook events per second to a
 * durable effect. The platform API's `POST /api/v1/webhooks/stripe` (verify
 * the signature over the raw body, decode, record the event and update the
 * account in one transaction) against the handler a developer writes by hand
 * from Stripe's docs (Express, `constructEvent`, one insert), in the same run,
 * on the local Postgres, each server in a fresh process with 10 connections.
 *
 * Setup: fresh schemas migrated by the SDK; 1,000 accounts, each a Stripe
 * customer on a monthly plan. In rounds (every other one in reverse order):
 * a load generator in a process of its own sends distinct, newer
 * `customer.subscription.updated` events, signed as Stripe signs them, back
 * to back over 32 connections. After each run, every 200 is checked to have
 * left its row. Prints markdown.
 *
 * `--quick`: one round of short windows. Exits 1 when the bench could not run,
 * a request failed, or an answered event left no row.
 */
import { randomBytes } from "node:crypto"
import { cpus } from "node:os"
import { PgClient } from "@effect/sql-pg"
import { runMigrations } from "@org/pg"
import { accountsMigrations } from "@org/pg/accounts"
import { billingMigrations } from "@org/pg/billing"
import { libraryMigrations } from "@org/pg/library"
import { Effect, Redacted } from "effect"
import pg from "pg"
import { benchChild } from "../child.js"
import { summarize } from "../stats.js"
import { DATABASE_URL, type LoadConfig, type LoadResult, PRICE_ID, type ServerConfig } from "./shared.js"

const quick = process.argv.includes("--quick")
const ROUNDS = quick ? 1 : 3
const WARMUP_SECONDS = quick ? 2 : 5
const SECONDS = quick ? 5 : 15
const ACCOUNTS = 1000
const CONNECTIONS = 32

const child = <A>(name: string, config: unknown, timeoutMs: number) =>
  benchChild<A>(new URL(".", import.meta.url), name, config, timeoutMs)

const migrate = (config: ServerConfig) =>
  Effect.runPromise(
    runMigrations([
      accountsMigrations({ schema: config.accountsSchema }),
      libraryMigrations({ schema: config.librarySchema, accountsSchema: config.accountsSchema }),
      billingMigrations({ schema: config.billingSchema, accountsSchema: config.accountsSchema })
    ]).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(DATABASE_URL) })), Effect.scoped)
  )

/** 1,000 accounts, each a customer on the bench plan, active for a month. */
const seed = async (client: pg.Client, config: ServerConfig) => {
  const a = `"${config.accountsSchema}"`
  const b = `"${config.billingSchema}"`
  await client.query(
    `INSERT INTO ${a}.plans (id, name, name_key, stripe_price_id, price_monthly_minor, currency, max_profiles, max_playlists, max_favorites, is_family_plan, max_members, is_default, is_active, created_at)
     VALUES (gen_random_uuid(), 'Family', 'family', $1, 999, 'usd', 5, 10, 500, false, 1, false, true, now())`,
    [PRICE_ID]
  )
  const rows = await client.query<{ id: string; customer_id: string }>(
    `WITH u AS (
       INSERT INTO ${a}.users (id, email, email_key, full_name, role, password_hash, created_at)
       SELECT gen_random_uuid(), 'bench-' || i || '@example.com', 'bench-' || i || '@example.com', 'Bench ' || i, 'user', 'x', now()
       FROM generate_series(1, ${ACCOUNTS}) i RETURNING id, email)
     INSERT INTO ${b}.accounts (user_id, customer_id, trial_used, updated_at)
     SELECT id, 'cus_' || md5(email), true, now() FROM u RETURNING user_id AS id, customer_id`
  )
  await client.query(`CREATE SCHEMA "${config.baselineSchema}"`)
  await client.query(
    `CREATE TABLE "${config.baselineSchema}".events (id text PRIMARY KEY, type text NOT NULL, created_at timestamptz NOT NULL, payload jsonb NOT NULL)`
  )
  await client.query(`ANALYZE ${a}.users, ${a}.plans, ${b}.accounts`)
  return rows.rows.map((row) => ({ customerId: row.customer_id, userId: row.id }))
}

interface Run {
  readonly round: number
  readonly kind: ServerConfig["kind"]
  readonly eps: number
  readonly p50: number
  readonly p99: number
  readonly accepted: number
  readonly errors: number
  readonly rows: number
  readonly answered: number
  /** CPU µs per event answered in the window: the server's process, Postgres, the load generator. */
  readonly serverMicros: number
  readonly postgresMicros: number
  readonly loadMicros: number
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "–")
const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((x, y) => x - y)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2
}

const main = async () => {
  const client = new pg.Client({ connectionString: DATABASE_URL })
  await client.connect().catch((error: unknown) => {
    throw new Error(`no Postgres at ${DATABASE_URL} (BENCH_DATABASE_URL): ${String(error)}`)
  })
  const id = randomBytes(4).toString("hex")
  const config: Omit<ServerConfig, "kind"> = {
    accountsSchema: `bench_accounts_${id}`,
    librarySchema: `bench_library_${id}`,
    billingSchema: `bench_billing_${id}`,
    baselineSchema: `bench_webhooks_${id}`
  }
  try {
    await migrate({ ...config, kind: "sdk" })
    const customers = await seed(client, { ...config, kind: "sdk" })
    const runs: Array<Run> = []
    for (let round = 1; round <= ROUNDS; round++) {
      const order: ReadonlyArray<ServerConfig["kind"]> =
        round % 2 === 1 ? ["sdk", "baseline"] : ["baseline", "sdk"]
      for (const kind of order) {
        const server = child<{ url: string }>(
          kind === "sdk" ? "sdk-server.ts" : "baseline-server.ts",
          { ...config, kind },
          60_000
        )
        try {
          const { url } = await server.first
          const run = `${kind}${round}`
          const load: LoadConfig = {
            url,
            customers,
            connections: CONNECTIONS,
            warmupSeconds: WARMUP_SECONDS,
            seconds: SECONDS,
            run,
            serverPid: server.pid
          }
          const generator = child<LoadResult>("load.ts", load, 600_000)
          const result = await generator.first
          await generator.stop()
          const table =
            kind === "sdk" ? `"${config.billingSchema}".events` : `"${config.baselineSchema}".events`
          const rows = Number(
            (
              await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE id LIKE $1`, [
                `evt_bench_${run}_%`
              ])
            ).rows[0]?.n ?? 0
          )
          const stats = summarize([...result.latencies])
          runs.push({
            round,
            kind,
            eps: result.accepted / result.seconds,
            p50: stats.p50,
            p99: stats.p99,
            accepted: result.accepted,
            errors: result.errors,
            rows,
            answered: result.totalAccepted,
            serverMicros: (result.cpu.server * 1e6) / result.accepted,
            postgresMicros: (result.cpu.postgres * 1e6) / result.accepted,
            loadMicros: (result.cpu.load * 1e6) / result.accepted
          })
          process.stderr.write(
            `round ${round} ${kind}: ${fmt(result.accepted / result.seconds, 0)} events/s, p50 ${fmt(stats.p50)} ms, p99 ${fmt(stats.p99)} ms, ${result.errors} errors, ${rows} rows for ${result.totalAccepted} answers; CPU µs/event server ${fmt((result.cpu.server * 1e6) / result.accepted, 0)}, Postgres ${fmt((result.cpu.postgres * 1e6) / result.accepted, 0)}, load ${fmt((result.cpu.load * 1e6) / result.accepted, 0)}\n`
          )
        } finally {
          await server.stop()
        }
      }
    }
    const row = (kind: string) => {
      const own = runs.filter((r) => r.kind === kind)
      return {
        eps: median(own.map((r) => r.eps)),
        p50: median(own.map((r) => r.p50)),
        p99: median(own.map((r) => r.p99)),
        server: median(own.map((r) => r.serverMicros)),
        postgres: median(own.map((r) => r.postgresMicros)),
        load: median(own.map((r) => r.loadMicros))
      }
    }
    const base = row("baseline")
    const lines: Array<string> = [
      `Stripe webhooks to a durable effect: distinct \`customer.subscription.updated\` events (about 2 KB, signed) for ${ACCOUNTS} customers, ${CONNECTIONS} connections back to back, ${ROUNDS} round(s) of ${SECONDS} s after ${WARMUP_SECONDS} s of warm-up; Postgres with 10 connections per server; ${cpus().length} cores.`,
      "",
      "| server | events/s | p50 ms | p99 ms | ratio to the baseline (events/s) | CPU µs/event: server | Postgres | load generator |",
      "| ------ | -------: | -----: | -----: | -------------------------------: | ---: | ---: | ---: |"
    ]
    for (const kind of ["baseline", "sdk"] as const) {
      const r = row(kind)
      lines.push(
        `| ${kind === "sdk" ? "SDK (`POST /api/v1/webhooks/stripe`: verify, record + update the account in one transaction)" : "Express + `constructEvent` + one insert (by hand)"} | ${fmt(r.eps, 0)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.eps / base.eps, 2)}× | ${fmt(r.server, 0)} | ${fmt(r.postgres, 0)} | ${fmt(r.load, 0)} |`
      )
    }
    lines.push(
      "",
      "Every run:",
      "",
      "| round | server | events answered 200 (window) | errors | events/s | p50 ms | p99 ms | rows for all 200s |",
      "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    )
    for (const r of runs)
      lines.push(
        `| ${r.round} | ${r.kind} | ${r.accepted} | ${r.errors} | ${fmt(r.eps, 0)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${r.rows} / ${r.answered} |`
      )
    console.log(lines.join("\n"))
    if (runs.some((r) => r.errors > 0 || r.rows < r.answered)) process.exitCode = 1
  } finally {
    for (const schema of [
      config.baselineSchema,
      config.billingSchema,
      config.librarySchema,
      config.accountsSchema
    ])
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined)
    await client.end()
  }
}

await main()
