/**
 * Second step of a webhook: the rules of one playback session (server, player,
 * item, account), which turn Plex's noisy event stream into clean scrobbles.
 *
 * - a repeat of the same event within `duplicateWindow` is dropped (skip-credits
 *   and seeking send bursts);
 * - progress never goes backwards within a session: a lower value is ignored and
 *   the last known progress is sent instead;
 * - a finish (`media.stop` at or past `watchedThreshold`, or `media.scrobble`)
 *   counts once per item within `finishWindow`, and after it the session sends
 *   nothing more until a new `media.play`;
 * - a stop below the threshold is sent clamped to 1–79.9 %, so Trakt keeps it as
 *   a pause and never records a play the household did not finish.
 */
import { Context, Duration, Effect, Either, type Option } from "effect"
import type { FamilySettings } from "./Config.js"
import type { MediaRef } from "./MediaRef.js"
import { type Ignored, ignored, type PlaybackIntent } from "./PlaybackEvent.js"
import { clampToPause, clampToPlay, SCROBBLE_EVENT_PROGRESS } from "./Progress.js"
import { type Progress, type ScrobbleAction, toProgress } from "./ScrobbleAction.js"

/** What one playback session remembers. Times are epoch milliseconds. */
export interface SessionState {
  readonly lastEvent: string
  readonly lastEventAt: number
  readonly lastProgress: number | undefined
  readonly finished: boolean
}

/** A scrobble to broadcast. */
export interface ScrobbleCommand {
  readonly action: ScrobbleAction
  readonly progress: Progress
  readonly media: MediaRef
  readonly mediaKey: string
  readonly title: string
  /** Whether this is a finish (records a play on Trakt). */
  readonly finish: boolean
}

export interface Admission {
  readonly result: Either.Either<ScrobbleCommand, Ignored>
  /** The session's new state (unchanged for a dropped repeat). */
  readonly session: SessionState | undefined
  /** Set when this event is the item's counted finish. */
  readonly finishedAt: number | undefined
}

/**
 * Apply the session rules to one event. Pure: `now` and the stored state come in,
 * the decision and the new state go out.
 */
export const admitPlayback = (
  intent: PlaybackIntent,
  session: SessionState | undefined,
  lastFinishAt: number | undefined,
  now: number,
  settings: Pick<FamilySettings, "duplicateWindow" | "finishWindow" | "watchedThreshold" | "pauseMode">
): Admission => {
  const drop = (reason: Ignored): Admission => ({
    result: Either.left(reason),
    session,
    finishedAt: undefined
  })

  if (
    session !== undefined &&
    session.lastEvent === intent.kind &&
    now - session.lastEventAt < Duration.toMillis(settings.duplicateWindow)
  ) {
    return drop(
      ignored("duplicate", `repeated ${intent.kind} within ${Duration.format(settings.duplicateWindow)}`)
    )
  }

  const newPlayback = intent.kind === "media.play"
  const current = newPlayback ? undefined : session
  if (current?.finished === true) {
    return drop(ignored("session_finished", `${intent.title} was already finished in this playback`))
  }

  // Progress never moves backwards within a playback session.
  const last = current?.lastProgress
  const reported = intent.reportedProgress
  const known = reported === undefined ? last : last !== undefined && reported < last ? last : reported

  let action: ScrobbleAction
  let progress: Progress
  let finish = false
  switch (intent.kind) {
    case "media.play":
    case "media.resume":
      action = "start"
      progress = toProgress(known ?? 0)
      break
    case "media.pause":
      if (settings.pauseMode === "stop") {
        action = "stop"
        progress = clampToPause(known ?? 0)
      } else {
        action = "pause"
        progress = toProgress(known ?? 0)
      }
      break
    case "media.stop":
      action = "stop"
      if (known !== undefined && known >= settings.watchedThreshold) {
        finish = true
        progress = clampToPlay(known)
      } else {
        progress = clampToPause(known ?? 0)
      }
      break
    case "media.scrobble":
      action = "stop"
      finish = true
      progress = toProgress(Math.max(known ?? 0, SCROBBLE_EVENT_PROGRESS))
      break
  }

  if (finish && lastFinishAt !== undefined && now - lastFinishAt < Duration.toMillis(settings.finishWindow)) {
    return {
      result: Either.left(
        ignored(
          "already_finished",
          `${intent.title} was finished ${Math.round((now - lastFinishAt) / 1000)} s ago`
        )
      ),
      session: { lastEvent: intent.kind, lastEventAt: now, lastProgress: progress, finished: true },
      finishedAt: undefined
    }
  }

  return {
    result: Either.right({
      action,
      progress,
      media: intent.media,
      mediaKey: intent.mediaKey,
      title: intent.title,
      finish
    }),
    session: { lastEvent: intent.kind, lastEventAt: now, lastProgress: progress, finished: finish },
    finishedAt: finish ? now : undefined
  }
}

/**
 * Port: where session state and finishes are kept between webhooks. Reads and
 * writes happen under the group lock, so a plain get/put store is enough.
 */
export interface PlaybackSessionsService {
  readonly getSession: (key: string) => Effect.Effect<Option.Option<SessionState>>
  readonly putSession: (key: string, state: SessionState) => Effect.Effect<void>
  /** When the item (`finishKey`) was last counted as finished. */
  readonly lastFinish: (finishKey: string) => Effect.Effect<Option.Option<number>>
  readonly recordFinish: (finishKey: string, at: number) => Effect.Effect<void>
  /** Forget sessions last active, and finishes recorded, before `before`. */
  readonly evictBefore: (before: number) => Effect.Effect<void>
}

export class PlaybackSessions extends Context.Tag("@org/family-scrobble/PlaybackSessions")<
  PlaybackSessions,
  PlaybackSessionsService
>() {}

/** Finishes are counted per group and item, whichever player or session sent them. */
export const finishKey = (groupId: string, mediaKey: string): string => `${groupId}|${mediaKey}`

/** Load, admit, store: the session step of a webhook, for one group. */
export const trackPlayback = (
  groupId: string,
  intent: PlaybackIntent,
  now: number,
  settings: FamilySettings
): Effect.Effect<Either.Either<ScrobbleCommand, Ignored>, never, PlaybackSessions> =>
  Effect.gen(function* () {
    const sessions = yield* PlaybackSessions
    const sessionKey = `${groupId}|${intent.sessionKey}`
    const fKey = finishKey(groupId, intent.mediaKey)
    const session = yield* sessions.getSession(sessionKey)
    const lastFinish = yield* sessions.lastFinish(fKey)
    const admission = admitPlayback(
      intent,
      session._tag === "Some" ? session.value : undefined,
      lastFinish._tag === "Some" ? lastFinish.value : undefined,
      now,
      settings
    )
    if (admission.session !== undefined) yield* sessions.putSession(sessionKey, admission.session)
    if (admission.finishedAt !== undefined) yield* sessions.recordFinish(fKey, admission.finishedAt)
    return admission.result
  })
