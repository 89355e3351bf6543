/**
 * The `Notifications` port on Postgres.
 *
 * Newest first is `created_at` descending, then the order of insertion (the
 * `position` sequence) for notices raised in the same millisecond, as the
 * in-memory store lists the last added first. Adding a notification whose id is
 * stored already replaces it in place, as the in-memory store does.
 *
 * `raiseNotification({ once: true })` reads `list` and then adds: the check sees
 * every committed notice, dismissed ones excluded, with its member id as stored.
 * Concurrent raisers are kept apart by the domain's locks, not by this store.
 */
import { SqlClient } from "@effect/sql"
import {
  type FamilyGroupId,
  type GroupMemberId,
  Notification,
  type NotificationId,
  type NotificationKind,
  Notifications,
  type NotificationsService
} from "@org/family-scrobble"
import { DateTime, Effect, Layer, Option } from "effect"
import { PgStoreConfig } from "../PgStoreConfig.js"

interface NotificationRow {
  readonly id: string
  readonly group_id: string
  readonly member_id: string | null
  readonly kind: NotificationKind
  readonly message: string
  readonly created_at: Date
  readonly dismissed_at: Date | null
}

const toNotification = (row: NotificationRow) =>
  new Notification({
    id: row.id as NotificationId,
    groupId: row.group_id as FamilyGroupId,
    memberId: Option.fromNullable(row.member_id as GroupMemberId | null),
    kind: row.kind,
    message: row.message,
    createdAt: DateTime.unsafeMake(row.created_at),
    dismissedAt: Option.map(Option.fromNullable(row.dismissed_at), (at) => DateTime.unsafeMake(at))
  })

const toDate = (value: DateTime.DateTime) => DateTime.toDate(value)

export const makePgNotifications = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const { schema } = yield* PgStoreConfig
  const notifications = sql(`${schema}.notifications`)

  const service: NotificationsService = {
    add: (notification) => {
      const row = {
        id: notification.id,
        group_id: notification.groupId,
        member_id: Option.getOrNull(notification.memberId),
        kind: notification.kind,
        message: notification.message,
        created_at: toDate(notification.createdAt),
        dismissed_at: Option.getOrNull(Option.map(notification.dismissedAt, toDate))
      }
      const { id: _, ...fields } = row
      return sql`
        INSERT INTO ${notifications} ${sql.insert(row)}
        ON CONFLICT (id) DO UPDATE SET ${sql.update(fields)}`.pipe(Effect.asVoid, Effect.orDie)
    },
    list: (groupId, options) =>
      sql<NotificationRow>`
        SELECT id, group_id, member_id, kind, message, created_at, dismissed_at
        FROM ${notifications}
        WHERE group_id = ${groupId}
          ${options?.includeDismissed === true ? sql`` : sql`AND dismissed_at IS NULL`}
        ORDER BY created_at DESC, position DESC`.pipe(
        Effect.map((rows) => rows.map(toNotification)),
        Effect.orDie
      ),
    dismiss: (groupId, id, at) =>
      // The first dismissal's time stays; a second one still finds the notification.
      sql`
        UPDATE ${notifications} SET dismissed_at = coalesce(dismissed_at, ${toDate(at)})
        WHERE id = ${id} AND group_id = ${groupId}
        RETURNING id`.pipe(
        Effect.map((rows) => rows.length > 0),
        Effect.orDie
      ),
    removeForGroup: (groupId) =>
      sql`DELETE FROM ${notifications} WHERE group_id = ${groupId}`.pipe(Effect.asVoid, Effect.orDie)
  }
  return service
})

export const PgNotifications = {
  /** `Notifications` over the `SqlClient`, in the schema of `PgStoreConfig`. */
  layer: Layer.effect(Notifications, makePgNotifications)
}
