/**
 * The durable retry queue under real processes (Postgres server only: embedded
 * PGlite serves one process). A worker killed with SIGKILL in the middle of a
 * batch loses nothing: after its lease, another worker delivers every item.
 * Four workers on 10,000 items across 200 groups deliver every item, and no
 * group is ever worked on by two workers at once.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { createRequire } from "node:module"
import { fileURLToPath, pathToFileURL } from "node:url"
import { SqlClient } from "@effect/sql"
import { describe, expect, it, layer } from "@effect/vitest"
import {
  FamilyGroup,
  FamilyGroupId,
  GroupMember,
  GroupMemberId,
  GroupStore,
  MemberLabel,
  PlexUsername,
  TraktTokens,
  TraktUsername
} from "@org/family-scrobble"
import { DateTime, Effect, Layer, Option, Redacted, Schedule } from "effect"
import { FamilyScrobblePg } from "../src/family-scrobble/FamilyScrobblePg.js"
import { familyScrobbleMigrations } from "../src/family-scrobble/Migrations.js"
import { runMigrations } from "../src/Migrations.js"
import { PgStoreConfig } from "../src/PgStoreConfig.js"
import { makeTokenCipher, parseTokenKeys } from "../src/TokenCipher.js"
import { databases, dropSchema, freshSchema, testDatabaseUrl } from "./harness.js"

const workerScript = fileURLToPath(new URL("./fixtures/retry-worker.ts", import.meta.url))
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href
const tokenKeys = `k1:${randomBytes(32).toString("base64")}`
const cipher = makeTokenCipher(parseTokenKeys(tokenKeys))

interface WorkerOptions {
  readonly deliveryMs: number
  readonly leaseMs: number
  readonly batch: number
  readonly lockLeaseMs: number
}

const startWorker = (schema: string, name: string, o: WorkerOptions): ChildProcess =>
  spawn(
    process.execPath,
    [
      "--conditions=@org/source",
      "--import",
      tsx,
      workerScript,
      testDatabaseUrl,
      schema,
      name,
      String(o.deliveryMs),
      String(o.leaseMs),
      String(o.batch),
      String(o.lockLeaseMs)
    ],
    { env: { ...process.env, TOKEN_KEYS: tokenKeys }, stdio: ["ignore", "inherit", "inherit"] }
  )

const exited = (child: ChildProcess) =>
  Effect.async<number | null>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.succeed(child.exitCode))
    child.once("exit", (code) => resume(Effect.succeed(code)))
  })

/** `groups` groups of `membersPerGroup` authorized members, each with `itemsPerMember` due retries. */
const seed = (schema: string, groups: number, membersPerGroup: number, itemsPerMember: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const store = yield* GroupStore
    const now = DateTime.unsafeMake(Date.now())
    yield* sql`
      CREATE TABLE ${sql(`${schema}.deliveries`)} (
        id bigserial PRIMARY KEY, token text NOT NULL, title text NOT NULL, worker text NOT NULL,
        started_at timestamptz NOT NULL, ended_at timestamptz NOT NULL)`
    yield* Effect.forEach(
      Array.from({ length: groups }, (_, g) => g),
      (g) =>
        Effect.gen(function* () {
          const group = new FamilyGroup({
            id: FamilyGroupId.make(crypto.randomUUID()),
            plexUsername: PlexUsername.make(`plex-${g}`),
            createdAt: now
          })
          const members = Array.from(
            { length: membersPerGroup },
            (_, m) =>
              new GroupMember({
                id: GroupMemberId.make(crypto.randomUUID()),
                groupId: group.id,
                label: MemberLabel.make(`Member ${m}`),
                traktUsername: Option.none(),
                status: "pending",
                statusReason: Option.none(),
                tokens: Option.none(),
                createdAt: now,
                authorizedAt: Option.none()
              })
          )
          yield* store.createGroup(group, members)
          for (const member of members) {
            const tokens = new TraktTokens({
              accessToken: Redacted.make(`tok-${member.id}`),
              refreshToken: Redacted.make(`refresh-${member.id}`),
              createdAt: now,
              expiresAt: DateTime.add(now, { days: 7 })
            })
            yield* store.authorizeMember(
              member.id,
              TraktUsername.make(`trakt-${member.id.slice(0, 8)}`),
              tokens,
              now
            )
          }
        }),
      { concurrency: 8 }
    )
    // The items, straight into the table: title and media key unique per item, all due now.
    yield* sql`
      INSERT INTO ${sql(`${schema}.retry_queue_items`)}
        (id, group_id, member_id, event_id, action, media, media_key, progress, records_play, attempts,
         status, event_at, next_attempt_at, last_error, created_at, updated_at)
      SELECT gen_random_uuid(), m.group_id, m.id, 'evt-' || m.id || '-' || k, 'start',
             jsonb_build_object('_tag', 'Movie', 'title', 'item-' || m.id || '-' || k,
                                'ids', jsonb_build_object('imdb', 'tt' || lpad(k::text, 7, '0'))),
             'm-' || m.id || '-' || k, 0, false, 0, 'queued',
             now() - interval '1 hour' + k * interval '1 second', now() - interval '1 minute',
             'Trakt answered 503', now(), now()
      FROM ${sql(`${schema}.group_members`)} m, generate_series(1, ${itemsPerMember}) k`
  })

const deliveryCounts = (schema: string) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) =>
      sql<{ total: number; distinct: number }>`
      SELECT count(*)::int AS total, count(DISTINCT title)::int AS distinct FROM ${sql(`${schema}.deliveries`)}`
  ).pipe(Effect.map((rows) => rows[0] ?? { total: 0, distinct: 0 }))

const queueLeft = (schema: string) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) => sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql(`${schema}.retry_queue_items`)}`
  ).pipe(Effect.map((rows) => rows[0]?.n ?? -1))

const server = databases().find((d) => d.name === "postgres server")

if (server !== undefined) {
  const schema = freshSchema()
  const env = FamilyScrobblePg.stores({ cipher }).pipe(
    Layer.provideMerge(PgStoreConfig.layer({ schema })),
    Layer.provideMerge(server.layer)
  )

  layer(env, { timeout: 180_000, excludeTestServices: true })("retry workers as processes", (it) => {
    it.effect(
      "a worker killed mid-batch loses nothing: after the lease another worker delivers every item",
      () =>
        Effect.gen(function* () {
          const crashSchema = `${schema}_crash`
          yield* Effect.provide(
            Effect.gen(function* () {
              yield* runMigrations(familyScrobbleMigrations({ schema: crashSchema }))
              yield* seed(crashSchema, 10, 2, 10)
            }),
            FamilyScrobblePg.stores({ cipher }).pipe(
              Layer.provide(PgStoreConfig.layer({ schema: crashSchema }))
            )
          )
          const options = { deliveryMs: 20, leaseMs: 3_000, batch: 50, lockLeaseMs: 3_000 }
          const doomed = startWorker(crashSchema, "doomed", options)
          // Kill it once it has delivered some of its batch and not all.
          yield* deliveryCounts(crashSchema).pipe(
            Effect.repeat({ schedule: Schedule.spaced("20 millis"), until: (c) => c.total >= 15 }),
            Effect.timeout("60 seconds")
          )
          doomed.kill("SIGKILL")
          yield* exited(doomed)
          const atKill = yield* deliveryCounts(crashSchema)
          expect(atKill.distinct).toBeLessThan(200)
          expect(yield* queueLeft(crashSchema)).toBeGreaterThan(0)

          const rescuer = startWorker(crashSchema, "rescuer", options)
          expect(yield* exited(rescuer)).toBe(0)
          const after = yield* deliveryCounts(crashSchema)
          // Every item delivered, none lost; duplicates are the killed worker's unfinished work.
          expect(after.distinct).toBe(200)
          expect(yield* queueLeft(crashSchema)).toBe(0)
          process.stdout.write(
            `crash test: ${atKill.total} delivered before SIGKILL, ${after.total} deliveries in all, ` +
              `${after.total - after.distinct} duplicate(s) of 200 items\n`
          )
          yield* dropSchema(crashSchema)
        })
    )

    it.effect(
      "four workers, 10,000 items across 200 groups: every item delivered, no group worked on by two at once",
      () =>
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          yield* runMigrations(familyScrobbleMigrations({ schema }))
          yield* seed(schema, 200, 5, 10)
          const options = { deliveryMs: 0, leaseMs: 60_000, batch: 100, lockLeaseMs: 30_000 }
          const workers = ["w1", "w2", "w3", "w4"].map((name) => startWorker(schema, name, options))
          const codes = yield* Effect.forEach(workers, exited, { concurrency: "unbounded" })
          expect(codes).toEqual([0, 0, 0, 0])

          const counts = yield* deliveryCounts(schema)
          expect(counts.distinct).toBe(10_000)
          expect(yield* queueLeft(schema)).toBe(0)
          // Overlap: two deliveries of one group by different workers whose times intersect.
          const [overlap] = yield* sql<{ n: number }>`
            WITH d AS (
              SELECT m.group_id, d.worker, d.started_at, d.ended_at
              FROM ${sql(`${schema}.deliveries`)} d
              JOIN ${sql(`${schema}.group_members`)} m ON d.token = 'tok-' || m.id
            )
            SELECT count(*)::int AS n FROM d a JOIN d b
              ON a.group_id = b.group_id AND a.worker < b.worker
             AND a.started_at < b.ended_at AND b.started_at < a.ended_at`
          expect(overlap?.n).toBe(0)
          const perWorker = yield* sql<{ worker: string; n: number }>`
            SELECT worker, count(*)::int AS n FROM ${sql(`${schema}.deliveries`)} GROUP BY worker ORDER BY worker`
          process.stdout.write(
            `concurrency test: ${counts.total} deliveries of ${counts.distinct} items, ` +
              `${counts.total - counts.distinct} duplicate(s); per worker ${perWorker.map((w) => `${w.worker}=${w.n}`).join(" ")}\n`
          )
          // Without failures nothing is delivered twice.
          expect(counts.total).toBe(counts.distinct)
          yield* dropSchema(schema)
        }),
      { timeout: 180_000 }
    )
  })
} else {
  describe("retry workers as processes", () => {
    // Several processes need a Postgres server (PGlite serves one process). CI always has one.
    it.skip("needs a Postgres server: start one on 127.0.0.1:5432 or set TEST_DATABASE_URL", () => {})
  })
}
