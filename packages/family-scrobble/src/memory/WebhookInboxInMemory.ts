/**
 * `WebhookInbox` in a JavaScript Map: durable only as long as the process.
 */
import { Effect, Layer } from "effect"
import type { EventId } from "../Ids.js"
import { type InboxEntry, WebhookInbox, type WebhookInboxService } from "../WebhookInbox.js"

interface Slot {
  readonly entry: InboxEntry
  leaseUntil: number
  readonly order: number
}

export const makeWebhookInboxInMemory = (): WebhookInboxService => {
  const slots = new Map<EventId, Slot>()
  let order = 0
  return {
    record: (entry, leaseUntil) =>
      Effect.sync(() => {
        slots.set(entry.id, { entry, leaseUntil: leaseUntil.epochMillis, order: order++ })
        return true
      }),
    complete: (id) => Effect.sync(() => void slots.delete(id)),
    claimStale: (now, limit, leaseUntil) =>
      Effect.sync(() => {
        const stale = [...slots.values()]
          .filter((slot) => slot.leaseUntil < now.epochMillis)
          .sort(
            (a, b) => a.entry.receivedAt.epochMillis - b.entry.receivedAt.epochMillis || a.order - b.order
          )
          .slice(0, limit)
        for (const slot of stale) slot.leaseUntil = leaseUntil.epochMillis
        return stale.map((slot) => slot.entry)
      }),
    extendLeases: (ids, leaseUntil) =>
      Effect.sync(() => {
        for (const id of ids) {
          const slot = slots.get(id)
          if (slot !== undefined) slot.leaseUntil = leaseUntil.epochMillis
        }
      }),
    size: () => Effect.sync(() => slots.size)
  }
}

export const WebhookInboxInMemory: Layer.Layer<WebhookInbox> = Layer.sync(
  WebhookInbox,
  makeWebhookInboxInMemory
)
