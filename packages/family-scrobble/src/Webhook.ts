/**
 * A Plex playback event for a group, from arrival to broadcast.
 */

import { randomUuid } from "@org/core"
import { DateTime, Duration, Effect, Either, Option } from "effect"
import { type BroadcastReport, broadcastScrobble } from "./Broadcast.js"
import { FamilyScrobbleConfig } from "./Config.js"
import { GroupNotFound } from "./Errors.js"
import type { FamilyGroup } from "./FamilyGroup.js"
import { findGroupOrFail } from "./Groups.js"
import { EventId, type FamilyGroupId } from "./Ids.js"
import { whileLeased } from "./Leases.js"
import { withGroupLock } from "./Locks.js"
import { type Ignored, interpretPlexEvent } from "./PlaybackEvent.js"
import { PlaybackSessions, trackPlayback } from "./PlaybackSession.js"
import type { PlexPlaybackEvent } from "./PlexEvent.js"
import { InboxEntry, WebhookInbox } from "./WebhookInbox.js"

/** The result of one webhook: ignored (with the reason) or broadcast (with every member's outcome). */
export type WebhookReport =
  | {
      readonly _tag: "Ignored"
      readonly eventId: EventId
      readonly groupId: FamilyGroupId
      readonly ignored: Ignored
    }
  | {
      readonly _tag: "Broadcast"
      readonly eventId: EventId
      readonly groupId: FamilyGroupId
      readonly broadcast: BroadcastReport
    }

/**
 * Handle a Plex playback event sent to a group's webhook: interpret it, apply the
 * playback-session rules, and broadcast the resulting scrobble to every member.
 * Events of one group are processed one at a time (the group lock), so two
 * webhooks never interleave their broadcasts.
 *
 * `eventId` identifies the event in every log line; one is generated when absent.
 */
export const handlePlaybackEvent = (
  groupId: string,
  event: PlexPlaybackEvent,
  options: {
    readonly eventId?: string
    /** When the event arrived (default now): playback rules and retries date it by arrival. */
    readonly receivedAt?: DateTime.Utc
  } = {}
) =>
  Effect.gen(function* () {
    const group = yield* findGroupOrFail(groupId)
    // (No `yield*` inside `??`: the CommonJS build cannot transform it.)
    const eventId = EventId.make(options.eventId === undefined ? yield* randomUuid : options.eventId)
    const base = { eventId, groupId: group.id }
    const annotate = Effect.annotateLogs({ event_id: eventId })

    const intent = interpretPlexEvent(event, group.plexUsername)
    if (Either.isLeft(intent)) {
      yield* Effect.logDebug("webhook ignored").pipe(
        Effect.annotateLogs({ reason: intent.left.detail }),
        annotate
      )
      return { _tag: "Ignored", ...base, ignored: intent.left } satisfies WebhookReport as WebhookReport
    }

    return yield* withGroupLock(group.id)(
      Effect.gen(function* () {
        const settings = yield* FamilyScrobbleConfig
        const sessions = yield* PlaybackSessions
        const eventAt = options.receivedAt === undefined ? yield* DateTime.now : options.receivedAt
        const now = DateTime.toEpochMillis(eventAt)
        yield* sessions.evictBefore(
          now - Duration.toMillis(Duration.max(settings.sessionIdleTimeout, settings.finishWindow))
        )
        const command = yield* trackPlayback(group.id, intent.right, now, settings)
        if (Either.isLeft(command)) {
          yield* Effect.logInfo("webhook ignored").pipe(Effect.annotateLogs({ reason: command.left.detail }))
          return { _tag: "Ignored", ...base, ignored: command.left } satisfies WebhookReport as WebhookReport
        }
        const broadcast = yield* broadcastScrobble(group, command.right, { eventId, eventAt })
        return { _tag: "Broadcast", ...base, broadcast } satisfies WebhookReport as WebhookReport
      }).pipe(annotate)
    )
  }).pipe(Effect.withSpan("family-scrobble.handlePlaybackEvent", { attributes: { groupId } }))

/** The answer to a webhook: recorded for broadcast, or ignored (with the reason). */
export type WebhookAcceptance =
  | {
      readonly _tag: "Accepted"
      readonly entry: InboxEntry
    }
  | {
      readonly _tag: "Ignored"
      readonly eventId: EventId
      readonly groupId: FamilyGroupId
      readonly ignored: Ignored
    }

/**
 * The first half of a webhook, before its answer: find the group (unknown →
 * `GroupNotFound`), drop what is not a playback event of the group's Plex
 * account, and record the rest in the inbox, leased to this process for
 * `lease` (default 2 minutes). Once this succeeds, the event is not lost: run
 * `processInboxEntry` for it now, and `recoverInbox` picks it up after a crash.
 */
export const acceptWebhook = (
  groupId: string,
  event: PlexPlaybackEvent,
  options: { readonly eventId?: string; readonly lease?: Duration.DurationInput } = {}
) => Effect.flatMap(findGroupOrFail(groupId), (group) => acceptGroupWebhook(group, event, options))

/**
 * `acceptWebhook` for a group already loaded (a server may keep groups in a
 * short-lived cache: their id and Plex account never change). A group deleted
 * since it was loaded fails with `GroupNotFound`, recording nothing.
 */
export const acceptGroupWebhook = (
  group: FamilyGroup,
  event: PlexPlaybackEvent,
  options: { readonly eventId?: string; readonly lease?: Duration.DurationInput } = {}
) =>
  Effect.gen(function* () {
    const eventId = EventId.make(options.eventId === undefined ? yield* randomUuid : options.eventId)
    const intent = interpretPlexEvent(event, group.plexUsername)
    if (Either.isLeft(intent)) {
      yield* Effect.logDebug("webhook ignored").pipe(
        Effect.annotateLogs({ event_id: eventId, reason: intent.left.detail })
      )
      const ignoredEvent: WebhookAcceptance = {
        _tag: "Ignored",
        eventId,
        groupId: group.id,
        ignored: intent.left
      }
      return ignoredEvent
    }
    const inbox = yield* WebhookInbox
    const receivedAt = yield* DateTime.now
    // Every field is already a decoded, branded value.
    const entry = new InboxEntry(
      { id: eventId, groupId: group.id, event, receivedAt },
      { disableValidation: true }
    )
    const lease = options.lease === undefined ? defaultInboxLease : Duration.decode(options.lease)
    const recorded = yield* inbox.record(entry, DateTime.addDuration(receivedAt, lease))
    // The group was deleted since it was loaded.
    if (!recorded) return yield* new GroupNotFound({ groupId: group.id })
    const accepted: WebhookAcceptance = { _tag: "Accepted", entry }
    return accepted
  })

const defaultInboxLease = Duration.minutes(2)

/**
 * How long recovered entries stay with their recoverer without a renewal
 * (`recoverInbox` renews every third of it while it works on them).
 */
export const defaultRecoveryLease = Duration.seconds(10)

/**
 * The second half of a webhook: broadcast an inbox entry, then take it out of
 * the inbox. A group deleted meanwhile ends the entry too. A defect leaves the
 * entry in the inbox for `recoverInbox`.
 */
export const processInboxEntry = (entry: InboxEntry) =>
  Effect.gen(function* () {
    const inbox = yield* WebhookInbox
    const report = yield* handlePlaybackEvent(entry.groupId, entry.event, {
      eventId: entry.id,
      receivedAt: entry.receivedAt
    }).pipe(
      Effect.map(Option.some),
      Effect.catchTag("GroupNotFound", () => Effect.succeed(Option.none()))
    )
    yield* inbox.complete(entry.id)
    return report
  })

/**
 * Broadcast what the inbox holds from recorders that stopped before finishing
 * (a crash, a kill): claims stale entries oldest first, one group's entries in
 * order. Returns how many entries were processed. Meant to run every few seconds.
 */
export const recoverInbox = (
  options: { readonly limit?: number; readonly lease?: Duration.DurationInput } = {}
) =>
  Effect.gen(function* () {
    const inbox = yield* WebhookInbox
    const now = yield* DateTime.now
    const lease = options.lease === undefined ? defaultRecoveryLease : Duration.decode(options.lease)
    const entries = yield* inbox.claimStale(now, options.limit ?? 100, DateTime.addDuration(now, lease))
    if (entries.length === 0) return 0
    const ids = entries.map((entry) => entry.id)
    yield* Effect.logInfo("recovering webhook events").pipe(Effect.annotateLogs({ count: entries.length }))
    const byGroup = new Map<FamilyGroupId, Array<InboxEntry>>()
    for (const entry of entries) {
      const list = byGroup.get(entry.groupId)
      if (list === undefined) byGroup.set(entry.groupId, [entry])
      else list.push(entry)
    }
    yield* Effect.forEach(
      byGroup.values(),
      (list) => Effect.forEach(list, processInboxEntry, { discard: true }),
      {
        concurrency: 8,
        discard: true
      }
    ).pipe(whileLeased((leaseUntil) => inbox.extendLeases(ids, leaseUntil), lease))
    return entries.length
  })
