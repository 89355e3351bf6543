/**
 * A full dry-run prune cycle for 10,000 users: `runOnce` of `@org/prune`'s engine,
 * composed as the daemon composes it, over the real adapters — plex.tv and Tautulli
 * through undici to the fakes of `@org/plex/testing` on loopback, the store of
 * `@org/pg` (embedded PGlite, or a throwaway schema on a Postgres server), mail over
 * SMTP to the sink of `@org/notify/testing` — against the raw reads a cycle cannot
 * avoid (plex.tv users, the Tautulli snapshot, the store), timed in the same process.
 *
 * Each port is wrapped in a timer, so the cycle's own time splits into its reads,
 * its writes and the engine's work; the reads are also timed alone, each next to a
 * bare undici request or `SELECT` of the same data (no parsing, no decoding).
 */
import { randomBytes } from "node:crypto"
import { writeFile } from "node:fs/promises"
import { Session } from "node:inspector/promises"
import { SqlClient } from "@effect/sql"
import { PruneNotify } from "@org/notify"
import { startSmtpSink } from "@org/notify/testing"
import { PgDatabase } from "@org/pg"
import { PrunePg } from "@org/pg/prune"
import { makeTautulliClient, PrunePlexAccount, PruneTautulli } from "@org/plex"
import {
  type FakePlexTv,
  type FakePlexUserInput,
  type FakeShareInput,
  type FakeTautulli,
  type FakeTautulliUserInput,
  startFakePlexTv,
  startFakeTautulli
} from "@org/plex/testing"
import {
  ActivitySource,
  type CycleReport,
  forecast,
  makePolicy,
  type NewUser,
  PlexAccount,
  PruneChatDisabled,
  PruneEngine,
  PruneEngineLive,
  PruneStore,
  type UserFacts
} from "@org/prune"
import { DateTime, Effect, Either, Layer, Logger, ManagedRuntime, Option, Redacted } from "effect"
import { Agent } from "undici"
import { summarize } from "../stats.js"

const DAY_MS = 86_400_000
const MAIN_SERVER = { name: "Bench Plex", machineIdentifier: "bench-main-server" }
const OTHER_SERVER = { name: "Bench Plex 2", machineIdentifier: "bench-other-server" }

/** Where the engine's store lives. */
export type CycleStore = "pglite" | "postgres"

/** The Postgres server of the `postgres` runs unless `BENCH_DATABASE_URL` names another. */
export const DEFAULT_BENCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test"

export interface CycleOptions {
  readonly store: CycleStore
  /** Users sharing the server (default 10,000). */
  readonly users?: number
  /** Friends who share another server of the account only (default 500). */
  readonly otherFriends?: number
  /** Cycles run first and not reported (default 2). */
  readonly warmup?: number
  /** Reported cycles (default 7). */
  readonly iterations?: number
  readonly databaseUrl?: string
  /** Write a V8 CPU profile of one more cycle, after the measured ones, to this file. */
  readonly cpuProfile?: string
  readonly onIteration?: (done: number, total: number) => void
}

export interface Timing {
  readonly p50: number
  readonly min: number
}

export interface CycleResult {
  readonly store: CycleStore
  readonly users: number
  readonly listedUsers: number
  readonly warmup: number
  readonly iterations: number
  /** The whole `runOnce`, wall clock, and the process's CPU time during it. */
  readonly cycle: Timing
  readonly cycleCpu: Timing
  /** Inside `runOnce`: time in each port (union of its calls' intervals) and the rest. */
  readonly inCycle: {
    readonly plexTv: Timing
    readonly tautulli: Timing
    readonly storeReads: Timing
    readonly storeWrites: Timing
    readonly engine: Timing
  }
  /** Port calls per cycle, by port. */
  readonly callsPerCycle: Readonly<Record<string, number>>
  /** The raw reads alone: plex.tv users + Tautulli snapshot + store read, one after another. */
  readonly rawReads: Timing
  readonly reads: {
    readonly plexUsers: Timing
    readonly plexBare: Timing
    readonly tautulliSnapshot: Timing
    readonly tautulliPages: Timing
    readonly tautulliActivity: Timing
    readonly tautulliBare: Timing
    readonly storeUsers: Timing
    readonly storeBare: Timing
    readonly decide: Timing
  }
  readonly tautulliPages: number
  /** Sizes of the bodies read (bytes): `/api/users` + `shared_servers`, all Tautulli pages. */
  readonly bodyBytes: { readonly plexTv: number; readonly tautulli: number }
  /** Decisions of the inactivity pass, by tag (and skip reason). */
  readonly decisions: Readonly<Record<string, number>>
  /** Planned actions of the cycle (both passes), by action. */
  readonly planned: Readonly<Record<string, number>>
  /** Log lines the cycle wrote (formatted, then discarded). */
  readonly logLines: number
}

// ---------------------------------------------------------------------------
// The population
// ---------------------------------------------------------------------------

interface Population {
  readonly plexUsers: ReadonlyArray<FakePlexUserInput>
  readonly tautulliUsers: ReadonlyArray<FakeTautulliUserInput>
  readonly sessions: ReadonlyArray<string>
  /** Users already recorded (the engine's earlier cycles). */
  readonly recorded: ReadonlyArray<NewUser>
  readonly warned: ReadonlyArray<{ readonly userId: string; readonly at: DateTime.Utc }>
  readonly removed: ReadonlyArray<string>
  readonly failedRemovals: ReadonlyArray<{ readonly userId: string; readonly gaveUp: boolean }>
}

/**
 * A server of `users` sharing users and `otherFriends` friends of another server,
 * relative to `nowMs`: last watches spread over 0–60 days, some never, some unknown to
 * Tautulli, some watching now; Home and managed users; a few pending invitations;
 * users recorded by earlier cycles, many of the idle ones already warned, a few
 * removed (and invited again) or with a failed removal; 5 % new since the last cycle.
 */
const population = (users: number, otherFriends: number, nowMs: number): Population => {
  const plexUsers: Array<FakePlexUserInput> = []
  const tautulliUsers: Array<FakeTautulliUserInput> = []
  const sessions: Array<string> = []
  const recorded: Array<NewUser> = []
  const warned: Array<{ userId: string; at: DateTime.Utc }> = []
  const removed: Array<string> = []
  const failedRemovals: Array<{ userId: string; gaveUp: boolean }> = []
  const seconds = (ms: number) => Math.floor(ms / 1000)
  for (let i = 0; i < users; i++) {
    const id = String(100_000 + i)
    const kind = i % 40 === 7 ? "home" : i % 200 === 23 ? "managed" : "friend"
    // Most shares have an acceptance time (5–404 days ago); 10 % do not.
    const acceptedMs = i % 10 === 3 ? undefined : nowMs - (5 + ((i * 31) % 400)) * DAY_MS
    const main: FakeShareInput = {
      ...MAIN_SERVER,
      pending: i % 400 === 101,
      ...(acceptedMs === undefined ? {} : { acceptedAt: seconds(acceptedMs) })
    }
    plexUsers.push({
      id,
      kind,
      shares: i % 7 === 0 ? [main, { ...OTHER_SERVER, acceptedAt: seconds(nowMs - 100 * DAY_MS) }] : [main]
    })

    // Tautulli: 0–60 days since the last watch, 5 % never, some unknown, some watching now.
    let lastMs: number | null | undefined
    if (i % 150 === 17) lastMs = undefined
    else if (i % 20 === 11 || i % 60 === 13) lastMs = null
    else lastMs = nowMs - ((i * 50) % 61) * DAY_MS - (i % 24) * 3_600_000
    if (lastMs !== undefined)
      tautulliUsers.push({
        userId: id,
        lastSeen: lastMs === null ? null : seconds(lastMs),
        plays: lastMs === null ? 0 : 1 + (i % 300)
      })
    if (i % 250 === 5) sessions.push(id)

    if (i % 20 === 19) continue // new since the last cycle: not recorded yet
    const username = kind === "managed" ? "" : `user${id}`
    recorded.push({
      userId: id,
      username,
      email: username === "" ? "" : `${username}@example.com`,
      kind,
      joinedAt: acceptedMs === undefined ? Option.none() : Option.some(DateTime.unsafeMake(acceptedMs))
    })
    if (i % 500 === 250) {
      removed.push(id) // removed earlier, invited again since
      continue
    }
    if (kind !== "friend" || lastMs === undefined) continue
    const sinceMs = lastMs ?? (acceptedMs === undefined ? undefined : acceptedMs + DAY_MS)
    if (sinceMs === undefined) continue
    const idleDays = Math.floor((nowMs - sinceMs) / DAY_MS)
    if (idleDays >= 27 && i % 3 !== 0) {
      // Warned when they reached 27 days (at most 20 days ago).
      warned.push({ userId: id, at: DateTime.unsafeMake(nowMs - Math.min(idleDays - 27, 20) * DAY_MS) })
      if (i % 300 === 1 || i % 300 === 2) failedRemovals.push({ userId: id, gaveUp: i % 300 === 2 })
    } else if (idleDays < 20 && i % 97 === 3)
      // Warned before their last watch: the warning is cleared.
      warned.push({ userId: id, at: DateTime.unsafeMake(nowMs - 25 * DAY_MS) })
  }
  for (let j = 0; j < otherFriends; j++)
    plexUsers.push({
      id: String(900_000 + j),
      shares: [{ ...OTHER_SERVER, acceptedAt: seconds(nowMs - 50 * DAY_MS) }]
    })
  return { plexUsers, tautulliUsers, sessions, recorded, warned, removed, failedRemovals }
}

// ---------------------------------------------------------------------------
// Timing the ports
// ---------------------------------------------------------------------------

type Part = "plexTv" | "tautulli" | "storeReads" | "storeWrites"

/** Intervals of the port calls of one cycle. */
class PortTimer {
  private intervals: Record<Part, Array<readonly [number, number]>> = this.empty()
  readonly calls: Record<string, number> = {}

  private empty(): Record<Part, Array<readonly [number, number]>> {
    return { plexTv: [], tautulli: [], storeReads: [], storeWrites: [] }
  }

  reset(): void {
    this.intervals = this.empty()
    for (const name of Object.keys(this.calls)) delete this.calls[name]
  }

  time<A, E, R>(part: Part, name: string, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    return Effect.suspend(() => {
      const start = performance.now()
      this.calls[name] = (this.calls[name] ?? 0) + 1
      return Effect.ensuring(
        effect,
        Effect.sync(() => this.intervals[part].push([start, performance.now()]))
      )
    })
  }

  /** Time within the union of `part`'s intervals (concurrent calls count once). */
  busy(part: Part): number {
    return unionLength(this.intervals[part])
  }

  /** Time within the union of every port's intervals: the cycle waited on some port. */
  busyAny(): number {
    return unionLength(Object.values(this.intervals).flat())
  }
}

/** The length of the union of `intervals` (overlaps count once). */
const unionLength = (intervals: ReadonlyArray<readonly [number, number]>): number => {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0])
  let total = 0
  let end = Number.NEGATIVE_INFINITY
  for (const [s, e] of sorted) {
    if (e <= end) continue
    total += e - Math.max(s, end)
    end = e
  }
  return total
}

/** The ports with a timer around every read and write a dry cycle makes. */
const timedPorts = (timer: PortTimer) =>
  Layer.mergeAll(
    Layer.effect(
      PlexAccount,
      Effect.map(PlexAccount, (plex) =>
        PlexAccount.of({
          serverId: timer.time("plexTv", "plex.serverId", plex.serverId),
          owner: timer.time("plexTv", "plex.owner", plex.owner),
          listUsers: timer.time("plexTv", "plex.listUsers", plex.listUsers),
          removeUser: plex.removeUser
        })
      )
    ),
    Layer.effect(
      ActivitySource,
      Effect.map(ActivitySource, (source) =>
        ActivitySource.of({
          snapshot: timer.time("tautulli", "tautulli.snapshot", source.snapshot),
          cleanup: source.cleanup
        })
      )
    ),
    Layer.effect(
      PruneStore,
      Effect.map(PruneStore, (store) =>
        PruneStore.of({
          ...store,
          initializedAt: timer.time("storeReads", "store.initializedAt", store.initializedAt),
          users: timer.time("storeReads", "store.users", store.users),
          appendAudit: (entries) => timer.time("storeWrites", "store.appendAudit", store.appendAudit(entries))
        })
      )
    )
  )

// ---------------------------------------------------------------------------
// Bare reads: the same bodies and rows, nothing parsed or decoded
// ---------------------------------------------------------------------------

const bareText = async (agent: Agent, url: string, headers: Record<string, string>) => {
  const parsed = new URL(url)
  const response = await agent.request({
    origin: parsed.origin,
    path: parsed.pathname + parsed.search,
    method: "GET",
    headers
  })
  const text = await response.body.text()
  if (response.statusCode !== 200) throw new Error(`GET ${parsed.pathname}: ${response.statusCode}`)
  return text
}

/** `/api/users` and the server's `shared_servers`, concurrently, as the adapter reads them. */
const barePlex = async (agent: Agent, plex: FakePlexTv) => {
  const headers = { "x-plex-token": plex.token, "x-plex-client-identifier": "bench-prune-bare" }
  const bodies = await Promise.all([
    bareText(agent, `${plex.url}/api/users`, headers),
    bareText(agent, `${plex.url}/api/servers/${plex.serverId}/shared_servers`, headers)
  ])
  return bodies[0].length + bodies[1].length
}

/** Every `get_users_table` page one after another, `get_activity` alongside. */
const bareTautulli = async (agent: Agent, tautulli: FakeTautulli, pageSize: number, rows: number) => {
  const url = (params: Record<string, string | number>) =>
    `${tautulli.url}/api/v2?${new URLSearchParams({
      apikey: tautulli.apiKey,
      ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]))
    }).toString()}`
  const headers = { accept: "application/json" }
  const pages = (async () => {
    let bytes = 0
    for (let start = 0; start < rows; start += pageSize)
      bytes += (
        await bareText(
          agent,
          url({
            cmd: "get_users_table",
            start,
            length: pageSize,
            order_column: "last_seen",
            order_dir: "desc"
          }),
          headers
        )
      ).length
    return bytes
  })()
  const [bytes] = await Promise.all([pages, bareText(agent, url({ cmd: "get_activity" }), headers)])
  return bytes
}

// ---------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------

const countBy = <A>(items: Iterable<A>, key: (item: A) => string): Record<string, number> => {
  const counts: Record<string, number> = {}
  for (const item of items) {
    const k = key(item)
    counts[k] = (counts[k] ?? 0) + 1
  }
  return counts
}

const timing = (samples: Array<number>): Timing => {
  const s = summarize(samples)
  return { p50: s.p50, min: s.min }
}

/** Whether the Postgres server at `url` answers within 3 s. */
export const postgresReachable = (url: string): Promise<boolean> =>
  Effect.runPromise(
    Effect.flatMap(SqlClient.SqlClient, (sql) => sql`SELECT 1`).pipe(
      Effect.provide(PgDatabase.layerUrl(url)),
      Effect.timeout("3 seconds"),
      Effect.as(true),
      Effect.catchAllCause(() => Effect.succeed(false))
    )
  )

/** Seed the fakes and the store, then run the dry cycle and the reads alone, alternating. */
export const runCycle = async (options: CycleOptions): Promise<CycleResult> => {
  const users = options.users ?? 10_000
  const otherFriends = options.otherFriends ?? 500
  const warmup = options.warmup ?? 2
  const iterations = options.iterations ?? 7
  const pageSize = 1000 // the adapter's default page
  const nowMs = Date.now()
  const people = population(users, otherFriends, nowMs)

  const plex = await startFakePlexTv({ servers: [MAIN_SERVER, OTHER_SERVER], users: people.plexUsers })
  const tautulli = await startFakeTautulli({ users: people.tautulliUsers, sessions: people.sessions })
  const smtp = await startSmtpSink()
  const agent = new Agent({ connections: 8, keepAliveTimeout: 10_000 })

  const url = options.databaseUrl ?? process.env.BENCH_DATABASE_URL ?? DEFAULT_BENCH_DATABASE_URL
  const schema = options.store === "postgres" ? `bench_prune_${randomBytes(6).toString("hex")}` : undefined
  const database = options.store === "postgres" ? PgDatabase.layerUrl(url) : PgDatabase.layerEmbedded()
  const table = `${schema ?? "prune"}.prune_users`

  let lines = 0
  const logger = Logger.replace(
    Logger.defaultLogger,
    Logger.make((entry) => {
      Logger.logfmtLogger.log(entry)
      lines++
    })
  )

  // As the daemon composes them (examples/prune-daemon/src/daemon.ts), chat off.
  const plexPort = PrunePlexAccount.layer({
    token: Redacted.make(plex.token),
    clientIdentifier: "org-media-sdk-prune-bench",
    baseUrl: plex.url,
    serverName: plex.serverName
  })
  const tautulliPort = PruneTautulli.layer({ url: tautulli.url, apiKey: Redacted.make(tautulli.apiKey) })
  const storePort = PrunePg.layer(schema === undefined ? {} : { schema }).pipe(Layer.provide(database))
  const mail = PruneNotify.mail({
    smtp: { host: smtp.host, port: smtp.port, from: "Plex <plex@example.com>" }
  })
  const policy = Either.getOrThrow(makePolicy()) // the default: dry run
  const timer = new PortTimer()
  const engine = PruneEngineLive({ policy, serverName: plex.serverName }).pipe(
    Layer.provide(
      Layer.mergeAll(
        timedPorts(timer).pipe(Layer.provide(Layer.mergeAll(plexPort, tautulliPort, storePort))),
        mail,
        PruneChatDisabled
      )
    )
  )
  // The same port instances (layers are shared by reference) for the reads alone.
  const runtime = ManagedRuntime.make(
    Layer.mergeAll(engine, plexPort, tautulliPort, storePort, mail, PruneChatDisabled, database).pipe(
      Layer.provide(logger)
    )
  )
  const tautulliClient = makeTautulliClient(
    { url: tautulli.url, apiKey: Redacted.make(tautulli.apiKey), pageSize },
    agent
  )

  try {
    // The store as earlier live cycles left it.
    await runtime.runPromise(
      Effect.gen(function* () {
        const store = yield* PruneStore
        const firstRun = DateTime.unsafeMake(nowMs - 60 * DAY_MS)
        if (!(yield* store.initialize(people.recorded, firstRun)))
          return yield* Effect.dieMessage("the store was already initialized")
        yield* Effect.forEach(people.warned, ({ userId, at }) => store.markWarned(userId, at), {
          concurrency: 4,
          discard: true
        })
        yield* Effect.forEach(
          people.removed,
          (userId) => store.markRemoved(userId, DateTime.unsafeMake(nowMs - 40 * DAY_MS)),
          { discard: true }
        )
        yield* Effect.forEach(
          people.failedRemovals,
          ({ userId, gaveUp }) =>
            store.recordRemovalFailure(userId, {
              attempts: gaveUp ? 5 : 2,
              lastError: "plex.tv answered 503 to DELETE /api/v2/sharings",
              lastAttemptAt: DateTime.unsafeMake(nowMs - 3_600_000),
              nextAttemptAt: gaveUp ? Option.none() : Option.some(DateTime.unsafeMake(nowMs + 3_600_000)),
              gaveUpAt: gaveUp ? Option.some(DateTime.unsafeMake(nowMs - 3_600_000)) : Option.none()
            }),
          { discard: true }
        )
      })
    )

    const runOnce = () => runtime.runPromise(Effect.flatMap(PruneEngine, (e) => e.runOnce))
    const call = <A, E>(effect: Effect.Effect<A, E, PlexAccount | ActivitySource | PruneStore>) =>
      runtime.runPromise(effect)
    const sql = await runtime.runPromise(SqlClient.SqlClient)

    const facts: Array<UserFacts> = []
    let observedAt = DateTime.unsafeMake(nowMs)
    let last: CycleReport | undefined
    const samples = {
      cycle: [] as Array<number>,
      cycleCpu: [] as Array<number>,
      plexTv: [] as Array<number>,
      tautulli: [] as Array<number>,
      storeReads: [] as Array<number>,
      storeWrites: [] as Array<number>,
      engine: [] as Array<number>,
      rawReads: [] as Array<number>,
      plexUsers: [] as Array<number>,
      plexBare: [] as Array<number>,
      tautulliSnapshot: [] as Array<number>,
      tautulliPages: [] as Array<number>,
      tautulliActivity: [] as Array<number>,
      tautulliBare: [] as Array<number>,
      storeUsers: [] as Array<number>,
      storeBare: [] as Array<number>,
      decide: [] as Array<number>
    }
    let callsPerCycle: Record<string, number> = {}
    let bodyBytes = { plexTv: 0, tautulli: 0 }
    let tautulliPages = 0

    const measureCycle = async (record: boolean) => {
      timer.reset()
      const cpu = process.cpuUsage()
      const start = performance.now()
      const report = await runOnce()
      const ms = performance.now() - start
      const used = process.cpuUsage(cpu)
      last = report
      if (!record) return
      samples.cycle.push(ms)
      samples.cycleCpu.push((used.user + used.system) / 1000)
      const parts = {
        plexTv: timer.busy("plexTv"),
        tautulli: timer.busy("tautulli"),
        storeReads: timer.busy("storeReads"),
        storeWrites: timer.busy("storeWrites")
      }
      samples.plexTv.push(parts.plexTv)
      samples.tautulli.push(parts.tautulli)
      samples.storeReads.push(parts.storeReads)
      samples.storeWrites.push(parts.storeWrites)
      // The port calls of a pass run together: the engine's own time is what no call covers.
      samples.engine.push(ms - timer.busyAny())
      callsPerCycle = { ...timer.calls }
    }

    const timeIt = async <A>(f: () => Promise<A>): Promise<[number, A]> => {
      const start = performance.now()
      const value = await f()
      return [performance.now() - start, value]
    }

    const measureReads = async (record: boolean) => {
      // The raw reads, one after another, through the same port instances as the cycle.
      const [plexMs] = await timeIt(() => call(Effect.flatMap(PlexAccount, (p) => p.listUsers)))
      const [snapshotMs] = await timeIt(() => call(Effect.flatMap(ActivitySource, (a) => a.snapshot)))
      const [storeMs] = await timeIt(() =>
        // As the plan reads it: one after the other.
        call(Effect.flatMap(PruneStore, (s) => Effect.all([s.initializedAt, s.users])))
      )
      // Their parts and their bare equivalents.
      const [pagesMs, seen] = await timeIt(() => runtime.runPromise(tautulliClient.lastSeen))
      const [activityMs] = await timeIt(() => runtime.runPromise(tautulliClient.watchingNow))
      const [plexBareMs, plexBytes] = await timeIt(() => barePlex(agent, plex))
      const [tautulliBareMs, tautulliBytes] = await timeIt(() =>
        bareTautulli(agent, tautulli, pageSize, people.tautulliUsers.length)
      )
      const [storeBareMs] = await timeIt(() =>
        runtime.runPromise(
          sql`SELECT user_id, username, email, kind, first_seen_at, joined_at, welcome, welcomed_at,
            warned_at, removed_at, removal_attempts, removal_last_error, removal_last_attempt_at,
            removal_next_attempt_at, removal_gave_up_at FROM ${sql(table)} ORDER BY position`
        )
      )
      // Deciding alone, for the facts of the last cycle's inactivity pass.
      const decideStart = performance.now()
      let sink = 0
      for (const f of facts) sink += forecast(f, policy, observedAt, observedAt)._tag.length
      const decideMs = performance.now() - decideStart
      if (sink < 0) throw new Error("unreachable")
      if (!record) return
      samples.rawReads.push(plexMs + snapshotMs + storeMs)
      samples.plexUsers.push(plexMs)
      samples.tautulliSnapshot.push(snapshotMs)
      samples.storeUsers.push(storeMs)
      samples.tautulliPages.push(pagesMs)
      samples.tautulliActivity.push(activityMs)
      samples.plexBare.push(plexBareMs)
      samples.tautulliBare.push(tautulliBareMs)
      samples.storeBare.push(storeBareMs)
      samples.decide.push(decideMs)
      bodyBytes = { plexTv: plexBytes, tautulli: tautulliBytes }
      tautulliPages = Math.ceil(seen.size / pageSize)
    }

    const total = warmup + iterations
    for (let n = 0; n < total; n++) {
      const record = n >= warmup
      // Alternate which goes first, so drift (GC, the machine) hits both.
      if (n % 2 === 0) {
        await measureCycle(record)
        await measureReads(record)
      } else {
        await measureReads(record)
        await measureCycle(record)
      }
      if (facts.length === 0 && last !== undefined) {
        const plan = last.inactivity.plan
        observedAt = plan.observedAt
        for (const entry of plan.entries)
          facts.push({
            user: entry.user,
            serverId: plan.serverId,
            owner: plan.owner,
            record: entry.record,
            activity: entry.activity
          })
      }
      options.onIteration?.(n + 1, total)
    }

    if (options.cpuProfile !== undefined) {
      const session = new Session()
      session.connect()
      await session.post("Profiler.enable")
      await session.post("Profiler.start")
      await runOnce()
      const { profile } = await session.post("Profiler.stop")
      session.disconnect()
      await writeFile(options.cpuProfile, JSON.stringify(profile))
    }

    const report = last
    if (report === undefined) throw new Error("no cycle ran")
    // A dry run sends, removes and records nothing.
    const actions = [...report.newUsers.actions, ...report.inactivity.actions]
    if (!report.inactivity.dryRun || actions.some((a) => a.outcome !== "planned"))
      throw new Error("the cycle was not a dry run")
    if (smtp.messages.length > 0) throw new Error(`a dry run sent ${smtp.messages.length} email(s)`)
    if (plex.requests({ method: "DELETE" }).length > 0) throw new Error("a dry run removed users")
    if (tautulli.requests({ cmd: "delete_user" }).length > 0) throw new Error("a dry run cleaned Tautulli")

    return {
      store: options.store,
      users,
      listedUsers: people.plexUsers.length,
      warmup,
      iterations,
      cycle: timing(samples.cycle),
      cycleCpu: timing(samples.cycleCpu),
      inCycle: {
        plexTv: timing(samples.plexTv),
        tautulli: timing(samples.tautulli),
        storeReads: timing(samples.storeReads),
        storeWrites: timing(samples.storeWrites),
        engine: timing(samples.engine)
      },
      callsPerCycle,
      rawReads: timing(samples.rawReads),
      reads: {
        plexUsers: timing(samples.plexUsers),
        plexBare: timing(samples.plexBare),
        tautulliSnapshot: timing(samples.tautulliSnapshot),
        tautulliPages: timing(samples.tautulliPages),
        tautulliActivity: timing(samples.tautulliActivity),
        tautulliBare: timing(samples.tautulliBare),
        storeUsers: timing(samples.storeUsers),
        storeBare: timing(samples.storeBare),
        decide: timing(samples.decide)
      },
      tautulliPages,
      bodyBytes,
      decisions: countBy(report.inactivity.plan.entries, (e) =>
        e.decision._tag === "Skip" ? `Skip:${e.decision.reason}` : e.decision._tag
      ),
      planned: countBy(actions, (a) => `${a.pass}:${a.action}`),
      logLines: lines
    }
  } finally {
    await runtime.dispose()
    await agent.close()
    await Promise.all([plex.close(), tautulli.close(), smtp.close()])
    if (schema !== undefined)
      // On a connection of its own, after the runtime (and its pool) is gone.
      await Effect.runPromise(
        Effect.flatMap(SqlClient.SqlClient, (s) => s`DROP SCHEMA IF EXISTS ${s(schema)} CASCADE`).pipe(
          Effect.provide(PgDatabase.layerUrl(url))
        )
      )
  }
}
