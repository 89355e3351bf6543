/**
 * One undelivered scrobble waiting in the retry queue.
 */
import { Schema } from "effect"
import { EventId, FamilyGroupId, GroupMemberId, RetryItemId } from "./Ids.js"
import { MediaRef } from "./MediaRef.js"
import { Progress, ScrobbleAction } from "./ScrobbleAction.js"

/** `queued`: never retried yet; `retrying`: at least one retry failed; `permanent_failure`: gave up. */
export const RetryStatus = Schema.Literal("queued", "retrying", "permanent_failure")
export type RetryStatus = typeof RetryStatus.Type

export class RetryItem extends Schema.Class<RetryItem>("RetryItem")({
  id: RetryItemId,
  groupId: FamilyGroupId,
  memberId: GroupMemberId,
  eventId: EventId,
  action: ScrobbleAction,
  media: MediaRef,
  /** `mediaKey(media)`: the pair (memberId, mediaKey) is what newer actions supersede. */
  mediaKey: Schema.String,
  progress: Progress,
  /** Retries made so far (the first delivery is not counted). */
  attempts: Schema.Int,
  status: RetryStatus,
  /** When the playback event that produced this scrobble was received. */
  eventAt: Schema.DateTimeUtc,
  nextAttemptAt: Schema.DateTimeUtc,
  lastError: Schema.String,
  createdAt: Schema.DateTimeUtc,
  updatedAt: Schema.DateTimeUtc
}) {
  /** A stop at ≥ 80 % records a play on Trakt: such an item is never superseded by a non-finish. */
  get recordsPlay(): boolean {
    return recordsPlay(this.action, this.progress)
  }
}

/** Trakt records a play for a stop at 80 % or more. */
export const recordsPlay = (action: ScrobbleAction, progress: number): boolean =>
  action === "stop" && progress >= 80
