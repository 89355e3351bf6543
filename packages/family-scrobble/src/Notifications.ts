/**
 * Port: where notices for a group's admin are kept.
 */

import { randomUuid, type SecureRandom } from "@org/core"
import { Context, DateTime, Effect, Equivalence, Option } from "effect"
import { type FamilyGroupId, type GroupMemberId, NotificationId } from "./Ids.js"
import { Notification, type NotificationKind } from "./Notification.js"

export interface NotificationsService {
  readonly add: (notification: Notification) => Effect.Effect<void>
  /** Newest first; dismissed ones only when asked. */
  readonly list: (
    groupId: FamilyGroupId,
    options?: { readonly includeDismissed?: boolean }
  ) => Effect.Effect<ReadonlyArray<Notification>>
  /** Returns false when the group has no such notification. Dismissing twice is harmless. */
  readonly dismiss: (groupId: FamilyGroupId, id: NotificationId, at: DateTime.Utc) => Effect.Effect<boolean>
  readonly removeForGroup: (groupId: FamilyGroupId) => Effect.Effect<void>
}

export class Notifications extends Context.Tag("@org/family-scrobble/Notifications")<
  Notifications,
  NotificationsService
>() {}

/**
 * Raise a notification. With `once`, nothing is added while an undismissed
 * notification of the same kind for the same member exists: a member whose
 * account is locked is reported once, not on every webhook.
 */
export const raiseNotification = (fields: {
  readonly groupId: FamilyGroupId
  readonly memberId?: GroupMemberId | undefined
  readonly kind: NotificationKind
  readonly message: string
  readonly once?: boolean
}): Effect.Effect<void, never, Notifications | SecureRandom> =>
  Effect.gen(function* () {
    const notifications = yield* Notifications
    if (fields.once === true) {
      const open = yield* notifications.list(fields.groupId)
      const memberId = Option.fromNullable(fields.memberId)
      if (
        open.some(
          (n) => n.kind === fields.kind && Option.getEquivalence(Equivalence.string)(n.memberId, memberId)
        )
      ) {
        return
      }
    }
    const id = NotificationId.make(yield* randomUuid)
    const createdAt = yield* DateTime.now
    yield* notifications.add(
      new Notification({
        id,
        groupId: fields.groupId,
        memberId: Option.fromNullable(fields.memberId),
        kind: fields.kind,
        message: fields.message,
        createdAt,
        dismissedAt: Option.none()
      })
    )
  })
