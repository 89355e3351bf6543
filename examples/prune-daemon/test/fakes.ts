/**
 * The world a prune cycle runs in, for the daemon's tests: fake plex.tv and
 * Tautulli, SMTP and Discord sinks on loopback, and a database of the test's own
 * (a throwaway database on the Postgres server, or a fresh PGlite directory), with
 * the daemon's variables pointing at all of them.
 *
 * Time is real: the fakes and the adapters use it, so instead of moving a test
 * clock the tests set `last_seen` relative to now and move stored dates back
 * through the `PruneStore` port ("warned 4 days ago", "the backoff has passed").
 */
import { randomBytes } from "node:crypto"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SqlClient } from "@effect/sql"
import { type DiscordSink, type SmtpSink, startDiscordSink, startSmtpSink } from "@org/notify/testing"
import { PgDatabase } from "@org/pg"
import { PrunePg } from "@org/pg/prune"
import {
  type FakePlexServer,
  type FakePlexTv,
  type FakePlexUserInput,
  type FakeTautulli,
  type FakeTautulliUserInput,
  startFakePlexTv,
  startFakeTautulli
} from "@org/plex/testing"
import { PruneEngine, PruneStore, type UserRecord } from "@org/prune"
import { Context, DateTime, Effect, Either, Layer, Option, Redacted, type Scope } from "effect"
import { serverAvailable, testDatabaseUrl } from "../../../packages/pg/test/harness.js"
import { type DaemonConfig, type RawVariables, validateVariables, variableNames } from "../src/config.js"
import { daemonLayer } from "../src/daemon.js"

// ---------------------------------------------------------------------------
// Databases: the Postgres server where it runs, and embedded PGlite everywhere
// ---------------------------------------------------------------------------

// The same server check as the store contract: `TEST_DATABASE_URL` (or `none`), else the local server if it answers.
const serverUrl = testDatabaseUrl

export interface TestDatabase {
  readonly name: string
  /** A server several processes can share (PGlite is one process's). */
  readonly server: boolean
  /** The variables that give one test an empty database, dropped (or deleted) when the scope closes. */
  readonly fresh: Effect.Effect<Partial<RawVariables>, never, Scope.Scope>
}

/** One statement on the server's maintenance database (CREATE / DROP DATABASE cannot run in a transaction). */
const onServer = (statement: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement)).pipe(
    Effect.provide(PgDatabase.layerUrl(serverUrl)),
    Effect.orDie
  )

const serverDatabase: TestDatabase = {
  name: "postgres server",
  server: true,
  fresh: Effect.acquireRelease(
    Effect.suspend(() => {
      const name = `prune_cycle_${randomBytes(6).toString("hex")}`
      return Effect.as(onServer(`CREATE DATABASE ${name}`), name)
    }),
    (name) => onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).pipe(Effect.ignore)
  ).pipe(
    Effect.map((name) => {
      const url = new URL(serverUrl)
      url.pathname = `/${name}`
      return { DATABASE_URL: url.toString() }
    })
  )
}

const embeddedDatabase: TestDatabase = {
  name: "embedded PGlite",
  server: false,
  fresh: Effect.acquireRelease(
    Effect.promise(() => mkdtemp(join(tmpdir(), "prune-cycle-"))),
    (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
  ).pipe(Effect.map((dir) => ({ DATA_DIR: dir })))
}

/** The databases the cycle runs on: the server (when there is one) and PGlite. */
export const testDatabases: ReadonlyArray<TestDatabase> = [
  ...(serverAvailable ? [serverDatabase] : []),
  embeddedDatabase
]

// ---------------------------------------------------------------------------
// The world: fakes, sinks and the daemon's variables
// ---------------------------------------------------------------------------

export const ADMIN_EMAIL = "admin@example.com"
export const SERVER_NAME = "Den"
export const SERVER_ID = "den-machine-id"

/** The daemon acting for real (the default is a dry run). */
export const live: Partial<RawVariables> = { DRY_RUN: "false" }

export interface CycleWorld {
  readonly plex: FakePlexTv
  readonly tautulli: FakeTautulli
  readonly smtp: SmtpSink
  readonly discord: DiscordSink
  /** The daemon's variables for this world, as a user would set them. */
  readonly variables: (overrides?: Partial<RawVariables>) => RawVariables
  /** The configuration `validateVariables` makes of them. */
  readonly config: (overrides?: Partial<RawVariables>) => DaemonConfig
}

export interface WorldOptions {
  /** More servers of the account besides Den (owned unless said otherwise). */
  readonly otherServers?: ReadonlyArray<FakePlexServer>
  readonly plexUsers?: ReadonlyArray<FakePlexUserInput>
  readonly tautulliUsers?: ReadonlyArray<FakeTautulliUserInput>
}

const none = Object.fromEntries(variableNames.map((name) => [name, undefined])) as RawVariables

const started = <A extends { close(): Promise<void> }>(start: () => Promise<A>) =>
  Effect.acquireRelease(Effect.promise(start), (fake) => Effect.promise(() => fake.close()))

/** A fresh database and fresh fakes for one test, all gone when its scope closes. */
export const cycleWorld = (
  database: TestDatabase,
  options: WorldOptions = {}
): Effect.Effect<CycleWorld, never, Scope.Scope> =>
  Effect.gen(function* () {
    const databaseVariables = yield* database.fresh
    const plex = yield* started(() =>
      startFakePlexTv({
        servers: [{ name: SERVER_NAME, machineIdentifier: SERVER_ID }, ...(options.otherServers ?? [])],
        users: options.plexUsers ?? []
      })
    )
    const tautulli = yield* started(() => startFakeTautulli({ users: options.tautulliUsers ?? [] }))
    const smtp = yield* started(() => startSmtpSink())
    const discord = yield* started(() => startDiscordSink())
    const variables = (overrides: Partial<RawVariables> = {}): RawVariables => ({
      ...none,
      PLEX_TOKEN: plex.token,
      PLEX_SERVER_NAME: SERVER_NAME,
      PLEX_TV_URL: plex.url,
      TAUTULLI_URL: tautulli.url,
      TAUTULLI_API_KEY: tautulli.apiKey,
      SMTP_HOST: smtp.host,
      SMTP_PORT: String(smtp.port),
      SMTP_FROM: `${SERVER_NAME} <plex@example.com>`,
      ADMIN_EMAIL,
      DISCORD_WEBHOOK: discord.webhookUrl,
      ...databaseVariables,
      ...overrides
    })
    const config = (overrides: Partial<RawVariables> = {}) =>
      Either.getOrThrowWith(validateVariables(variables(overrides)), (error) => new Error(error.message))
    return { plex, tautulli, smtp, discord, variables, config }
  })

// ---------------------------------------------------------------------------
// The daemon's composition, with its store in reach
// ---------------------------------------------------------------------------

/** The database of `engineLayer` (src/daemon.ts). */
const databaseOf = (config: DaemonConfig) =>
  config.database._tag === "Postgres"
    ? PgDatabase.layerUrl(Redacted.value(config.database.url))
    : PgDatabase.layerEmbedded({ dataDir: config.database.dataDir })

/** The daemon's store alone, on the configured database. */
export const storeLayer = (config: DaemonConfig) => PrunePg.layer().pipe(Layer.provide(databaseOf(config)))

/** The engine and its store, for the rest of the scope. */
export const startDaemon = (config: DaemonConfig) =>
  Effect.map(Effect.orDie(Layer.build(daemonLayer(config))), (context) => ({
    engine: Context.get(context, PruneEngine),
    store: Context.get(context, PruneStore)
  }))

// ---------------------------------------------------------------------------
// Time and state
// ---------------------------------------------------------------------------

const DAY_SECONDS = 86_400

/** Tautulli's `last_seen` (epoch seconds) `days` ago. */
export const secondsAgo = (days: number) => Math.floor(Date.now() / 1000) - Math.round(days * DAY_SECONDS)

/** `days` before now, for the store. */
export const daysAgo = (days: number) =>
  Effect.map(DateTime.now, (now) => DateTime.subtract(now, { millis: Math.round(days * DAY_SECONDS * 1000) }))

type Store = PruneStore["Type"]

/** The stored record of a user (undefined when not recorded). */
export const recordOf = (store: Store, userId: string) =>
  Effect.map(store.users, (users): UserRecord | undefined => users.get(userId))

/** The outstanding warning of a user is `days` old, as if that much time had passed since it was sent. */
export const backdateWarning = (store: Store, userId: string, days: number) =>
  Effect.gen(function* () {
    const record = yield* recordOf(store, userId)
    const warnedAt = record === undefined ? Option.none() : record.warnedAt
    if (Option.isNone(warnedAt)) return yield* Effect.dieMessage(`user ${userId} has no warning to backdate`)
    if (!(yield* store.clearWarning(userId, warnedAt.value)))
      return yield* Effect.dieMessage(`could not clear the warning of user ${userId}`)
    if (!(yield* store.markWarned(userId, yield* daysAgo(days))))
      return yield* Effect.dieMessage(`could not warn user ${userId} again`)
  })

/** The removal retry of a user is due now, as if its backoff had passed (nothing else changes). */
export const backoffPassed = (store: Store, userId: string) =>
  Effect.gen(function* () {
    const record = yield* recordOf(store, userId)
    const failure = record === undefined ? Option.none() : record.removalFailure
    if (Option.isNone(failure)) return yield* Effect.dieMessage(`user ${userId} has no failed removal`)
    yield* store.recordRemovalFailure(userId, {
      ...failure.value,
      nextAttemptAt: Option.map(failure.value.nextAttemptAt, () => DateTime.unsafeMake(Date.now() - 1000))
    })
  })

/** Users and initialization, as plain values, to compare before and after. */
export const storeSnapshot = Effect.gen(function* () {
  const store = yield* PruneStore
  const [users, initializedAt] = yield* Effect.all([store.users, store.initializedAt])
  const iso = (value: Option.Option<DateTime.Utc>) => Option.getOrNull(Option.map(value, DateTime.formatIso))
  return {
    initializedAt: iso(initializedAt),
    users: [...users.values()]
      .map((user) => ({
        userId: user.userId,
        username: user.username,
        email: user.email,
        kind: user.kind,
        firstSeenAt: DateTime.formatIso(user.firstSeenAt),
        joinedAt: iso(user.joinedAt),
        welcome: user.welcome,
        welcomedAt: iso(user.welcomedAt),
        warnedAt: iso(user.warnedAt),
        removedAt: iso(user.removedAt),
        removalFailure: Option.getOrNull(
          Option.map(user.removalFailure, (failure) => ({
            attempts: failure.attempts,
            lastError: failure.lastError,
            nextAttemptAt: iso(failure.nextAttemptAt),
            gaveUpAt: iso(failure.gaveUpAt)
          }))
        )
      }))
      .sort((a, b) => a.userId.localeCompare(b.userId))
  }
})

// ---------------------------------------------------------------------------
// What the fakes received
// ---------------------------------------------------------------------------

/** Every DELETE plex.tv received, as `path → status`. */
export const deletes = (plex: FakePlexTv) =>
  plex.requests({ method: "DELETE" }).map((request) => `${request.path} → ${request.status}`)

/** The mail one address received. */
export const mailTo = (smtp: SmtpSink, address: string) =>
  smtp.messages.filter((message) => message.envelopeTo.includes(address))

/** The admin's reports. */
export const adminReports = (smtp: SmtpSink) => mailTo(smtp, ADMIN_EMAIL)

/** The Discord messages' text. */
export const chatLines = (discord: DiscordSink) => discord.messages.map((message) => message.content ?? "")
