/**
 * A `RetryQueue` in a JavaScript Map, with leases like the durable one.
 */
import { DateTime, Effect, Layer } from "effect"
import type { GroupMemberId, RetryItemId } from "../Ids.js"
import { RetryItem } from "../RetryItem.js"
import { type Delivered, type QueueDepth, RetryQueue, type RetryQueueService } from "../RetryQueue.js"

export const makeRetryQueueInMemory = (): RetryQueueService => {
  const items = new Map<RetryItemId, RetryItem>()
  const leases = new Map<RetryItemId, number>()
  /** The latest action each (member, item) got: `member\u0000mediaKey`. */
  const deliveries = new Map<string, Delivered>()
  const pending = (item: RetryItem) => item.status !== "permanent_failure"
  const byEvent = (a: RetryItem, b: RetryItem) =>
    a.eventAt.epochMillis - b.eventAt.epochMillis || a.createdAt.epochMillis - b.createdAt.epochMillis
  const set = (id: RetryItemId, change: Partial<ConstructorParameters<typeof RetryItem>[0]>) => {
    const item = items.get(id)
    if (item !== undefined) items.set(id, new RetryItem({ ...item, ...change }))
    leases.delete(id)
  }
  const dropWhere = (predicate: (item: RetryItem) => boolean) => {
    let dropped = 0
    for (const [id, item] of items) {
      if (predicate(item)) {
        items.delete(id)
        leases.delete(id)
        dropped++
      }
    }
    return dropped
  }
  const supersedes =
    (memberId: string, mediaKey: string, eventAt: number, recordsPlay: boolean) => (item: RetryItem) =>
      pending(item) &&
      item.memberId === memberId &&
      item.mediaKey === mediaKey &&
      item.eventAt.epochMillis < eventAt &&
      (recordsPlay || !item.recordsPlay)

  return {
    enqueue: (item) =>
      Effect.sync(() => {
        dropWhere(supersedes(item.memberId, item.mediaKey, item.eventAt.epochMillis, item.recordsPlay))
        items.set(item.id, item)
      }),
    claimDue: (now, limit, leaseUntil) =>
      Effect.sync(() => {
        const due = [...items.values()]
          .filter(
            (item) =>
              pending(item) &&
              item.nextAttemptAt.epochMillis <= now.epochMillis &&
              (leases.get(item.id) ?? Number.NEGATIVE_INFINITY) <= now.epochMillis
          )
          .sort(byEvent)
          .slice(0, Math.max(0, limit))
        for (const item of due) leases.set(item.id, leaseUntil.epochMillis)
        return due
      }),
    complete: (id) =>
      Effect.sync(() => {
        items.delete(id)
        leases.delete(id)
      }),
    completeMany: (ids) =>
      Effect.sync(() => {
        for (const id of ids) {
          items.delete(id)
          leases.delete(id)
        }
      }),
    reschedule: (id, attempts, nextAttemptAt, lastError, at) =>
      Effect.sync(() => set(id, { attempts, nextAttemptAt, lastError, status: "retrying", updatedAt: at })),
    markPermanentFailure: (id, attempts, lastError, at) =>
      Effect.sync(() => set(id, { attempts, lastError, status: "permanent_failure", updatedAt: at })),
    failMany: (failures, at) =>
      Effect.sync(() => {
        for (const f of failures) {
          if (f.nextAttemptAt._tag === "Some") {
            set(f.id, {
              attempts: f.attempts,
              nextAttemptAt: f.nextAttemptAt.value,
              lastError: f.lastError,
              status: "retrying",
              updatedAt: at
            })
          } else {
            set(f.id, {
              attempts: f.attempts,
              lastError: f.lastError,
              status: "permanent_failure",
              updatedAt: at
            })
          }
        }
      }),
    extendLeases: (ids, leaseUntil) =>
      Effect.sync(() => {
        for (const id of ids) if (leases.has(id)) leases.set(id, leaseUntil.epochMillis)
      }),
    release: (id) => Effect.sync(() => void leases.delete(id)),
    dropSuperseded: (memberIds, mediaKey, eventAt, deliveredRecordsPlay) =>
      Effect.sync(() =>
        memberIds.reduce(
          (dropped, memberId) =>
            dropped +
            dropWhere(supersedes(memberId, mediaKey, DateTime.toEpochMillis(eventAt), deliveredRecordsPlay)),
          0
        )
      ),
    recordDelivered: (memberIds, mediaKey, delivered) =>
      Effect.sync(() => {
        for (const memberId of memberIds) {
          const key = `${memberId}\u0000${mediaKey}`
          const last = deliveries.get(key)
          if (last === undefined || last.eventAt.epochMillis <= delivered.eventAt.epochMillis)
            deliveries.set(key, delivered)
        }
      }),
    lastDelivered: (memberIds, mediaKey) =>
      Effect.sync(() => {
        const found = new Map<GroupMemberId, Delivered>()
        for (const memberId of memberIds) {
          const last = deliveries.get(`${memberId}\u0000${mediaKey}`)
          if (last !== undefined) found.set(memberId, last)
        }
        return found
      }),
    removeForMember: (memberId) =>
      Effect.sync(() => {
        for (const key of deliveries.keys()) if (key.startsWith(`${memberId}\u0000`)) deliveries.delete(key)
        return dropWhere((item) => item.memberId === memberId)
      }),
    removeForGroup: (groupId) => Effect.sync(() => dropWhere((item) => item.groupId === groupId)),
    depth: (groupId) =>
      Effect.sync(() => {
        const depth = { queued: 0, retrying: 0, permanentFailure: 0 }
        for (const item of items.values()) {
          if (item.groupId !== groupId) continue
          if (item.status === "queued") depth.queued++
          else if (item.status === "retrying") depth.retrying++
          else depth.permanentFailure++
        }
        return depth satisfies QueueDepth
      }),
    list: (groupId) =>
      Effect.sync(() => [...items.values()].filter((item) => item.groupId === groupId).sort(byEvent))
  }
}

/** A fresh, empty in-memory retry queue. */
export const RetryQueueInMemory: Layer.Layer<RetryQueue> = Layer.sync(RetryQueue, makeRetryQueueInMemory)
