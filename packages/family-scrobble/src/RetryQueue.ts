/**
 * Port: the durable queue of scrobbles that could not be delivered yet.
 *
 * Superseding: for one (member, media) pair only the newest action matters, with
 * one exception: a stop that records a play is kept until it is delivered or a
 * newer play supersedes it. So a stale `start` is never replayed after a `stop`,
 * and a watch is never lost to a later `start`.
 */
import { Context, type DateTime, type Effect, type Option } from "effect"
import type { EventId, FamilyGroupId, GroupMemberId, RetryItemId } from "./Ids.js"
import type { RetryItem } from "./RetryItem.js"

export interface QueueDepth {
  readonly queued: number
  readonly retrying: number
  readonly permanentFailure: number
}

/** The event of the latest action a member got for an item. */
export interface Delivered {
  readonly eventId: EventId
  readonly eventAt: DateTime.Utc
}

/**
 * Whether an event is stale for a member who last got `last`: it was delivered
 * already (the same event, broadcast again after a crash), or, unless it records
 * a play (a finish is kept: the member did watch), something later was.
 */
export const isStaleFor = (
  last: Delivered | undefined,
  event: { readonly eventId: EventId; readonly eventAt: DateTime.Utc },
  recordsPlay: boolean
): boolean =>
  last !== undefined &&
  (last.eventId === event.eventId || (!recordsPlay && last.eventAt.epochMillis > event.eventAt.epochMillis))

export interface RetryQueueService {
  /**
   * Add an item, first dropping what it supersedes: pending items of the same pair
   * with an earlier `eventAt` (plays only if the new item records a play too).
   */
  readonly enqueue: (item: RetryItem) => Effect.Effect<void>
  /**
   * Claim up to `limit` pending items due at `now`, oldest event first. A claimed
   * item is not handed out again until it is completed, rescheduled, failed,
   * released, or its lease (`leaseUntil`) has passed.
   */
  readonly claimDue: (
    now: DateTime.Utc,
    limit: number,
    leaseUntil: DateTime.Utc
  ) => Effect.Effect<ReadonlyArray<RetryItem>>
  /** Delivered (or dropped for good): remove the item. */
  readonly complete: (id: RetryItemId) => Effect.Effect<void>
  /** `complete` for many items in one operation (one statement on a database). */
  readonly completeMany: (ids: ReadonlyArray<RetryItemId>) => Effect.Effect<void>
  /** A retry failed and another is allowed: record it and schedule the next. */
  readonly reschedule: (
    id: RetryItemId,
    attempts: number,
    nextAttemptAt: DateTime.Utc,
    lastError: string,
    at: DateTime.Utc
  ) => Effect.Effect<void>
  /** No retry is left: keep the item as `permanent_failure` for the admin. */
  readonly markPermanentFailure: (
    id: RetryItemId,
    attempts: number,
    lastError: string,
    at: DateTime.Utc
  ) => Effect.Effect<void>
  /**
   * `reschedule` and `markPermanentFailure` for many items in one operation: each
   * failure is rescheduled to its `nextAttemptAt`, or failed for good without one.
   */
  readonly failMany: (
    failures: ReadonlyArray<{
      readonly id: RetryItemId
      readonly attempts: number
      readonly lastError: string
      readonly nextAttemptAt: Option.Option<DateTime.Utc>
    }>,
    at: DateTime.Utc
  ) => Effect.Effect<void>
  /**
   * The claimer is alive and still working on these items: their leases now end
   * at `leaseUntil`. Items no longer claimed (completed, rescheduled, released)
   * are left alone.
   */
  readonly extendLeases: (ids: ReadonlyArray<RetryItemId>, leaseUntil: DateTime.Utc) => Effect.Effect<void>
  /** Give a claimed item back untouched (shutdown). */
  readonly release: (id: RetryItemId) => Effect.Effect<void>
  /**
   * An action for an item was delivered to these members: drop the pending items
   * of each (member, item) pair it supersedes (those with an earlier `eventAt`;
   * plays only if `deliveredRecordsPlay`). One call per broadcast, not per member.
   * Returns how many were dropped.
   */
  readonly dropSuperseded: (
    memberIds: ReadonlyArray<GroupMemberId>,
    mediaKey: string,
    eventAt: DateTime.Utc,
    deliveredRecordsPlay: boolean
  ) => Effect.Effect<number>
  /**
   * An action for an item reached these members: remember it as the latest each
   * got for the item, unless a later one is remembered already. What a member has
   * got is what a late event (one recorded before a crash and broadcast after it,
   * or a retry) is held against: it is never sent when something later was.
   */
  readonly recordDelivered: (
    memberIds: ReadonlyArray<GroupMemberId>,
    mediaKey: string,
    delivered: Delivered
  ) => Effect.Effect<void>
  /** The latest action of an item each of these members got (members who got none are absent). */
  readonly lastDelivered: (
    memberIds: ReadonlyArray<GroupMemberId>,
    mediaKey: string
  ) => Effect.Effect<ReadonlyMap<GroupMemberId, Delivered>>
  /** A member was removed: drop all their items. Returns how many. */
  readonly removeForMember: (memberId: GroupMemberId) => Effect.Effect<number>
  /** A group was deleted: drop all its items. */
  readonly removeForGroup: (groupId: FamilyGroupId) => Effect.Effect<number>
  readonly depth: (groupId: FamilyGroupId) => Effect.Effect<QueueDepth>
  /** Every item of a group, pending and failed, oldest event first. */
  readonly list: (groupId: FamilyGroupId) => Effect.Effect<ReadonlyArray<RetryItem>>
}

export class RetryQueue extends Context.Tag("@org/family-scrobble/RetryQueue")<
  RetryQueue,
  RetryQueueService
>() {}
