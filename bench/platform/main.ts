/**
 * `npx -y pnpm@10 run bench:platform`: the platform API under a mixed workload
 * of 1,000 virtual users, against a hand-written Express + pg server doing the
 * same queries on the same tables, in the same run, on the local Postgres.
 *
 * Setup: fresh schemas migrated by the SDK; 1,000 users with a profile, 20
 * favorites and 10 progress rows each. Then, in rounds (every other one in
 * reverse order), each server in a fresh process: the load generator (a
 * process of its own) signs every user in and selects their profile, then runs
 * a warm-up and a measured window, back to back (the most each serves) and at
 * the seed's 10,000 calls a minute. Prints markdown: the medians with the ratio
 * to the baseline, every run, and the time of one argon2id hash.
 *
 * `--quick`: one round of short windows. Exits 0 whatever the numbers, 1 when
 * the bench could not run or a request failed.
 */
import { randomBytes } from "node:crypto"
import { cpus } from "node:os"
import { PgClient } from "@effect/sql-pg"
import { hash } from "@node-rs/argon2"
import { runMigrations } from "@org/pg"
import { accountsMigrations } from "@org/pg/accounts"
import { billingMigrations } from "@org/pg/billing"
import { libraryMigrations } from "@org/pg/library"
import { Effect, Redacted } from "effect"
import pg from "pg"
import { benchChild } from "../child.js"
import { summarize } from "../stats.js"
import {
  type BenchUser,
  DATABASE_URL,
  type LoadConfig,
  type LoadResult,
  PASSWORD,
  type ServerConfig
} from "./shared.js"

const quick = process.argv.includes("--quick")
const ROUNDS = quick ? 1 : 3
const WARMUP_SECONDS = quick ? 2 : 5
const SECONDS = quick ? 5 : 15
const USERS = 1000
const CONNECTIONS = 64
/** The seed's load test: 10,000 calls a minute. */
const RATE = 10_000 / 60

const child = <A>(name: string, config: unknown, timeoutMs: number) =>
  benchChild<A>(new URL(".", import.meta.url), name, config, timeoutMs)

const migrate = (accountsSchema: string, librarySchema: string, billingSchema: string) =>
  Effect.runPromise(
    runMigrations([
      accountsMigrations({ schema: accountsSchema }),
      libraryMigrations({ schema: librarySchema, accountsSchema }),
      billingMigrations({ schema: billingSchema, accountsSchema })
    ]).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(DATABASE_URL) })), Effect.scoped)
  )

const seed = async (
  client: pg.Client,
  accounts: string,
  library: string,
  passwordHash: string
): Promise<Array<BenchUser>> => {
  const rows = await client.query<{ email: string; profile_id: string }>(
    `WITH u AS (
       INSERT INTO "${accounts}".users (id, email, email_key, full_name, role, password_hash, created_at)
       SELECT gen_random_uuid(), 'bench-' || i || '@example.com', 'bench-' || i || '@example.com', 'Bench User ' || i, 'user', $1, now()
       FROM generate_series(1, ${USERS}) i RETURNING id, email)
     , p AS (
       INSERT INTO "${accounts}".profiles (id, user_id, name, name_key, is_kids, is_default, created_at)
       SELECT gen_random_uuid(), id, 'Main', 'main', false, true, now() FROM u RETURNING id, user_id)
     SELECT u.email, p.id AS profile_id FROM u JOIN p ON p.user_id = u.id`,
    [passwordHash]
  )
  await client.query(
    `INSERT INTO "${library}".favorites (id, profile_id, item_id, item_type, item_name, created_at)
     SELECT gen_random_uuid(), p.id, 'channel_' || j, 'channel', 'Channel ' || j, now() - j * interval '1 minute'
     FROM "${accounts}".profiles p, generate_series(1, 20) j`
  )
  await client.query(
    `INSERT INTO "${library}".progress (profile_id, item_id, item_type, progress_seconds, duration_seconds, observed_at, updated_at)
     SELECT p.id, 'movie_' || j, 'movie', j * 100, 3600, now() - j * interval '1 hour', now()
     FROM "${accounts}".profiles p, generate_series(1, 10) j`
  )
  await client.query(
    `ANALYZE "${accounts}".users, "${accounts}".profiles, "${library}".favorites, "${library}".progress`
  )
  return rows.rows.map((row) => ({ email: row.email, profileId: row.profile_id }))
}

interface Run {
  readonly round: number
  readonly kind: ServerConfig["kind"]
  readonly mode: LoadConfig["mode"]
  readonly rps: number
  readonly p50: number
  readonly p99: number
  readonly requests: number
  readonly errors: number
  readonly signInMs: number
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "–")
const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

const main = async () => {
  const client = new pg.Client({ connectionString: DATABASE_URL })
  await client.connect().catch((error: unknown) => {
    throw new Error(`no Postgres at ${DATABASE_URL} (BENCH_DATABASE_URL): ${String(error)}`)
  })
  const id = randomBytes(4).toString("hex")
  const accountsSchema = `bench_accounts_${id}`
  const librarySchema = `bench_library_${id}`
  const billingSchema = `bench_billing_${id}`
  try {
    // One argon2id hash, as the SDK makes it (OWASP's parameters).
    const hashTimes: Array<number> = []
    let passwordHash = ""
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now()
      passwordHash = await hash(PASSWORD, { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 })
      hashTimes.push(performance.now() - t0)
    }
    await migrate(accountsSchema, librarySchema, billingSchema)
    const users = await seed(client, accountsSchema, librarySchema, passwordHash)
    const runs: Array<Run> = []
    for (let round = 1; round <= ROUNDS; round++) {
      const order: ReadonlyArray<ServerConfig["kind"]> =
        round % 2 === 1 ? ["sdk", "baseline"] : ["baseline", "sdk"]
      for (const kind of order) {
        const config: ServerConfig = { kind, accountsSchema, librarySchema, billingSchema }
        const server = child<{ url: string }>(
          kind === "sdk" ? "sdk-server.ts" : "baseline-server.ts",
          config,
          60_000
        )
        try {
          const { url } = await server.first
          for (const mode of ["closed", "rate"] as const) {
            const load: LoadConfig = {
              url,
              users,
              mode,
              rate: RATE,
              connections: CONNECTIONS,
              warmupSeconds: WARMUP_SECONDS,
              seconds: SECONDS,
              seed: round
            }
            const generator = child<LoadResult>("load.ts", load, 600_000)
            const result = await generator.first
            await generator.stop()
            const stats = summarize([...result.latencies])
            runs.push({
              round,
              kind,
              mode,
              rps: result.requests / result.seconds,
              p50: stats.p50,
              p99: stats.p99,
              requests: result.requests,
              errors: result.errors,
              signInMs: result.signInMs
            })
            process.stderr.write(
              `round ${round} ${kind} ${mode}: ${fmt(result.requests / result.seconds, 0)} req/s, p50 ${fmt(stats.p50)} ms, p99 ${fmt(stats.p99)} ms, ${result.errors} errors\n`
            )
          }
        } finally {
          await server.stop()
        }
      }
    }

    const pick = (kind: string, mode: string) => runs.filter((r) => r.kind === kind && r.mode === mode)
    const row = (kind: string, mode: string) => {
      const own = pick(kind, mode)
      return {
        rps: median(own.map((r) => r.rps)),
        p50: median(own.map((r) => r.p50)),
        p99: median(own.map((r) => r.p99))
      }
    }
    const lines: Array<string> = []
    lines.push(
      `Platform API, ${USERS} virtual users (70 % reads of favorites and progress, 30 % progress writes), ${CONNECTIONS} keep-alive connections, ${ROUNDS} round(s) of ${SECONDS} s after ${WARMUP_SECONDS} s of warm-up; ${cpus().length} cores; one argon2id hash: ${fmt(median(hashTimes))} ms (median of 20).`,
      "",
      "| load | server | requests/s | p50 ms | p99 ms | ratio to the baseline (requests/s) |",
      "| ---- | ------ | ---------: | -----: | -----: | ---------------------------------: |"
    )
    for (const mode of ["closed", "rate"] as const) {
      const base = row("baseline", mode)
      for (const kind of ["baseline", "sdk"] as const) {
        const r = row(kind, mode)
        lines.push(
          `| ${mode === "closed" ? "back to back" : "10,000 calls/min"} | ${kind === "sdk" ? "SDK (`PlatformHttp`)" : "Express + pg (by hand)"} | ${fmt(r.rps, 0)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.rps / base.rps, 2)}× |`
        )
      }
    }
    lines.push(
      "",
      "Every run:",
      "",
      "| round | server | load | requests | errors | requests/s | p50 ms | p99 ms | sign-in of all users, s |",
      "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    )
    for (const r of runs)
      lines.push(
        `| ${r.round} | ${r.kind} | ${r.mode} | ${r.requests} | ${r.errors} | ${fmt(r.rps, 0)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.signInMs / 1000)} |`
      )
    console.log(lines.join("\n"))
    if (runs.some((r) => r.errors > 0)) process.exitCode = 1
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS "${billingSchema}" CASCADE`).catch(() => undefined)
    await client.query(`DROP SCHEMA IF EXISTS "${librarySchema}" CASCADE`).catch(() => undefined)
    await client.query(`DROP SCHEMA IF EXISTS "${accountsSchema}" CASCADE`).catch(() => undefined)
    await client.end()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
