/**
 * The `WebhookInbox` port on Postgres: each answered webhook a row of
 * `webhook_inbox` until its broadcast is done. Recording is one `INSERT`, the
 * one round trip between a webhook's arrival and its answer. Stale entries are
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
import { DateTime, Effect, Layer } from "effect"
import { PgStoreConfig } from "./PgStoreConfig.js"

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

export const makePgWebhookInbox = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const { schema } = yield* PgStoreConfig
  const inbox = sql(`${schema}.webhook_inbox`)

  const service: WebhookInboxService = {
    record: (entry, leaseUntil) =>
      sql`INSERT INTO ${inbox} ${sql.insert({
        id: entry.id,
        group_id: entry.groupId,
        event: JSON.stringify(entry.event),
        received_at: DateTime.toDate(entry.receivedAt),
        lease_until: DateTime.toDate(leaseUntil)
      })}`.pipe(
        Effect.as(true),
        Effect.catchTag("SqlError", (error) =>
          isMissingGroup(error) ? Effect.succeed(false) : Effect.die(error)
        )
      ),

    complete: (id) => sql`DELETE FROM ${inbox} WHERE id = ${id}`.pipe(Effect.asVoid, Effect.orDie),

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
  layer: Layer.effect(WebhookInbox, makePgWebhookInbox)
}
