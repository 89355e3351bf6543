/**
 * Claim + complete throughput of the `@org/pg` retry queue against graphile-worker and
 * pg-boss, on one fresh database, in one process, one peer after another.
 *
 * Each peer drains `BENCH_JOBS` (20,000) pre-inserted jobs with a no-op handler; the
 * insert is timed apart and not counted. A round ends when the handler saw every job
 * and the database holds none of them as pending (completion persisted). A warm-up of
 * 2,000 jobs per peer first, then `BENCH_ROUNDS` (3) rounds, the order reversed every
 * other round; the table shows the median of the rounds.
 *
 *   pnpm bench:queue            (BENCH_DATABASE_URL: a server where CREATE DATABASE is allowed)
 *
 * Env: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres),
 * BENCH_JOBS, BENCH_WARMUP, BENCH_ROUNDS, BENCH_CONCURRENCY (our fibers and pg-boss's
 * localConcurrency, 4), BENCH_BATCH (claim size of every peer, 500).
 */
import { readFileSync } from "node:fs"
import { cpus, totalmem } from "node:os"
import { performance } from "node:perf_hooks"
import { SqlClient } from "@effect/sql"
import { RetryQueue } from "@org/family-scrobble"
import { PgDatabase, PgStoreConfig, runMigrations } from "@org/pg"
import { familyScrobbleMigrations, PgRetryQueue } from "@org/pg/family-scrobble"
import { DateTime, Effect, Layer, ManagedRuntime } from "effect"
import { Logger as GraphileLogger, makeWorkerUtils, run as runGraphile } from "graphile-worker"
import pg from "pg"
import { PgBoss } from "pg-boss"

const env = (name: string, fallback: number) => {
  const value = process.env[name]
  return value === undefined || value === "" ? fallback : Number(value)
}
const adminUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"
const JOBS = env("BENCH_JOBS", 20_000)
const WARMUP = env("BENCH_WARMUP", 2_000)
const ROUNDS = env("BENCH_ROUNDS", 3)
const CONCURRENCY = env("BENCH_CONCURRENCY", 4)
const BATCH = env("BENCH_BATCH", 500)
/** graphile-worker's documented performance preset (worker.graphile.org/docs/performance). */
const GRAPHILE_CONCURRENT_JOBS = 24
const GRAPHILE_POOL = 25

const OURS_SCHEMA = "family_scrobble"
const GRAPHILE_SCHEMA = "graphile_worker"
const BOSS_SCHEMA = "pgboss"
const BOSS_QUEUE = "noop"

const dbName = `bench_queue_${Date.now()}`
const dbUrl = (() => {
  const url = new URL(adminUrl)
  url.pathname = `/${dbName}`
  return url.toString()
})()

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** One peer's round: insert `n` jobs (timed apart), then drain them (timed). */
interface Round {
  readonly insertMs: number
  readonly drainMs: number
  /** From the start of draining to the first job handled. */
  readonly firstJobMs: number
}

interface Peer {
  readonly name: string
  readonly setup: () => Promise<void>
  readonly round: (n: number) => Promise<Round>
  readonly teardown: () => Promise<void>
}

/** Poll a count of pending jobs until it is zero (the completion reached the database). */
const untilZero = async (count: () => Promise<number>) => {
  while ((await count()) > 0) await sleep(2)
}

// ---------------------------------------------------------------- ours

const oursLayer = PgRetryQueue.layer.pipe(
  Layer.provideMerge(PgStoreConfig.layer({ schema: OURS_SCHEMA })),
  Layer.provideMerge(Layer.orDie(PgDatabase.layerUrl(dbUrl)))
)

const oursSeed = (n: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const s = (table: string) => sql(`${OURS_SCHEMA}.${table}`)
    // Items of 1,000 members (200 groups of 5), every item due, one media key each.
    yield* sql`
      INSERT INTO ${s("retry_queue_items")}
        (id, group_id, member_id, event_id, action, media, media_key, progress, records_play, attempts,
         status, event_at, next_attempt_at, last_error, created_at, updated_at)
      SELECT gen_random_uuid(), m.group_id, m.id, 'evt-' || k, 'start',
             jsonb_build_object('_tag', 'Movie', 'title', 'item-' || k,
                                'ids', jsonb_build_object('imdb', 'tt' || lpad(k::text, 7, '0'))),
             'm-' || k, 0, false, 0, 'queued',
             now() - interval '1 hour' + k * interval '1 millisecond', now() - interval '1 minute',
             'Trakt answered 503', now(), now()
      FROM generate_series(1, ${n}) k
      JOIN (SELECT id, group_id, (row_number() OVER (ORDER BY position)) % 1000 AS i
            FROM ${s("group_members")}) m ON m.i = k % 1000`
  })

const oursSetup = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const s = (table: string) => sql(`${OURS_SCHEMA}.${table}`)
  yield* runMigrations(familyScrobbleMigrations({ schema: OURS_SCHEMA }))
  yield* sql`
    INSERT INTO ${s("family_groups")} (id, plex_username, created_at)
    SELECT gen_random_uuid(), 'plex-' || g, now() FROM generate_series(1, 200) g`
  yield* sql`
    INSERT INTO ${s("group_members")} (id, group_id, label, status, created_at)
    SELECT gen_random_uuid(), g.id, 'Member ' || j, 'pending', now()
    FROM ${s("family_groups")} g, generate_series(1, 5) j`
})

const oursPending = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql(`${OURS_SCHEMA}.retry_queue_items`)}`.pipe(
    Effect.map((rows) => rows[0]?.n ?? -1)
  )
)

/**
 * `CONCURRENCY` fibers, each claiming `BATCH` due items under a 5-minute lease, "delivering"
 * them (no-op) and completing them, until a claim comes back empty. `batched`: one
 * `completeMany` per claim; otherwise one `complete` per item, right after its delivery
 * (what `processDueRetries` does today).
 */
const oursDrain = (batched: boolean) =>
  Effect.gen(function* () {
    const queue = yield* RetryQueue
    const start = performance.now()
    let firstJobAt = 0
    let handled = 0
    const fiber = Effect.gen(function* () {
      while (true) {
        const now = DateTime.unsafeNow()
        const items = yield* queue.claimDue(now, BATCH, DateTime.add(now, { minutes: 5 }))
        if (items.length === 0) return
        if (firstJobAt === 0) firstJobAt = performance.now()
        if (batched) {
          handled += items.length
          yield* queue.completeMany(items.map((item) => item.id))
        } else {
          for (const item of items) {
            handled++
            yield* queue.complete(item.id)
          }
        }
      }
    })
    yield* Effect.all(
      Array.from({ length: CONCURRENCY }, () => fiber),
      { concurrency: "unbounded", discard: true }
    )
    return { handled, drainMs: performance.now() - start, firstJobMs: firstJobAt - start }
  })

const makeOurs = (name: string, batched: boolean): Peer => {
  let runtime: ManagedRuntime.ManagedRuntime<RetryQueue | SqlClient.SqlClient | PgStoreConfig, never>
  return {
    name,
    setup: async () => {
      runtime = ManagedRuntime.make(oursLayer)
      await runtime.runPromise(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const [applied] = yield* sql<{ n: number }>`
            SELECT count(*)::int AS n FROM information_schema.tables
            WHERE table_schema = ${OURS_SCHEMA} AND table_name = 'group_members'`
          if ((applied?.n ?? 0) === 0) yield* oursSetup
        })
      )
    },
    round: async (n) => {
      const t0 = performance.now()
      await runtime.runPromise(oursSeed(n))
      const insertMs = performance.now() - t0
      await vacuum()
      const { handled, drainMs, firstJobMs } = await runtime.runPromise(oursDrain(batched))
      const left = await runtime.runPromise(oursPending)
      if (handled !== n || left !== 0) throw new Error(`${name}: handled ${handled} of ${n}, ${left} left`)
      return { insertMs, drainMs, firstJobMs }
    },
    teardown: async () => {
      await runtime.dispose()
    }
  }
}

// ---------------------------------------------------------------- graphile-worker

const silentGraphileLogger = new GraphileLogger(() => () => {})

const makeGraphile = (): Peer => {
  let pool: pg.Pool
  return {
    name: "graphile-worker",
    setup: async () => {
      pool = new pg.Pool({ connectionString: dbUrl, max: GRAPHILE_POOL })
      pool.on("error", (error) => console.error("graphile-worker pool:", error))
      pool.on("connect", (client) =>
        client.on("error", (error) => console.error("graphile-worker client:", error))
      )
      const utils = await makeWorkerUtils({
        pgPool: pool,
        schema: GRAPHILE_SCHEMA,
        logger: silentGraphileLogger
      })
      await utils.migrate()
      await utils.release()
    },
    round: async (n) => {
      const utils = await makeWorkerUtils({
        pgPool: pool,
        schema: GRAPHILE_SCHEMA,
        logger: silentGraphileLogger
      })
      const t0 = performance.now()
      await utils.addJobs(Array.from({ length: n }, () => ({ identifier: "noop", payload: {} })))
      const insertMs = performance.now() - t0
      await utils.release()
      await vacuum()

      let handled = 0
      let firstJobAt = 0
      const start = performance.now()
      const runner = await runGraphile({
        pgPool: pool,
        logger: silentGraphileLogger,
        noHandleSignals: true,
        taskList: {
          noop: async () => {
            if (handled++ === 0) firstJobAt = performance.now()
          }
        },
        preset: {
          worker: {
            schema: GRAPHILE_SCHEMA,
            concurrentJobs: GRAPHILE_CONCURRENT_JOBS,
            maxPoolSize: GRAPHILE_POOL,
            localQueue: { size: BATCH },
            completeJobBatchDelay: 0,
            failJobBatchDelay: 0
          }
        }
      })
      while (handled < n) await sleep(1)
      await untilZero(async () => {
        const { rows } = await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${GRAPHILE_SCHEMA}._private_jobs`
        )
        return rows[0]?.n ?? -1
      })
      const drainMs = performance.now() - start
      await runner.stop()
      if (handled !== n) throw new Error(`graphile-worker: handled ${handled} of ${n}`)
      return { insertMs, drainMs, firstJobMs: firstJobAt - start }
    },
    teardown: async () => {
      await pool.end()
    }
  }
}

// ---------------------------------------------------------------- pg-boss

const makeBoss = (): Peer => {
  let boss: PgBoss
  let pool: pg.Pool
  return {
    name: "pg-boss",
    setup: async () => {
      pool = new pg.Pool({ connectionString: dbUrl, max: 2 })
      boss = new PgBoss({ connectionString: dbUrl, schema: BOSS_SCHEMA, schedule: false })
      boss.on("error", (error) => console.error("pg-boss:", error))
      await boss.start()
      if ((await boss.getQueue(BOSS_QUEUE)) === null) await boss.createQueue(BOSS_QUEUE)
    },
    round: async (n) => {
      const t0 = performance.now()
      await boss.insert(
        BOSS_QUEUE,
        Array.from({ length: n }, () => ({ data: {} }))
      )
      const insertMs = performance.now() - t0
      await vacuum()

      let handled = 0
      let firstJobAt = 0
      const start = performance.now()
      await boss.work(
        BOSS_QUEUE,
        {
          batchSize: BATCH,
          localConcurrency: CONCURRENCY,
          pollingIntervalSeconds: 0.5,
          burstWhenBatchFull: true
        },
        async (jobs) => {
          if (handled === 0) firstJobAt = performance.now()
          handled += jobs.length
        }
      )
      while (handled < n) await sleep(1)
      await untilZero(async () => {
        const { rows } = await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${BOSS_SCHEMA}.job WHERE name = $1 AND state < 'completed'`,
          [BOSS_QUEUE]
        )
        return rows[0]?.n ?? -1
      })
      const drainMs = performance.now() - start
      await boss.offWork(BOSS_QUEUE, { wait: true })
      // Completed jobs stay in pg-boss's table (retention); clear them so rounds start alike.
      await boss.deleteAllJobs(BOSS_QUEUE)
      if (handled !== n) throw new Error(`pg-boss: handled ${handled} of ${n}`)
      return { insertMs, drainMs, firstJobMs: firstJobAt - start }
    },
    teardown: async () => {
      await boss.stop({ graceful: true })
      await pool.end()
    }
  }
}

// ---------------------------------------------------------------- the run

let benchDb: pg.Pool | undefined
/** Fresh statistics and no dead tuples before every drain, whoever ran before. */
const vacuum = async () => {
  await benchDb?.query("VACUUM ANALYZE")
}

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

const versionOf = (pkg: string) =>
  (
    JSON.parse(readFileSync(new URL(`./node_modules/${pkg}/package.json`, import.meta.url), "utf8")) as {
      version: string
    }
  ).version

const main = async () => {
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${dbName}`)
  const peers: Array<Peer> = [
    makeOurs("ours: claimDue + completeMany", true),
    makeOurs("ours: claimDue + complete per item", false),
    makeGraphile(),
    makeBoss()
  ]
  try {
    benchDb = new pg.Pool({ connectionString: dbUrl, max: 1 })
    const { rows } = await benchDb.query<{ server_version: string }>("SHOW server_version")
    const cpu = cpus()
    console.log(
      `machine: ${cpu.length} × ${cpu[0]?.model ?? "?"}, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
        `Node ${process.version}, PostgreSQL ${rows[0]?.server_version ?? "?"}`
    )
    console.log(
      `versions: graphile-worker ${versionOf("graphile-worker")}, pg-boss ${versionOf("pg-boss")}, ` +
        `pg ${versionOf("pg")}, effect ${versionOf("effect")}, @effect/sql-pg ${versionOf("@effect/sql-pg")}`
    )
    console.log(
      `database ${dbName}; ${JOBS} jobs, warm-up ${WARMUP}, ${ROUNDS} rounds, batch ${BATCH}, ` +
        `concurrency ${CONCURRENCY} (ours, pg-boss) / ${GRAPHILE_CONCURRENT_JOBS} (graphile-worker)`
    )
    for (const peer of peers) await peer.setup()
    for (const peer of peers) {
      const warm = await peer.round(WARMUP)
      console.log(`warm-up ${peer.name}: ${Math.round(warm.drainMs)} ms`)
    }
    const results = new Map<string, Array<Round>>(peers.map((p) => [p.name, []]))
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? peers : [...peers].reverse()
      for (const peer of order) {
        const result = await peer.round(JOBS)
        results.get(peer.name)?.push(result)
        console.log(
          `round ${r + 1} ${peer.name}: drain ${Math.round(result.drainMs)} ms ` +
            `(${Math.round(JOBS / (result.drainMs / 1000))} jobs/s, first job after ${Math.round(result.firstJobMs)} ms), ` +
            `insert ${Math.round(result.insertMs)} ms`
        )
      }
    }
    for (const peer of peers) await peer.teardown()

    const rate = (name: string) => median((results.get(name) ?? []).map((r) => JOBS / (r.drainMs / 1000)))
    const ours = rate(peers[0]?.name ?? "")
    const graphile = rate("graphile-worker")
    const boss = rate("pg-boss")
    const fmt = (n: number) => Math.round(n).toLocaleString("en-US")
    const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`
    console.log("")
    console.log(
      "| queue | jobs/s (median) | rounds (jobs/s) | drain ms (median) | insert ms (median) | vs graphile-worker | vs pg-boss |"
    )
    console.log("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
    for (const peer of peers) {
      const rounds = results.get(peer.name) ?? []
      const jobsPerS = rate(peer.name)
      console.log(
        `| ${peer.name} | ${fmt(jobsPerS)} | ${rounds.map((r) => fmt(JOBS / (r.drainMs / 1000))).join(", ")} | ` +
          `${fmt(median(rounds.map((r) => r.drainMs)))} | ${fmt(median(rounds.map((r) => r.insertMs)))} | ` +
          `${ratio(jobsPerS, graphile)} | ${ratio(jobsPerS, boss)} |`
      )
    }
    console.log("")
    console.log(
      `ours (batched) / graphile-worker: ${ratio(ours, graphile)} (target ≥ 1.00×: ${ours >= graphile ? "met" : "NOT met"}); ` +
        `ours / pg-boss: ${ratio(ours, boss)}`
    )
  } finally {
    await benchDb?.end()
    // Let every pool finish closing before the database goes.
    await sleep(1_000)
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)
    await admin.end()
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  }
)
