/**
 * The durable retry queue: the `RetryQueue` port on Postgres.
 *
 * Workers claim due items in batches with `FOR UPDATE SKIP LOCKED` and a lease
 * (`locked_until`): concurrent workers never claim the same item, and the items
 * of a worker that died come back once its lease has passed. Delivery is
 * therefore at least once: an item whose worker delivered it and died before
 * completing it is delivered again after the lease. Trakt makes that harmless —
 * a repeated finish inside its window answers 409, which the domain counts as
 * delivered, and a repeated start or pause only restates the playback state.
 *
 * Enqueueing drops, in the same statement, the pending items the new one
 * supersedes, so a stale `start` is never replayed after a newer action.
 */
import { SqlClient } from "@effect/sql"
import {
  EventId,
  type FamilyGroupId,
  GroupMemberId,
  MediaRef,
  type QueueDepth,
  RetryItem,
  type RetryItemId,
  RetryQueue,
  type RetryQueueService,
  type RetryStatus,
  type ScrobbleAction,
  toProgress
} from "@org/family-scrobble"
import { DateTime, Effect, Layer, Schema } from "effect"
import { PgStoreConfig } from "../PgStoreConfig.js"

interface ItemRow {
  readonly id: string
  readonly group_id: string
  readonly member_id: string
  readonly event_id: string
  readonly action: ScrobbleAction
  readonly media: unknown
  readonly media_key: string
  readonly progress: number
  readonly attempts: number
  readonly status: RetryStatus
  readonly event_at: Date
  readonly next_attempt_at: Date
  readonly last_error: string
  readonly created_at: Date
  readonly updated_at: Date
}

const encodeMedia = Schema.encodeSync(MediaRef)
const decodeMedia = Schema.decodeUnknownSync(MediaRef)

/**
 * A row as an item. The media is decoded (it is JSON); the rest was written by this
 * queue under the table's constraints, so the item is built without validating it
 * again: validation cost ~100 µs an item, most of a claim's time.
 */
const toItem = (row: ItemRow) =>
  new RetryItem(
    {
      id: row.id as RetryItemId,
      groupId: row.group_id as FamilyGroupId,
      memberId: row.member_id as GroupMemberId,
      eventId: EventId.make(row.event_id),
      action: row.action,
      media: decodeMedia(typeof row.media === "string" ? JSON.parse(row.media) : row.media),
      mediaKey: row.media_key,
      progress: toProgress(Number(row.progress)),
      attempts: row.attempts,
      status: row.status,
      eventAt: DateTime.unsafeMake(row.event_at),
      nextAttemptAt: DateTime.unsafeMake(row.next_attempt_at),
      lastError: row.last_error,
      createdAt: DateTime.unsafeMake(row.created_at),
      updatedAt: DateTime.unsafeMake(row.updated_at)
    },
    true
  )

const byEvent = (a: RetryItem, b: RetryItem) =>
  a.eventAt.epochMillis - b.eventAt.epochMillis || a.createdAt.epochMillis - b.createdAt.epochMillis

const toDate = (value: DateTime.DateTime) => DateTime.toDate(value)

export const makePgRetryQueue = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const { schema } = yield* PgStoreConfig
  const items = sql(`${schema}.retry_queue_items`)
  const deliveries = sql(`${schema}.member_deliveries`)
  const columns = sql`id, group_id, member_id, event_id, action, media, media_key, progress, attempts, status,
    event_at, next_attempt_at, last_error, created_at, updated_at`

  /** Pending items of the pair older than `eventAt`; plays only when the newer one records a play. */
  const supersededBy = (
    memberIds: ReadonlyArray<string>,
    mediaKey: string,
    eventAt: Date,
    recordsPlay: boolean
  ) =>
    sql`member_id = ANY(${[...memberIds]}::uuid[]) AND media_key = ${mediaKey} AND event_at < ${eventAt}
      AND status <> 'permanent_failure' AND (${recordsPlay} OR NOT records_play)`

  const service: RetryQueueService = {
    enqueue: (item) =>
      sql`
        WITH superseded AS (
          DELETE FROM ${items}
          WHERE ${supersededBy([item.memberId], item.mediaKey, toDate(item.eventAt), item.recordsPlay)}
        )
        INSERT INTO ${items} ${sql.insert({
          id: item.id,
          group_id: item.groupId,
          member_id: item.memberId,
          event_id: item.eventId,
          action: item.action,
          media: JSON.stringify(encodeMedia(item.media)),
          media_key: item.mediaKey,
          progress: item.progress,
          records_play: item.recordsPlay,
          attempts: item.attempts,
          status: item.status,
          event_at: toDate(item.eventAt),
          next_attempt_at: toDate(item.nextAttemptAt),
          last_error: item.lastError,
          created_at: toDate(item.createdAt),
          updated_at: toDate(item.updatedAt)
        })}`.pipe(Effect.asVoid, Effect.orDie),

    claimDue: (now, limit, leaseUntil) =>
      limit <= 0
        ? Effect.succeed([])
        : sql<ItemRow>`
            UPDATE ${items} SET locked_until = ${toDate(leaseUntil)}
            WHERE id IN (
              SELECT id FROM ${items}
              WHERE status <> 'permanent_failure' AND next_attempt_at <= ${toDate(now)}
                AND (locked_until IS NULL OR locked_until <= ${toDate(now)})
              ORDER BY event_at, created_at
              LIMIT ${limit}
              FOR UPDATE SKIP LOCKED
            )
            RETURNING ${columns}`.pipe(
            Effect.map((rows) => rows.map(toItem).sort(byEvent)),
            Effect.orDie
          ),

    complete: (id) => sql`DELETE FROM ${items} WHERE id = ${id}`.pipe(Effect.asVoid, Effect.orDie),

    completeMany: (ids) =>
      ids.length === 0
        ? Effect.void
        : sql`DELETE FROM ${items} WHERE id = ANY(${[...ids]}::uuid[])`.pipe(Effect.asVoid, Effect.orDie),

    reschedule: (id, attempts, nextAttemptAt, lastError, at) =>
      sql`
        UPDATE ${items} SET ${sql.update({
          attempts,
          next_attempt_at: toDate(nextAttemptAt),
          last_error: lastError,
          status: "retrying",
          updated_at: toDate(at),
          locked_until: null
        })}
        WHERE id = ${id}`.pipe(Effect.asVoid, Effect.orDie),

    markPermanentFailure: (id, attempts, lastError, at) =>
      sql`
        UPDATE ${items} SET ${sql.update({
          attempts,
          last_error: lastError,
          status: "permanent_failure",
          updated_at: toDate(at),
          locked_until: null
        })}
        WHERE id = ${id}`.pipe(Effect.asVoid, Effect.orDie),

    failMany: (failures, at) =>
      failures.length === 0
        ? Effect.void
        : sql`
            UPDATE ${items} AS q SET
              attempts = f.attempts,
              last_error = f.last_error,
              status = CASE WHEN f.next_attempt_at IS NULL THEN 'permanent_failure' ELSE 'retrying' END,
              next_attempt_at = COALESCE(f.next_attempt_at, q.next_attempt_at),
              updated_at = ${toDate(at)},
              locked_until = NULL
            FROM jsonb_to_recordset(${JSON.stringify(
              failures.map((f) => ({
                id: f.id,
                attempts: f.attempts,
                last_error: f.lastError,
                next_attempt_at:
                  f.nextAttemptAt._tag === "Some" ? toDate(f.nextAttemptAt.value).toISOString() : null
              }))
            )}::jsonb) AS f(id uuid, attempts int, last_error text, next_attempt_at timestamptz)
            WHERE q.id = f.id`.pipe(Effect.asVoid, Effect.orDie),

    extendLeases: (ids, leaseUntil) =>
      ids.length === 0
        ? Effect.void
        : sql`
            UPDATE ${items} SET locked_until = ${toDate(leaseUntil)}
            WHERE id = ANY(${[...ids]}::uuid[]) AND locked_until IS NOT NULL`.pipe(
            Effect.asVoid,
            Effect.orDie
          ),

    release: (id) =>
      sql`UPDATE ${items} SET locked_until = NULL WHERE id = ${id}`.pipe(Effect.asVoid, Effect.orDie),

    dropSuperseded: (memberIds, mediaKey, eventAt, deliveredRecordsPlay) =>
      memberIds.length === 0
        ? Effect.succeed(0)
        : sql`
        DELETE FROM ${items} WHERE ${supersededBy(memberIds, mediaKey, toDate(eventAt), deliveredRecordsPlay)}
        RETURNING id`.pipe(
            Effect.map((rows) => rows.length),
            Effect.orDie
          ),

    recordDelivered: (memberIds, mediaKey, delivered) =>
      memberIds.length === 0
        ? Effect.void
        : sql`
            INSERT INTO ${deliveries} (member_id, media_key, event_id, event_at)
            SELECT m, ${mediaKey}, ${delivered.eventId}, ${toDate(delivered.eventAt)}
            FROM unnest(${[...memberIds]}::uuid[]) AS m
            -- A member removed meanwhile has no row to point at: skip it, not fail.
            WHERE EXISTS (SELECT 1 FROM ${sql(`${schema}.group_members`)} g WHERE g.id = m)
            ON CONFLICT (member_id, media_key) DO UPDATE
              SET event_id = EXCLUDED.event_id, event_at = EXCLUDED.event_at
              WHERE ${deliveries}.event_at <= EXCLUDED.event_at`.pipe(Effect.asVoid, Effect.orDie),

    lastDelivered: (memberIds, mediaKey) =>
      memberIds.length === 0
        ? Effect.succeed(new Map())
        : sql<{ member_id: string; event_id: string; event_at: Date }>`
            SELECT member_id, event_id, event_at FROM ${deliveries}
            WHERE member_id = ANY(${[...memberIds]}::uuid[]) AND media_key = ${mediaKey}`.pipe(
            Effect.map(
              (rows) =>
                new Map(
                  rows.map((row) => [
                    GroupMemberId.make(row.member_id),
                    { eventId: EventId.make(row.event_id), eventAt: DateTime.unsafeMake(row.event_at) }
                  ])
                )
            ),
            Effect.orDie
          ),

    removeForMember: (memberId) =>
      sql`
        WITH forgotten AS (DELETE FROM ${deliveries} WHERE member_id = ${memberId})
        DELETE FROM ${items} WHERE member_id = ${memberId} RETURNING id`.pipe(
        Effect.map((rows) => rows.length),
        Effect.orDie
      ),

    removeForGroup: (groupId) =>
      sql`DELETE FROM ${items} WHERE group_id = ${groupId} RETURNING id`.pipe(
        Effect.map((rows) => rows.length),
        Effect.orDie
      ),

    depth: (groupId) =>
      sql<{ status: RetryStatus; n: string }>`
        SELECT status, count(*) AS n FROM ${items} WHERE group_id = ${groupId} GROUP BY status`.pipe(
        Effect.map((rows) => {
          const count = (status: RetryStatus) => Number(rows.find((r) => r.status === status)?.n ?? 0)
          const depth: QueueDepth = {
            queued: count("queued"),
            retrying: count("retrying"),
            permanentFailure: count("permanent_failure")
          }
          return depth
        }),
        Effect.orDie
      ),

    list: (groupId) =>
      sql<ItemRow>`
        SELECT ${columns} FROM ${items} WHERE group_id = ${groupId}
        ORDER BY event_at, created_at`.pipe(
        Effect.map((rows) => rows.map(toItem)),
        Effect.orDie
      )
  }
  return service
})

export const PgRetryQueue = {
  layer: Layer.effect(RetryQueue, makePgRetryQueue)
}
