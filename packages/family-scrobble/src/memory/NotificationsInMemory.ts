/**
 * `Notifications` in a JavaScript Map.
 */
import { Effect, Layer, Option } from "effect"
import type { NotificationId } from "../Ids.js"
import { Notification } from "../Notification.js"
import { Notifications, type NotificationsService } from "../Notifications.js"

export const makeNotificationsInMemory = (): NotificationsService => {
  const notifications = new Map<NotificationId, Notification>()
  return {
    add: (notification) => Effect.sync(() => void notifications.set(notification.id, notification)),
    list: (groupId, options) =>
      Effect.sync(() =>
        [...notifications.values()]
          .filter(
            (n) =>
              n.groupId === groupId && (options?.includeDismissed === true || Option.isNone(n.dismissedAt))
          )
          .reverse()
      ),
    dismiss: (groupId, id, at) =>
      Effect.sync(() => {
        const notification = notifications.get(id)
        if (notification === undefined || notification.groupId !== groupId) return false
        if (Option.isNone(notification.dismissedAt)) {
          notifications.set(id, new Notification({ ...notification, dismissedAt: Option.some(at) }))
        }
        return true
      }),
    removeForGroup: (groupId) =>
      Effect.sync(() => {
        for (const [id, n] of notifications) if (n.groupId === groupId) notifications.delete(id)
      })
  }
}

export const NotificationsInMemory: Layer.Layer<Notifications> = Layer.sync(
  Notifications,
  makeNotificationsInMemory
)
