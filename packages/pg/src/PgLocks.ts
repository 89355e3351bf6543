/**
 * The `Locks` port across processes: a row per held lock with a lease.
 *
 * Why rows and not advisory locks: a session advisory lock pins a pooled
 * connection for as long as it is held (and for as long as a waiter waits), so
 * a few busy groups can take every connection while their holders need one to
 * finish — a deadlock. A lease row pins nothing: it is taken with one
 * `INSERT … ON CONFLICT … WHERE locked_until < now()`, kept alive while held,
 * and deleted on release. A process that dies leaves a row that expires with
 * its lease. Time is the database's (`now()`), so process clocks never disagree.
 * (Embedded PGlite needs this too: its advisory locks do not exclude anything.)
 *
 * Within a process, waiters queue on an in-process lock first, so only one of
 * them polls the database for a key.
 */
import { randomUUID } from "node:crypto"
import { SqlClient } from "@effect/sql"
import { Locks, type LocksService, makeLocalLocks } from "@org/core"
import { Duration, Effect, Fiber, Layer, Schedule } from "effect"
import { PgStoreConfig } from "./PgStoreConfig.js"

export interface PgLocksOptions {
  /** How long a held lock survives its holder's silence (a crash). Default 30 s. */
  readonly lease?: Duration.DurationInput
  /** Longest wait between two tries to take a busy lock. Default 200 ms. */
  readonly maxPollInterval?: Duration.DurationInput
}

export const makePgLocks = (options: PgLocksOptions = {}) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const { schema } = yield* PgStoreConfig
    const table = sql(`${schema}.locks`)
    const lease = Duration.decode(options.lease ?? Duration.seconds(30))
    const leaseMs = Duration.toMillis(lease)
    const maxPoll = Duration.decode(options.maxPollInterval ?? Duration.millis(200))
    const local = makeLocalLocks()

    const tryTake = (key: string, owner: string) =>
      sql`
        INSERT INTO ${table} (key, owner, locked_until)
        VALUES (${key}, ${owner}, now() + ${leaseMs} * interval '1 millisecond')
        ON CONFLICT (key) DO UPDATE SET owner = EXCLUDED.owner, locked_until = EXCLUDED.locked_until
        WHERE ${table}.locked_until < now()
        RETURNING owner`.pipe(Effect.map((rows) => rows.length > 0))

    const take = (key: string, owner: string) =>
      tryTake(key, owner).pipe(
        Effect.repeat({
          until: (taken) => taken,
          schedule: Schedule.exponential(Duration.millis(10), 1.5).pipe(
            Schedule.map((delay) => Duration.min(delay, maxPoll))
          )
        })
      )

    const keepAlive = (key: string, owner: string) =>
      sql`
        UPDATE ${table} SET locked_until = now() + ${leaseMs} * interval '1 millisecond'
        WHERE key = ${key} AND owner = ${owner}`.pipe(
        Effect.ignore,
        Effect.repeat(Schedule.spaced(Duration.millis(Math.max(10, leaseMs / 3)))),
        Effect.delay(Duration.millis(Math.max(10, leaseMs / 3)))
      )

    const release = (key: string, owner: string) =>
      sql`DELETE FROM ${table} WHERE key = ${key} AND owner = ${owner}`.pipe(Effect.ignore)

    const service: LocksService = {
      withLock:
        (key) =>
        <A, E, R>(effect: Effect.Effect<A, E, R>) =>
          local.withLock(key)(
            Effect.acquireUseRelease(
              Effect.sync(() => randomUUID()).pipe(
                // Waiting is interruptible; a row taken just before an interruption expires with its lease.
                Effect.tap((owner) => Effect.interruptible(take(key, owner)).pipe(Effect.orDie))
              ),
              (owner) =>
                Effect.acquireUseRelease(
                  // Forked in the uninterruptible acquire: made interruptible, or it could never be stopped.
                  Effect.forkDaemon(Effect.interruptible(keepAlive(key, owner))),
                  () => effect,
                  (heartbeat) => Fiber.interrupt(heartbeat)
                ),
              (owner) => release(key, owner)
            )
          )
    }
    return service
  })

/**
 * The migration step that creates the lock table (`<schema>.locks`): a domain
 * that uses `PgLocks` puts it in its own migrations.
 */
export const createLocksTable = (schema: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`
      CREATE TABLE ${sql(`${schema}.locks`)} (
        key text PRIMARY KEY,
        owner uuid NOT NULL,
        locked_until timestamptz NOT NULL
      )`
  })

export const PgLocks = {
  layer: (options: PgLocksOptions = {}): Layer.Layer<Locks, never, SqlClient.SqlClient | PgStoreConfig> =>
    Layer.effect(Locks, makePgLocks(options))
}
