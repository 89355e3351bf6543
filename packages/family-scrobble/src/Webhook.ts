/**
 * A Plex playback event for a group, from arrival to broadcast.
 */
import { DateTime, Duration, Effect, Either } from "effect"
import { type BroadcastReport, broadcastScrobble } from "./Broadcast.js"
import { FamilyScrobbleConfig } from "./Config.js"
import { findGroupOrFail } from "./Groups.js"
import { EventId, type FamilyGroupId } from "./Ids.js"
import { withGroupLock } from "./Locks.js"
import { type Ignored, interpretPlexEvent } from "./PlaybackEvent.js"
import { PlaybackSessions, trackPlayback } from "./PlaybackSession.js"
import type { PlexPlaybackEvent } from "./PlexEvent.js"
import { randomUuid } from "./SecureRandom.js"

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
  options: { readonly eventId?: string } = {}
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
        const eventAt = yield* DateTime.now
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
