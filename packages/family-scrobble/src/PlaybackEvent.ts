/**
 * First step of a webhook: which playback event of which item, for this group,
 * or why it is ignored. Stateless; `PlaybackSession` then applies session rules.
 */
import { Either } from "effect"
import { normalizePlexUsername } from "./Ids.js"
import { describeUnidentified, identifyMedia } from "./MediaIdentification.js"
import { type MediaRef, mediaKey, mediaTitle } from "./MediaRef.js"
import type { PlexPlaybackEvent } from "./PlexEvent.js"
import { progressFromOffset } from "./Progress.js"
import type { Progress } from "./ScrobbleAction.js"

/** The Plex events that drive scrobbling. */
export type PlaybackEventKind =
  | "media.play"
  | "media.resume"
  | "media.pause"
  | "media.stop"
  | "media.scrobble"

const playbackEvents: ReadonlySet<string> = new Set<PlaybackEventKind>([
  "media.play",
  "media.resume",
  "media.pause",
  "media.stop",
  "media.scrobble"
])

export const isPlaybackEventKind = (event: string): event is PlaybackEventKind => playbackEvents.has(event)

/** A playback event of an identified item, for the group's own Plex account. */
export interface PlaybackIntent {
  readonly kind: PlaybackEventKind
  readonly media: MediaRef
  readonly mediaKey: string
  readonly title: string
  /** From `viewOffset / duration`, when Plex sent both. */
  readonly reportedProgress: Progress | undefined
  /** One playback: server, player, item, account. */
  readonly sessionKey: string
}

export type IgnoreReason =
  | "not_playback"
  | "other_account"
  | "no_metadata"
  | "unsupported_type"
  | "unidentified"
  | "duplicate"
  | "already_finished"
  | "session_finished"

/** An event that produces no scrobble, and why. */
export interface Ignored {
  readonly _tag: "Ignored"
  readonly reason: IgnoreReason
  readonly detail: string
}

export const ignored = (reason: IgnoreReason, detail: string): Ignored => ({
  _tag: "Ignored",
  reason,
  detail
})

/**
 * Interpret a Plex event for a group whose Plex account is `plexUsername`.
 * A Plex server sends the owner's webhook for every user's playback: events of
 * other accounts are ignored, matched by account name, case-insensitively.
 */
export const interpretPlexEvent = (
  event: PlexPlaybackEvent,
  plexUsername: string
): Either.Either<PlaybackIntent, Ignored> => {
  if (!isPlaybackEventKind(event.event)) {
    return Either.left(ignored("not_playback", `${event.event} is not a playback event`))
  }
  const account = event.Account?.title
  if (account === undefined || normalizePlexUsername(account) !== normalizePlexUsername(plexUsername)) {
    return Either.left(
      ignored(
        "other_account",
        `the event is for the Plex account ${account ?? "(none)"}, not ${plexUsername}`
      )
    )
  }
  const metadata = event.Metadata
  if (metadata === undefined) return Either.left(ignored("no_metadata", "the event has no Metadata"))
  const identified = identifyMedia(metadata)
  if (Either.isLeft(identified)) {
    const reason = identified.left._tag === "UnsupportedType" ? "unsupported_type" : "unidentified"
    return Either.left(ignored(reason, describeUnidentified(identified.left)))
  }
  const media = identified.right
  const key = mediaKey(media)
  return Either.right({
    kind: event.event,
    media,
    mediaKey: key,
    title: mediaTitle(media),
    reportedProgress: progressFromOffset(metadata.viewOffset, metadata.duration),
    sessionKey: [
      event.Server?.uuid ?? "-",
      event.Player?.uuid ?? "-",
      metadata.ratingKey ?? key,
      normalizePlexUsername(account)
    ].join("|")
  })
}
