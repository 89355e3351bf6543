/**
 * The `WebhookInbox` port on Postgres: each answered webhook a row of
 * `webhook_inbox` until its broadcast is done. Recording is the one round trip
 * between a webhook's arrival and its answer, so concurrent recordings share
 * it: they are queued and written by one multi-row `INSERT` (one commit) per
 * turn, as graphile-worker batches its jobs. Each caller is answered when the
 * statement holding its row has committed. Stale entries are
 * claimed with `FOR UPDATE SKIP LOCKED` and a new lease in the same statement,
 * so two recovering processes never take the same entry.
 */
import { SqlClient } from "@effect/sql"
import {
  type EventId,
  type FamilyGroupId,
  InboxEntry,
  type PlexPlaybackEvent,
  WebhookInbox,
  type WebhookInboxService
} from "@org/family-scrobble"
import { Cause, Chunk, DateTime, Deferred, Effect, Layer, Queue } from "effect"
import { PgStoreConfig } from "../PgStoreConfig.js"

interface InboxRow {
  readonly id: string
  readonly group_id: string
  readonly event: unknown
  readonly received_at: Date
  readonly position: string
}

const toEntry = (row: InboxRow) =>
  new InboxEntry(
    {
      id: row.id as EventId,
      groupId: row.group_id as FamilyGroupId,
      event: (typeof row.event === "string" ? JSON.parse(row.event) : row.event) as PlexPlaybackEvent,
      receivedAt: DateTime.unsafeMake(row.received_at)
    },
    // Rows were written by `record` from a validated entry.
    { disableValidation: true }
  )

/** A foreign-key violation: the group was deleted before the insert. */
const isMissingGroup = (error: { readonly cause?: unknown }): boolean =>
  (error.cause as { code?: unknown } | undefined)?.code === "23503"

interface PendingRecord {
  readonly entry: InboxEntry
  readonly leaseUntil: DateTime.Utc
  readonly done: Deferred.Deferred<boolean>
}

/** Rows per statement, at most. */
const maxBatch = 500
/** Statements in flight at once (each holds a pool connection). */
const writers = 2

export const makePgWebhookInbox = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const { schema } = yield* PgStoreConfig
  const inbox = sql(`${schema}.webhook_inbox`)

  const row = (pending: PendingRecord) => ({
    id: pending.entry.id,
    group_id: pending.entry.groupId,
    event: JSON.stringify(pending.entry.event),
    received_at: DateTime.toDate(pending.entry.receivedAt),
    lease_until: DateTime.toDate(pending.leaseUntil)
  })

  /** One row alone: `false` when its group no longer exists. */
  const insertOne = (pending: PendingRecord) =>
    sql`INSERT INTO ${inbox} ${sql.insert(row(pending))}`.pipe(
      Effect.as(true),
      Effect.catchTag("SqlError", (error) =>
        isMissingGroup(error) ? Effect.succeed(false) : Effect.die(error)
      )
    )

  /**
   * A batch in one statement. A missing group fails the whole statement: then
   * each row is written alone, so only the rows of deleted groups are refused.
   */
  const writeBatch = (batch: ReadonlyArray<PendingRecord>) =>
    sql`INSERT INTO ${inbox} ${sql.insert(batch.map(row))}`.pipe(
      Effect.matchCauseEffect({
        onSuccess: () => Effect.forEach(batch, (p) => Deferred.succeed(p.done, true), { discard: true }),
        onFailure: (cause) => {
          const error = Cause.failureOption(cause)
          return error._tag === "Some" && isMissingGroup(error.value)
            ? Effect.forEach(batch, (p) => Deferred.complete(p.done, insertOne(p)), { discard: true })
            : Effect.forEach(batch, (p) => Deferred.die(p.done, Cause.squash(cause)), { discard: true })
        }
      })
    )

  const queue = yield* Queue.unbounded<PendingRecord>()
  const writer = Queue.takeBetween(queue, 1, maxBatch).pipe(
    Effect.flatMap((batch) => writeBatch(Chunk.toReadonlyArray(batch))),
    Effect.forever
  )
  yield* Effect.forkScoped(
    Effect.all(
      Array.from({ length: writers }, () => writer),
      { concurrency: "unbounded" }
    )
  )
  // Closing: what is still queued is written before the pool goes.
  yield* Effect.addFinalizer(() =>
    Queue.takeAll(queue).pipe(
      Effect.flatMap((rest) => (Chunk.isEmpty(rest) ? Effect.void : writeBatch(Chunk.toReadonlyArray(rest))))
    )
  )

  const service: WebhookInboxService = {
    record: (entry, leaseUntil) =>
      Effect.gen(function* () {
        const done = yield* Deferred.make<boolean>()
        yield* Queue.offer(queue, { entry, leaseUntil, done })
        return yield* Deferred.await(done)
      }),

    complete: (id) => sql`DELETE FROM ${inbox} WHERE id = ${id}`.pipe(Effect.asVoid, Effect.orDie),

    extendLeases: (ids, leaseUntil) =>
      ids.length === 0
        ? Effect.void
        : sql`UPDATE ${inbox} SET lease_until = ${DateTime.toDate(leaseUntil)} WHERE id = ANY(${[...ids]}::text[])`.pipe(
            Effect.asVoid,
            Effect.orDie
          ),

    claimStale: (now, limit, leaseUntil) =>
      limit <= 0
        ? Effect.succeed([])
        : sql<InboxRow>`
            UPDATE ${inbox} SET lease_until = ${DateTime.toDate(leaseUntil)}
            WHERE id IN (
              SELECT id FROM ${inbox} WHERE lease_until < ${DateTime.toDate(now)}
              ORDER BY received_at, position
              LIMIT ${limit}
              FOR UPDATE SKIP LOCKED
            )
            RETURNING id, group_id, event, received_at, position`.pipe(
            Effect.map((rows) =>
              [...rows]
                .sort(
                  (a, b) =>
                    a.received_at.getTime() - b.received_at.getTime() ||
                    Number((a as { position?: unknown }).position) -
                      Number((b as { position?: unknown }).position)
                )
                .map(toEntry)
            ),
            Effect.orDie
          ),

    size: () =>
      sql<{ count: number }>`SELECT count(*)::int AS count FROM ${inbox}`.pipe(
        Effect.map(([row]) => row?.count ?? 0),
        Effect.orDie
      )
  }
  return service
})

export const PgWebhookInbox = {
  /** `WebhookInbox` over the `SqlClient`, in the schema of `PgStoreConfig`. */
  layer: Layer.scoped(WebhookInbox, makePgWebhookInbox)
}
