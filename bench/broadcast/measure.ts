/**
 * The broadcast benchmark: webhook-to-all-delivered for a family of N members
 * over real HTTP against the Trakt sandbox, measured against a baseline in the
 * same process — the same N scrobble POSTs sent straight to the sandbox with
 * undici, which is as fast as a broadcast can be: the slowest member's answer.
 *
 * The sandbox runs in a child process by default (`sandbox: "child"`), as Trakt
 * is remote in production: in the benchmark's process its own work (parsing every
 * request, JSON, answering) would compete with the SDK's for the one event loop.
 * Either way it is driven over HTTP only (see `sandbox.ts`).
 *
 * One SDK iteration is a Plex `media.play` webhook body (multipart, as Plex posts
 * it) decoded with `@org/plex` and handed to `handlePlaybackEvent`, timed from
 * the call until the report is back, i.e. until every member's `/scrobble/start`
 * has been answered and recorded. Each iteration plays a different movie, so
 * neither the duplicate-event window nor Trakt's finish window takes part.
 *
 * The stores are in memory by default (`stores: "memory"`); `"postgres"` puts them
 * on a Postgres server (`@org/pg`, a fresh schema per run, dropped at the end) and
 * `"pglite"` on embedded in-memory PGlite (see `storesLayer`).
 *
 * Pacing is off on both sides (`minPostInterval: 0` in the core, `postIntervalMs:
 * 0` in the sandbox): Trakt's one-POST-per-second-per-member limit would
 * otherwise gate back-to-back iterations, and the benchmark would measure the
 * pacer's sleep instead of the broadcast.
 */
import { randomBytes } from "node:crypto"
import { SqlClient } from "@effect/sql"
import { SecureRandomNode } from "@org/crypto"
import {
  completeAuthorization,
  createFamilyGroup,
  FamilyScrobbleConfig,
  type FamilySettingsInput,
  getFamilyGroup,
  handlePlaybackEvent,
  identifyMedia,
  type PlexMetadata,
  progressFromOffset,
  toProgress,
  type WebhookReport
} from "@org/family-scrobble"
import { FamilyScrobbleInMemory } from "@org/family-scrobble/testing"
import { makeTokenCipher, PgDatabase, parseTokenKeys } from "@org/pg"
import { FamilyScrobblePg } from "@org/pg/family-scrobble"
import { decodeWebhook, decodeWebhookEither } from "@org/plex"
import { encodeMultipartWebhook, moviePlayNewAgent, sampleThumb } from "@org/plex/testing"
import { itemForms, resolveTraktConfig, scrobbleBody, TraktApiLive, type TraktConfig } from "@org/trakt"
import type { SandboxScrobble } from "@org/trakt/sandbox"
import { Effect, Either, Layer, Logger, LogLevel, ManagedRuntime, Redacted } from "effect"
import { Agent } from "undici"
import { type Stats, summarize } from "../stats.js"
import { type SandboxPlacement, startBenchSandbox } from "./sandbox.js"
import { type SqlPhases, startSqlTrace } from "./sql-trace.js"
import { type Phases, phaseStats, startPhaseTrace } from "./trace.js"

export type { SandboxPlacement } from "./sandbox.js"

const REDIRECT_URI = "http://127.0.0.1:9/authorize/family/member"

/** The default the SDK uses for `connectionsPerHost` (see `@org/trakt`'s `TraktConfig`). */
export const SDK_DEFAULT_CONNECTIONS_PER_HOST = resolveTraktConfig({
  clientId: "-",
  clientSecret: Redacted.make("-"),
  redirectUri: REDIRECT_URI
}).connectionsPerHost

/** The Postgres server of `stores: "postgres"` unless `BENCH_DATABASE_URL` names another. */
export const DEFAULT_BENCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test"

/**
 * Where the family-scrobble stores live: in memory (`FamilyScrobbleInMemory`), on a
 * Postgres server (`BENCH_DATABASE_URL`, group locks in the database) or on embedded
 * in-memory PGlite (group locks in the process), both through `@org/pg`.
 */
export type BenchStores = "memory" | "postgres" | "pglite"

/** The target of the issue: p99 no more than this above the slowest member's. */
export const TARGET_OVERHEAD_MS = 25

export interface BroadcastBenchOptions {
  /** Members in the group (1 to 100). */
  readonly members: number
  /** Iterations run first and not recorded (connections, JIT). */
  readonly warmup: number
  /** Recorded iterations, each one SDK broadcast and one baseline broadcast. */
  readonly iterations: number
  /** Sandbox latency of every answer, per member. */
  readonly latencyMs: number
  /**
   * Keep-alive connections to the Trakt host, for the SDK and the baseline alike.
   * Default: the adapter's default (128, one per member for any group size).
   */
  readonly connectionsPerHost?: number
  /** Where the stores live. Default `"memory"`. */
  readonly stores?: BenchStores
  /** Where the sandbox runs. Default `"child"`: a process of its own, as Trakt is remote. */
  readonly sandbox?: SandboxPlacement
  /**
   * Record when each scrobble POST leaves and its answer is in, from undici's
   * diagnostics channels (see `trace.ts`): `phases` in the result. Default false.
   */
  readonly trace?: boolean
  /**
   * Record the stores' SQL statements in each SDK broadcast (`sql` in the result, see
   * `sql-trace.ts`); Postgres and PGlite stores only. Default false.
   */
  readonly sqlTrace?: boolean
  /**
   * The SDK's log lines: formatted as logfmt and discarded (the default: formatting
   * paid, no output sink), or `"off"` (minimum level None: no line is even built).
   */
  readonly logs?: "discarded" | "off"
  /** Called after each iteration (progress output). */
  readonly onIteration?: (done: number, total: number) => void
}

export type { Stats } from "../stats.js"

export interface BroadcastBenchResult {
  readonly members: number
  readonly warmup: number
  readonly iterations: number
  readonly latencyMs: number
  readonly connectionsPerHost: number
  readonly stores: BenchStores
  readonly sandbox: SandboxPlacement
  /** Webhook-to-all-delivered through the SDK, one sample per recorded iteration, in ms. */
  readonly sdk: ReadonlyArray<number>
  /** The same POSTs sent directly: time until the slowest answered, in ms. */
  readonly baseline: ReadonlyArray<number>
  readonly sdkStats: Stats
  readonly baselineStats: Stats
  /** SDK minus baseline of the same iteration (they run back to back), in ms. */
  readonly pairedOverheadStats: Stats
  /** SDK p99 minus baseline p99, in ms. */
  readonly overheadP99Ms: number
  /** SDK p50 divided by baseline p50. */
  readonly ratioP50: number
  /** Baseline p99 plus `TARGET_OVERHEAD_MS`. */
  readonly targetMs: number
  readonly pass: boolean
  /** Every member delivered in every SDK iteration (warm-up included); the bench throws otherwise. */
  readonly deliveredPerIteration: ReadonlyArray<number>
  /** Scrobbles the sandbox recorded for the group's members and for the baseline's users. */
  readonly sandboxScrobbles: { readonly sdk: number; readonly baseline: number }
  /** The SDK and the baseline sent the same item, progress and app version in every iteration. */
  readonly bodiesMatch: boolean
  /** Log lines the SDK emitted (formatted as logfmt, then discarded). */
  readonly logLines: number
  /** With `trace`: medians over the recorded iterations of when the POSTs left and their answers came in. */
  readonly phases?: { readonly sdk: Phases; readonly baseline: Phases }
  /** With `sqlTrace`: medians over the recorded SDK iterations of the stores' statements, by kind. */
  readonly sql?: SqlPhases
}
const PLEX_USERNAME = moviePlayNewAgent.Account?.title ?? "LivingRoom"

/** Statistics of `samples` (left as they are). */
export const stats = (samples: ReadonlyArray<number>): Stats => summarize([...samples])

/** The Plex `media.play` of iteration `i`: a movie of its own (ids, rating key, guid). */
const playMetadata = (i: number) => {
  const base = moviePlayNewAgent.Metadata ?? {}
  return {
    ...base,
    ratingKey: String(900_000 + i),
    key: `/library/metadata/${900_000 + i}`,
    guid: `plex://movie/bench${String(i).padStart(19, "0")}`,
    Guid: [{ id: `imdb://tt${9_000_000 + i}` }, { id: `tmdb://${7_000_000 + i}` }],
    title: `Benchmark Movie ${i}`,
    year: 2000 + (i % 25),
    // Five minutes in, so the start carries a progress (≈ 2.94 %).
    viewOffset: 300_000,
    duration: 10_200_000
  }
}

const playWebhook = (i: number) =>
  encodeMultipartWebhook({ ...moviePlayNewAgent, Metadata: playMetadata(i) }, { thumb: sampleThumb })

/** A logger that formats every line as the default logger would and writes it nowhere. */
const discardingLogger = (mode: "discarded" | "off") => {
  let lines = 0
  const logger = Logger.make((options) => {
    Logger.logfmtLogger.log(options)
    lines++
  })
  const layer = Logger.replace(Logger.defaultLogger, logger)
  return {
    layer: mode === "off" ? Layer.merge(layer, Logger.minimumLogLevel(LogLevel.None)) : layer,
    lines: () => lines
  }
}

const describeReport = (report: WebhookReport): string =>
  report._tag === "Ignored"
    ? `ignored (${report.ignored.reason}: ${report.ignored.detail})`
    : report.broadcast.members
        .filter((m) => m._tag !== "Delivered")
        .map((m) => `${m.member.traktUsername ?? m.member.label}: ${m._tag} ${JSON.stringify(m)}`)
        .join("; ")

/** `f` over `items`, at most `limit` at a time, results in order. */
const mapLimit = async <A, B>(
  items: ReadonlyArray<A>,
  limit: number,
  f: (item: A, index: number) => Promise<B>
): Promise<Array<B>> => {
  const results: Array<B> = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await f(items[index] as A, index)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

/**
 * The stores of a run and how to clean up after it. `"postgres"`: a fresh schema
 * (`bench_<hex>`, migrated when the runtime starts) on the server, dropped by
 * `cleanup`; `"pglite"`: a new in-memory PGlite, gone with the runtime. OAuth tokens
 * are encrypted at rest with a random key of the run.
 */
const storesLayer = (stores: BenchStores) => {
  if (stores === "memory") return { layer: FamilyScrobbleInMemory, cleanup: async () => {} }
  const cipher = makeTokenCipher(parseTokenKeys(`k1:${randomBytes(32).toString("base64")}`))
  if (stores === "pglite")
    return {
      layer: FamilyScrobblePg.layer({ cipher, locks: "process" }).pipe(
        Layer.provide(PgDatabase.layerEmbedded())
      ),
      cleanup: async () => {}
    }
  const url = process.env.BENCH_DATABASE_URL ?? DEFAULT_BENCH_DATABASE_URL
  const schema = `bench_${randomBytes(6).toString("hex")}`
  return {
    layer: FamilyScrobblePg.layer({ cipher, schema, locks: "database" }).pipe(
      Layer.provide(PgDatabase.layerUrl(url))
    ),
    // On a connection of its own, after the runtime (and its pool) is gone.
    cleanup: () =>
      Effect.runPromise(
        Effect.flatMap(SqlClient.SqlClient, (sql) => sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`).pipe(
          Effect.provide(PgDatabase.layerUrl(url))
        )
      ).then(() => {})
  }
}

/** Run the SDK and the baseline against one sandbox and compare them. */
export const measureBroadcast = async (options: BroadcastBenchOptions): Promise<BroadcastBenchResult> => {
  const { members, warmup, iterations, latencyMs } = options
  if (!Number.isInteger(members) || members < 1 || members > 100)
    throw new Error(`members must be 1 to 100, not ${members}`)
  const placement = options.sandbox ?? "child"
  const storeKind = options.stores ?? "memory"
  const total = warmup + iterations
  const run = `${process.pid}-${Date.now().toString(36)}-${members}`

  const sandbox = await startBenchSandbox(placement, { latencyMs, postIntervalMs: 0 })
  const stores = storesLayer(storeKind)
  let runtime: { readonly dispose: () => Promise<void> } | undefined
  let agent: Agent | undefined
  try {
    const traktConfig: TraktConfig = {
      clientId: sandbox.clientId,
      clientSecret: Redacted.make(sandbox.clientSecret),
      redirectUri: REDIRECT_URI,
      apiUrl: sandbox.url,
      authUrl: sandbox.url,
      ...(options.connectionsPerHost === undefined ? {} : { connectionsPerHost: options.connectionsPerHost })
    }
    const resolved = resolveTraktConfig(traktConfig)
    const connectionsPerHost = resolved.connectionsPerHost
    const settings: FamilySettingsInput = { maxMembers: 100, minPostInterval: "0 millis" }
    const logs = discardingLogger(options.logs ?? "discarded")
    const sqlTrace = options.sqlTrace === true ? startSqlTrace() : undefined
    const sdkRuntime = ManagedRuntime.make(
      Layer.mergeAll(
        stores.layer,
        TraktApiLive.layer(traktConfig),
        SecureRandomNode,
        FamilyScrobbleConfig.layer(settings),
        logs.layer,
        sqlTrace === undefined ? Layer.empty : Layer.setTracer(sqlTrace.tracer)
      )
    )
    runtime = sdkRuntime
    // The baseline's client: one keep-alive agent, configured as the SDK's.
    const baselineAgent = new Agent({
      connections: connectionsPerHost,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
      connect: { timeout: 5_000 }
    })
    agent = baselineAgent

    // Onboard the group through OAuth over HTTP: each member signs in at the sandbox's
    // authorize page (the invitation's URL), the SDK exchanges the code it redirects with.
    const memberNames = Array.from({ length: members }, (_, i) => `bench-${run}-member-${i + 1}`)
    const groupId = await sdkRuntime.runPromise(
      Effect.gen(function* () {
        const created = yield* createFamilyGroup({
          plexUsername: PLEX_USERNAME,
          labels: memberNames.map((_, i) => `Member ${i + 1}`)
        })
        yield* Effect.forEach(
          created.members,
          (invitation, i) =>
            Effect.promise(() => sandbox.signIn(invitation.authorizeUrl, memberNames[i] ?? "")).pipe(
              Effect.flatMap(({ code, state }) => completeAuthorization({ code, state: state ?? "" }))
            ),
          { concurrency: 16, discard: true }
        )
        const details = yield* getFamilyGroup(created.group.id)
        const unauthorized = details.members.filter((m) => !m.isAuthorized)
        if (details.members.length !== members || unauthorized.length > 0)
          throw new Error(`onboarding left ${unauthorized.length} of ${members} members unauthorized`)
        return created.group.id
      })
    )

    // The baseline's users: one token each, through the same sign-in and code exchange.
    const baselineNames = Array.from({ length: members }, (_, i) => `bench-${run}-baseline-${i + 1}`)
    const baselineUsers = await mapLimit(baselineNames, 16, async (username) => ({
      username,
      accessToken: await sandbox.accessToken(username, REDIRECT_URI)
    }))
    const origin = new URL(resolved.apiUrl).origin
    const baselineHeaders = (accessToken: string) => ({
      "content-type": "application/json",
      "trakt-api-version": "2",
      "trakt-api-key": resolved.clientId,
      "user-agent": resolved.userAgent,
      authorization: `Bearer ${accessToken}`
    })

    // Everything an iteration sends, prepared before any clock starts.
    const webhooks = Array.from({ length: total }, (_, i) => playWebhook(i))
    const baselineBodies = webhooks.map((webhook, i) => {
      // The item as the SDK will see it: the decoded webhook's metadata.
      const decoded = decodeWebhookEither(webhook.body, webhook.contentType)
      if (Either.isLeft(decoded)) throw new Error(`iteration ${i}: ${decoded.left.message}`)
      const metadata: PlexMetadata = decoded.right.event.Metadata ?? {}
      const media = identifyMedia(metadata)
      if (Either.isLeft(media)) throw new Error(`iteration ${i}: the movie is not identified`)
      const form = itemForms(media.right)[0]
      if (form === undefined) throw new Error(`iteration ${i}: the movie has no item form`)
      const progress = progressFromOffset(metadata.viewOffset, metadata.duration) ?? toProgress(0)
      return JSON.stringify(scrobbleBody(form, progress, resolved))
    })

    const trace = options.trace === true ? startPhaseTrace("/scrobble/start") : undefined
    const deliveredPerIteration: Array<number> = []
    const sdkOnce = async (i: number): Promise<number> => {
      const webhook = webhooks[i]
      if (webhook === undefined) throw new Error(`no webhook for iteration ${i}`)
      trace?.begin()
      sqlTrace?.begin()
      const started = performance.now()
      const report = await sdkRuntime.runPromise(
        decodeWebhook(webhook.body, webhook.contentType).pipe(
          Effect.flatMap(({ event }) => handlePlaybackEvent(groupId, event))
        )
      )
      const ended = performance.now()
      trace?.end("sdk", i >= warmup, started, ended)
      sqlTrace?.end(i >= warmup, started)
      const delivered =
        report._tag === "Broadcast"
          ? report.broadcast.members.filter((m) => m._tag === "Delivered").length
          : 0
      if (report._tag !== "Broadcast" || delivered !== members)
        throw new Error(
          `SDK iteration ${i}: expected every one of ${members} members Delivered, got ${describeReport(report)}`
        )
      deliveredPerIteration.push(delivered)
      return ended - started
    }

    const baselineOnce = async (i: number): Promise<number> => {
      const body = baselineBodies[i]
      if (body === undefined) throw new Error(`no baseline body for iteration ${i}`)
      trace?.begin()
      const started = performance.now()
      const statuses = await Promise.all(
        baselineUsers.map(async (user) => {
          const response = await baselineAgent.request({
            origin,
            path: "/scrobble/start",
            method: "POST",
            headers: baselineHeaders(user.accessToken),
            body
          })
          await response.body.text()
          return response.statusCode
        })
      )
      const ended = performance.now()
      trace?.end("baseline", i >= warmup, started, ended)
      const failed = statuses.filter((status) => status !== 201)
      if (failed.length > 0)
        throw new Error(`baseline iteration ${i}: ${failed.length} POSTs failed (${failed.join(", ")})`)
      return ended - started
    }

    const sdk: Array<number> = []
    const baseline: Array<number> = []
    try {
      for (let i = 0; i < total; i++) {
        // Alternate which goes first, so drift and any after-effects hit both alike.
        let sdkMs: number
        let baselineMs: number
        if (i % 2 === 0) {
          sdkMs = await sdkOnce(i)
          baselineMs = await baselineOnce(i)
        } else {
          baselineMs = await baselineOnce(i)
          sdkMs = await sdkOnce(i)
        }
        if (i >= warmup) {
          sdk.push(sdkMs)
          baseline.push(baselineMs)
        }
        options.onIteration?.(i + 1, total)
      }
    } finally {
      trace?.stop()
    }

    // What the sandbox recorded (read over HTTP): every member got every scrobble,
    // with the baseline's item and progress.
    const recorded = async (names: ReadonlyArray<string>) =>
      mapLimit(names, 16, (name) => sandbox.scrobbles(name))
    const sdkScrobbles = (await recorded(memberNames)).flat()
    const baselineScrobbles = (await recorded(baselineNames)).flat()
    const shape = (s: SandboxScrobble) =>
      JSON.stringify([s.action, s.result, s.progress, s.item, s.appVersion])
    const firstMember = (await sandbox.scrobbles(memberNames[0] ?? "")).map(shape)
    const firstBaseline = (await sandbox.scrobbles(baselineNames[0] ?? "")).map(shape)
    const bodiesMatch =
      firstMember.length === total &&
      firstMember.length === firstBaseline.length &&
      firstMember.every((s, i) => s === firstBaseline[i])

    const sdkStats = stats(sdk)
    const baselineStats = stats(baseline)
    const targetMs = baselineStats.p99 + TARGET_OVERHEAD_MS
    return {
      members,
      warmup,
      iterations,
      latencyMs,
      connectionsPerHost,
      stores: storeKind,
      sandbox: placement,
      sdk,
      baseline,
      sdkStats,
      baselineStats,
      pairedOverheadStats: stats(sdk.map((ms, i) => ms - (baseline[i] ?? Number.NaN))),
      overheadP99Ms: sdkStats.p99 - baselineStats.p99,
      ratioP50: sdkStats.p50 / baselineStats.p50,
      targetMs,
      pass: sdkStats.p99 <= targetMs,
      deliveredPerIteration,
      sandboxScrobbles: { sdk: sdkScrobbles.length, baseline: baselineScrobbles.length },
      bodiesMatch,
      logLines: logs.lines(),
      ...(trace === undefined
        ? {}
        : { phases: { sdk: phaseStats(trace.samples.sdk), baseline: phaseStats(trace.samples.baseline) } }),
      ...(sqlTrace === undefined ? {} : { sql: sqlTrace.stats() })
    }
  } finally {
    try {
      try {
        await runtime?.dispose()
        await agent?.close()
      } finally {
        // The Postgres schema goes whatever happened above.
        await stores.cleanup()
      }
    } finally {
      // The sandbox (and its process) goes whatever happened above.
      await sandbox.close()
    }
  }
}

const ms = (value: number) => value.toFixed(1)

/** The results as a markdown table. */
export const formatTable = (results: ReadonlyArray<BroadcastBenchResult>): string => {
  // A column for the stores only when some are not in memory.
  const withStores = results.some((r) => r.stores !== "memory")
  const header = [
    `| Members |${withStores ? " Stores |" : ""} Iterations | SDK p50 | SDK p99 | SDK max | Baseline p50 | Baseline p99 | Baseline max | Overhead p99 (ms) | Paired overhead p50 / p99 (ms) | Ratio p50 | Target p99 ≤ | Result |`,
    `|---:|${withStores ? ":---|" : ""}---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---|`
  ]
  const rows = results.map((r) =>
    [
      r.connectionsPerHost < r.members
        ? `${r.members} (${r.connectionsPerHost} connections)`
        : String(r.members),
      ...(withStores ? [r.stores] : []),
      String(r.iterations),
      ms(r.sdkStats.p50),
      ms(r.sdkStats.p99),
      ms(r.sdkStats.max),
      ms(r.baselineStats.p50),
      ms(r.baselineStats.p99),
      ms(r.baselineStats.max),
      ms(r.overheadP99Ms),
      `${ms(r.pairedOverheadStats.p50)} / ${ms(r.pairedOverheadStats.p99)}`,
      r.ratioP50.toFixed(3),
      ms(r.targetMs),
      r.pass ? "PASS" : "FAIL"
    ].join(" | ")
  )
  return [...header, ...rows.map((row) => `| ${row} |`)].join("\n")
}

/** The `trace` results as a markdown table: medians, ms after the broadcast started. */
export const formatPhases = (results: ReadonlyArray<BroadcastBenchResult>): string => {
  const withStores = results.some((r) => r.stores !== "memory")
  const header = [
    `| Members | Sandbox |${withStores ? " Stores |" : ""} Side | First POST made | Last POST made | First POST sent | Last POST sent | First answer in | Last answer in | Done | CPU |`,
    `|---:|:---|${withStores ? ":---|" : ""}:---|---:|---:|---:|---:|---:|---:|---:|---:|`
  ]
  const rows = results.flatMap((r) =>
    r.phases === undefined
      ? []
      : (["sdk", "baseline"] as const).map((side) => {
          const p = r.phases?.[side]
          return [
            String(r.members),
            r.sandbox,
            ...(withStores ? [r.stores] : []),
            side === "sdk" ? "SDK" : "baseline",
            ms(p?.firstMade ?? Number.NaN),
            ms(p?.lastMade ?? Number.NaN),
            ms(p?.firstSent ?? Number.NaN),
            ms(p?.lastSent ?? Number.NaN),
            ms(p?.firstAnswer ?? Number.NaN),
            ms(p?.lastAnswer ?? Number.NaN),
            ms(p?.done ?? Number.NaN),
            ms(p?.cpu ?? Number.NaN)
          ].join(" | ")
        })
  )
  return [...header, ...rows.map((row) => `| ${row} |`)].join("\n")
}

/** The `sqlTrace` results as a markdown table: medians, ms after the broadcast started. */
export const formatSql = (results: ReadonlyArray<BroadcastBenchResult>): string => {
  const header = [
    "| Members | Stores | Statement | Count | First started | Last ended | Sum of durations | Longest |",
    "|---:|:---|:---|---:|---:|---:|---:|---:|"
  ]
  const order = [
    "find group",
    "lock take",
    "list members",
    "drop superseded",
    "lock release",
    "lock keep-alive",
    "other"
  ]
  const rows = results.flatMap((r) =>
    Object.entries(r.sql ?? {})
      .sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))
      .map(([kind, s]) =>
        [
          String(r.members),
          r.stores,
          kind,
          String(s.count),
          ms(s.firstStart),
          ms(s.lastEnd),
          ms(s.total),
          ms(s.longest)
        ].join(" | ")
      )
  )
  return [...header, ...rows.map((row) => `| ${row} |`)].join("\n")
}
