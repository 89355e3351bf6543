/**
 * Working the retry queue: claim what is due, deliver it again under the group
 * lock, and reschedule, complete or give up.
 */
import { DateTime, Duration, Effect, Option } from "effect"
import { deliverScrobble, notifyPermanentFailure } from "./Broadcast.js"
import { FamilyScrobbleConfig } from "./Config.js"
import type { GroupMember } from "./GroupMember.js"
import { GroupStore } from "./GroupStore.js"
import { whileLeased } from "./Leases.js"
import { withGroupLock } from "./Locks.js"
import { mediaTitle } from "./MediaRef.js"
import { raiseNotification } from "./Notifications.js"
import type { RetryItem } from "./RetryItem.js"
import { nextRetryAt } from "./RetryPolicy.js"
import { isStaleFor, RetryQueue } from "./RetryQueue.js"

/** What one pass over the queue did. */
export interface RetryRunReport {
  readonly claimed: number
  readonly delivered: number
  readonly rescheduled: number
  readonly permanentlyFailed: number
  readonly dropped: number
}

type ItemResult = "delivered" | "rescheduled" | "permanentlyFailed" | "dropped"

const retryItem = (item: RetryItem) =>
  Effect.gen(function* () {
    const queue = yield* RetryQueue
    const store = yield* GroupStore
    const attempts = item.attempts + 1

    const member = yield* store.findMember(item.memberId)
    if (Option.isNone(member)) {
      yield* queue.complete(item.id)
      yield* Effect.logInfo("retry dropped: the member was removed")
      return "dropped" satisfies ItemResult
    }
    return yield* retryFoundItem(item, member.value, attempts).pipe(
      Effect.annotateLogs({ member_username: member.value.displayName })
    )
  }).pipe(
    Effect.annotateLogs({
      event_id: item.eventId,
      media_title: mediaTitle(item.media),
      member_id: item.memberId,
      retry_item_id: item.id
    })
  )

const retryFoundItem = (item: RetryItem, found: GroupMember, attempts: number) =>
  Effect.gen(function* () {
    const queue = yield* RetryQueue
    const settings = yield* FamilyScrobbleConfig
    const title = mediaTitle(item.media)
    const giveUp = (error: string, notify: boolean) =>
      Effect.gen(function* () {
        const now = yield* DateTime.now
        yield* queue.markPermanentFailure(item.id, attempts, error, now)
        if (notify) yield* notifyPermanentFailure(found, title, error)
        yield* Effect.logError("scrobble permanently failed").pipe(Effect.annotateLogs({ error, attempts }))
        return "permanentlyFailed" satisfies ItemResult
      })
    if (!found.isAuthorized) return yield* giveUp(`the member is ${found.status}`, false)
    // The member got this event or a later action for the item since it was queued
    // (another process, or a broadcast after a crash): sending it now would go back in time.
    const last = yield* queue.lastDelivered([item.memberId], item.mediaKey)
    if (isStaleFor(last.get(item.memberId), item, item.recordsPlay)) {
      yield* queue.complete(item.id)
      yield* Effect.logInfo("retry dropped: the member already got this or a later action")
      return "dropped" satisfies ItemResult
    }

    const result = yield* deliverScrobble(found, item)
    switch (result._tag) {
      case "Delivered":
        yield* queue.complete(item.id)
        yield* queue.dropSuperseded([item.memberId], item.mediaKey, item.eventAt, item.recordsPlay)
        yield* queue.recordDelivered([item.memberId], item.mediaKey, item)
        yield* Effect.logInfo("retry delivered").pipe(
          Effect.annotateLogs({ attempts, trakt_action: result.traktAction })
        )
        return "delivered" satisfies ItemResult
      case "Retryable": {
        const now = yield* DateTime.now
        const next = nextRetryAt(now, attempts, result.notBefore, settings)
        if (Option.isNone(next)) return yield* giveUp(result.error, true)
        yield* queue.reschedule(item.id, attempts, next.value, result.error, now)
        yield* Effect.logWarning("retry failed, rescheduled").pipe(
          Effect.annotateLogs({
            error: result.error,
            attempts,
            next_attempt_at: DateTime.formatIso(next.value)
          })
        )
        return "rescheduled" satisfies ItemResult
      }
      case "TokenExpired":
        return yield* giveUp(`Trakt authorization expired: ${result.error}`, false)
      case "NeedsAttention":
        yield* raiseNotification({
          groupId: item.groupId,
          memberId: item.memberId,
          kind: "member_needs_attention",
          message: `Scrobbles to ${found.label}'s Trakt account are refused: ${result.error}.`,
          once: true
        })
        return yield* giveUp(result.error, false)
      case "Rejected":
        yield* queue.complete(item.id)
        yield* Effect.logWarning("retry dropped: Trakt rejected it").pipe(
          Effect.annotateLogs({ error: result.error, status: result.status })
        )
        return "dropped" satisfies ItemResult
    }
  })

/** How long claimed retries stay with their claimer without a renewal (renewed every third of it while worked on). */
export const defaultRetryLease = Duration.seconds(10)

/**
 * One pass: claim up to `limit` due items and retry them. Groups are worked on
 * concurrently; items of one group one after the other, oldest event first,
 * under the group lock.
 */
export const processDueRetries = (
  options: { readonly limit?: number; readonly lease?: Duration.DurationInput } = {}
) =>
  Effect.gen(function* () {
    const queue = yield* RetryQueue
    const now = yield* DateTime.now
    const lease = Duration.decode(options.lease ?? defaultRetryLease)
    const items = yield* queue.claimDue(now, options.limit ?? 100, DateTime.addDuration(now, lease))
    const ids = items.map((item) => item.id)
    const byGroup = new Map<RetryItem["groupId"], Array<RetryItem>>()
    for (const item of items) {
      const list = byGroup.get(item.groupId)
      if (list === undefined) byGroup.set(item.groupId, [item])
      else list.push(item)
    }
    // Interrupted (shutdown): give back every claimed item at once rather than
    // leaving it to its lease. Releasing one already completed or rescheduled is harmless.
    const results = yield* Effect.forEach(
      byGroup,
      ([groupId, groupItems]) => withGroupLock(groupId)(Effect.forEach(groupItems, retryItem)),
      { concurrency: 8 }
    ).pipe(
      // Renewed while this pass works on them: a pass that dies gives them back within one lease.
      whileLeased((leaseUntil) => queue.extendLeases(ids, leaseUntil), lease),
      Effect.onInterrupt(() => Effect.forEach(items, (item) => queue.release(item.id), { discard: true }))
    )
    const flat = results.flat()
    const count = (kind: ItemResult) => flat.filter((r) => r === kind).length
    const report: RetryRunReport = {
      claimed: items.length,
      delivered: count("delivered"),
      rescheduled: count("rescheduled"),
      permanentlyFailed: count("permanentlyFailed"),
      dropped: count("dropped")
    }
    return report
  })

/**
 * Work the queue forever: a pass every `pollInterval` (default 1 s), or at once
 * after a full batch. Interrupt the fiber to stop: every item claimed by the pass
 * in progress is released for another worker.
 */
export const runRetryWorker = (
  options: {
    readonly pollInterval?: Duration.DurationInput
    readonly limit?: number
    readonly lease?: Duration.DurationInput
  } = {}
) => {
  const limit = options.limit ?? 100
  const pass = processDueRetries({
    limit,
    ...(options.lease === undefined ? {} : { lease: options.lease })
  }).pipe(
    Effect.map((report) => report.claimed),
    Effect.catchAllDefect((defect) => Effect.logError("retry pass failed", defect).pipe(Effect.as(0)))
  )
  // Adaptive: a full batch means more is due, so go again at once; otherwise wait.
  return pass.pipe(
    Effect.flatMap((claimed) =>
      claimed >= limit ? Effect.void : Effect.sleep(options.pollInterval ?? Duration.seconds(1))
    ),
    Effect.forever
  )
}
