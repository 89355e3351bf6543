/**
 * Sending one scrobble to every authorized member of a group at once.
 *
 * Each member is delivered to in its own fiber, with its own pacing, token
 * refresh and timeout, and every failure is turned into an outcome: one member's
 * trouble never delays or fails the others. What cannot be delivered now goes to
 * the retry queue; what needs a person raises a notification.
 */

import { randomUuid } from "@org/core"
import { DateTime, Duration, Effect, Option } from "effect"
import { FamilyScrobbleConfig } from "./Config.js"
import type { FamilyGroup } from "./FamilyGroup.js"
import type { GroupMember, TraktTokens } from "./GroupMember.js"
import { GroupStore } from "./GroupStore.js"
import { type EventId, RetryItemId } from "./Ids.js"
import type { MediaRef } from "./MediaRef.js"
import { MemberPacer } from "./MemberPacer.js"
import { raiseNotification } from "./Notifications.js"
import type { ScrobbleCommand } from "./PlaybackSession.js"
import { RetryItem, recordsPlay } from "./RetryItem.js"
import { nextRetryAt } from "./RetryPolicy.js"
import { isStaleFor, RetryQueue } from "./RetryQueue.js"
import type { Progress, ScrobbleAction } from "./ScrobbleAction.js"
import { expireMember, refreshMemberTokens, usableTokens } from "./Tokens.js"
import { classifyScrobbleFailure, describeAttentionStatus, TraktApi, type TraktFailure } from "./TraktApi.js"

/** One scrobble for one member. */
export interface Scrobble {
  readonly action: ScrobbleAction
  readonly media: MediaRef
  readonly progress: Progress
}

/** What a single delivery attempt came to. */
export type DeliveryResult =
  /** Trakt accepted it, or already had it (409): either way, done. */
  | { readonly _tag: "Delivered"; readonly traktAction: string; readonly alreadyScrobbled: boolean }
  | {
      readonly _tag: "Retryable"
      readonly error: string
      readonly notBefore: Option.Option<Duration.Duration>
    }
  | { readonly _tag: "TokenExpired"; readonly error: string }
  | { readonly _tag: "NeedsAttention"; readonly status: number; readonly error: string }
  | { readonly _tag: "Rejected"; readonly status: number; readonly error: string }

const fromFailure = (failure: TraktFailure): DeliveryResult => {
  const kind = classifyScrobbleFailure(failure)
  switch (kind._tag) {
    case "AlreadyScrobbled":
      return { _tag: "Delivered", traktAction: "scrobble", alreadyScrobbled: true }
    case "Retryable":
      return { _tag: "Retryable", error: failure.message, notBefore: kind.notBefore }
    case "Unauthorized":
      return { _tag: "TokenExpired", error: failure.message }
    case "NeedsAttention":
      return { _tag: "NeedsAttention", status: kind.status, error: describeAttentionStatus(kind.status) }
    case "Rejected":
      return { _tag: "Rejected", status: kind.status, error: failure.message }
  }
}

/**
 * Deliver one scrobble to one member: take fresh tokens, wait for the member's
 * pacing slot, POST. A 401 refreshes the token once and tries again; a second
 * 401, or a refused refresh, expires the member. Never fails: every problem is a
 * `DeliveryResult`.
 */
export const deliverScrobble = (member: GroupMember, scrobble: Scrobble) =>
  Effect.flatMap(FamilyScrobbleConfig, (settings) =>
    attemptDelivery(member, scrobble).pipe(
      Effect.timeoutTo({
        duration: settings.deliveryTimeout,
        onTimeout: () => deliveryTimedOut(settings.deliveryTimeout),
        onSuccess: (result) => result
      })
    )
  )

const deliveryTimedOut = (timeout: Duration.Duration): DeliveryResult => ({
  _tag: "Retryable",
  error: `delivery took longer than ${Duration.format(timeout)}`,
  notBefore: Option.none()
})

/** `deliverScrobble` without its deadline: a broadcast sets one deadline for all its members. */
const attemptDelivery = (member: GroupMember, scrobble: Scrobble) =>
  Effect.gen(function* () {
    const trakt = yield* TraktApi
    const pacer = yield* MemberPacer
    const post = (tokens: TraktTokens) =>
      pacer.paced(member.id, trakt.scrobble({ accessToken: tokens.accessToken, ...scrobble })).pipe(
        Effect.map(
          (accepted): DeliveryResult => ({
            _tag: "Delivered",
            traktAction: accepted.action,
            alreadyScrobbled: false
          })
        ),
        Effect.catchAll((failure) => Effect.succeed(fromFailure(failure)))
      )

    const tokens = yield* usableTokens(member)
    const first = yield* post(tokens)
    if (first._tag !== "TokenExpired") return first

    // 401: refresh once (unless someone else just did) and try again.
    const refreshed = yield* refreshMemberTokens(member.id, {
      force: true,
      rejectedAccessToken: tokens.accessToken
    })
    const second = yield* post(refreshed)
    if (second._tag === "TokenExpired") {
      yield* expireMember(member, "Trakt refused a freshly refreshed token")
    }
    return second
  }).pipe(
    Effect.catchTags({
      MemberTokenExpired: (error): Effect.Effect<DeliveryResult> =>
        Effect.succeed({ _tag: "TokenExpired", error: error.reason }),
      TokenRefreshUnavailable: (error): Effect.Effect<DeliveryResult> =>
        Effect.succeed({ _tag: "Retryable", error: error.message, notBefore: Option.none() })
    }),
    // A bug in one member's delivery must not cost the others theirs, nor lose the scrobble.
    Effect.catchAllDefect((defect) =>
      Effect.logError("delivery failed unexpectedly", defect).pipe(
        Effect.as<DeliveryResult>({ _tag: "Retryable", error: "internal error", notBefore: Option.none() })
      )
    )
  )

/** A member as reports show them: never with tokens. */
export interface MemberRef {
  readonly memberId: GroupMember["id"]
  readonly label: string
  readonly traktUsername: string | undefined
}

export const memberRef = (member: GroupMember): MemberRef => ({
  memberId: member.id,
  label: member.label,
  traktUsername: Option.getOrUndefined(member.traktUsername)
})

/** What happened for one member in a broadcast. */
export type MemberOutcome =
  | {
      readonly _tag: "Delivered"
      readonly member: MemberRef
      readonly traktAction: string
      readonly alreadyScrobbled: boolean
    }
  | {
      readonly _tag: "Queued"
      readonly member: MemberRef
      readonly retryItemId: RetryItem["id"]
      readonly nextAttemptAt: DateTime.Utc
      readonly error: string
    }
  | { readonly _tag: "PermanentFailure"; readonly member: MemberRef; readonly error: string }
  | { readonly _tag: "TokenExpired"; readonly member: MemberRef; readonly error: string }
  | {
      readonly _tag: "NeedsAttention"
      readonly member: MemberRef
      readonly status: number
      readonly error: string
    }
  | { readonly _tag: "Dropped"; readonly member: MemberRef; readonly status: number; readonly error: string }
  | { readonly _tag: "Skipped"; readonly member: MemberRef; readonly reason: string }

export interface BroadcastReport {
  readonly eventId: EventId
  readonly action: ScrobbleAction
  readonly progress: Progress
  readonly title: string
  readonly members: ReadonlyArray<MemberOutcome>
}

/** Record the failure of a retry-exhausted scrobble and tell the group. */
export const notifyPermanentFailure = (member: GroupMember, title: string, error: string) =>
  raiseNotification({
    groupId: member.groupId,
    memberId: member.id,
    kind: "permanent_failure",
    message: `${title} could not be sent to ${member.label}'s Trakt account after every retry (${error}).`
  })

const notifyNeedsAttention = (member: GroupMember, error: string) =>
  raiseNotification({
    groupId: member.groupId,
    memberId: member.id,
    kind: "member_needs_attention",
    message: `Scrobbles to ${member.label}'s Trakt account are refused: ${error}. ${member.label} needs to check their Trakt account.`,
    once: true
  })

/** Act on one member's delivery result: queue, notify, supersede, log. */
const actOnDelivery = (
  member: GroupMember,
  command: ScrobbleCommand,
  context: { readonly eventId: EventId; readonly eventAt: DateTime.Utc },
  result: DeliveryResult
) =>
  Effect.gen(function* () {
    const queue = yield* RetryQueue
    const settings = yield* FamilyScrobbleConfig
    const ref = memberRef(member)
    switch (result._tag) {
      case "Delivered": {
        // (What this delivery supersedes in the queue is dropped once for the whole broadcast.)
        yield* Effect.logInfo(
          result.alreadyScrobbled ? "already scrobbled on Trakt" : "scrobble delivered"
        ).pipe(Effect.annotateLogs({ trakt_action: result.traktAction }))
        return {
          _tag: "Delivered",
          member: ref,
          traktAction: result.traktAction,
          alreadyScrobbled: result.alreadyScrobbled
        } as const
      }
      case "Retryable": {
        const now = yield* DateTime.now
        const next = nextRetryAt(now, 0, result.notBefore, settings)
        if (Option.isNone(next)) {
          yield* notifyPermanentFailure(member, command.title, result.error)
          yield* Effect.logError("scrobble failed and retries are disabled").pipe(
            Effect.annotateLogs({ error: result.error })
          )
          return { _tag: "PermanentFailure", member: ref, error: result.error } as const
        }
        const id = RetryItemId.make(yield* randomUuid)
        yield* queue.enqueue(
          new RetryItem({
            id,
            groupId: member.groupId,
            memberId: member.id,
            eventId: context.eventId,
            action: command.action,
            media: command.media,
            mediaKey: command.mediaKey,
            progress: command.progress,
            attempts: 0,
            status: "queued",
            eventAt: context.eventAt,
            nextAttemptAt: next.value,
            lastError: result.error,
            createdAt: now,
            updatedAt: now
          })
        )
        yield* Effect.logWarning("scrobble failed, queued for retry").pipe(
          Effect.annotateLogs({ error: result.error, next_attempt_at: DateTime.formatIso(next.value) })
        )
        return {
          _tag: "Queued",
          member: ref,
          retryItemId: id,
          nextAttemptAt: next.value,
          error: result.error
        } as const
      }
      case "TokenExpired":
        yield* Effect.logWarning("scrobble not sent: Trakt authorization expired").pipe(
          Effect.annotateLogs({ error: result.error })
        )
        return { _tag: "TokenExpired", member: ref, error: result.error } as const
      case "NeedsAttention":
        yield* notifyNeedsAttention(member, result.error)
        yield* Effect.logWarning("scrobble refused: the member's account needs attention").pipe(
          Effect.annotateLogs({ error: result.error, status: result.status })
        )
        return { _tag: "NeedsAttention", member: ref, status: result.status, error: result.error } as const
      case "Rejected":
        yield* Effect.logWarning("scrobble dropped: Trakt rejected it").pipe(
          Effect.annotateLogs({ error: result.error, status: result.status })
        )
        return { _tag: "Dropped", member: ref, status: result.status, error: result.error } as const
    }
  }).pipe(Effect.annotateLogs({ member_username: member.displayName }))

/**
 * Broadcast a scrobble to every authorized member of the group, concurrently.
 * Members who are not authorized are reported as skipped.
 */
export const broadcastScrobble = (
  group: FamilyGroup,
  command: ScrobbleCommand,
  context: { readonly eventId: EventId; readonly eventAt: DateTime.Utc }
) =>
  Effect.gen(function* () {
    const store = yield* GroupStore
    const settings = yield* FamilyScrobbleConfig
    const members = yield* store.listMembers(group.id)
    // Every member's delivery at once, under one deadline for all (they start together).
    // Each member acts on its own result as soon as it has one (a failure is queued at
    // once); acting is uninterruptible, so the deadline never cuts a member in half.
    const outcomes = new Map<GroupMember["id"], MemberOutcome>()
    const act = (member: GroupMember, result: DeliveryResult) =>
      actOnDelivery(member, command, context, result).pipe(
        Effect.tap((outcome) => Effect.sync(() => outcomes.set(member.id, outcome))),
        Effect.annotateLogs({ member_username: member.displayName }),
        Effect.uninterruptible
      )
    const queue = yield* RetryQueue
    // A member who already got this event (it is broadcast again after a crash) or a
    // later action for the item is not sent it: a late start never follows a stop.
    // Only authorized members are asked about: the others are skipped for their status anyway.
    const eligible = members.filter((member) => member.isAuthorized)
    const last = yield* queue.lastDelivered(
      eligible.map((member) => member.id),
      command.mediaKey
    )
    const playRecorded = recordsPlay(command.action, command.progress)
    const stale = new Set(
      eligible.filter((member) => isStaleFor(last.get(member.id), context, playRecorded)).map((m) => m.id)
    )
    const authorized = eligible.filter((member) => !stale.has(member.id))
    // Every member's delivery at once, under one deadline for all (they start together).
    yield* Effect.forEach(
      authorized,
      (member) =>
        attemptDelivery(member, command).pipe(
          Effect.annotateLogs({ member_username: member.displayName }),
          Effect.flatMap((result) => act(member, result))
        ),
      { concurrency: "unbounded", discard: true }
    ).pipe(Effect.timeoutTo({ duration: settings.deliveryTimeout, onTimeout: () => {}, onSuccess: () => {} }))
    for (const member of authorized) {
      if (!outcomes.has(member.id)) yield* act(member, deliveryTimedOut(settings.deliveryTimeout))
    }
    // Older queued actions for this item are stale for every member it reached: one statement.
    const delivered = authorized.filter((member) => outcomes.get(member.id)?._tag === "Delivered")
    if (delivered.length > 0) {
      const ids = delivered.map((member) => member.id)
      yield* queue.dropSuperseded(
        ids,
        command.mediaKey,
        context.eventAt,
        recordsPlay(command.action, command.progress)
      )
      yield* queue.recordDelivered(ids, command.mediaKey, context)
    }
    const report: BroadcastReport = {
      eventId: context.eventId,
      action: command.action,
      progress: command.progress,
      title: command.title,
      members: members.map(
        (member): MemberOutcome =>
          outcomes.get(member.id) ??
          (stale.has(member.id)
            ? {
                _tag: "Skipped",
                member: memberRef(member),
                reason: "the member already got this event, or a later one for this item"
              }
            : { _tag: "Skipped", member: memberRef(member), reason: `the member is ${member.status}` })
      )
    }
    return report
  }).pipe(Effect.annotateLogs({ event_id: context.eventId, media_title: command.title }))

/** Everything a broadcast needs from its environment. */
export type BroadcastRequirements =
  | Effect.Effect.Context<ReturnType<typeof actOnDelivery>>
  | Effect.Effect.Context<ReturnType<typeof attemptDelivery>>
