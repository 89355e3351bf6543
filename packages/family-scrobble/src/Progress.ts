/**
 * Playback progress as Trakt wants it: a percentage, 0 to 100.
 */
import { type Progress, toProgress } from "./ScrobbleAction.js"

/** `viewOffset / duration × 100`, clamped to 0–100 (Plex has sent offsets past the end). */
export const progressFromOffset = (
  viewOffset: number | undefined,
  duration: number | undefined
): Progress | undefined => {
  if (viewOffset === undefined || duration === undefined) return undefined
  if (!Number.isFinite(viewOffset) || !Number.isFinite(duration) || duration <= 0) return undefined
  return toProgress((viewOffset / duration) * 100)
}

/** Trakt answers 422 to a stop below 1 %. */
export const MIN_STOP_PROGRESS = 1
/** Highest progress of a stop that Trakt keeps as a pause instead of recording a play. */
export const MAX_PAUSE_PROGRESS = 79.9
/** Trakt records a play for a stop at or above this. */
export const TRAKT_PLAY_THRESHOLD = 80
/** `media.scrobble` is Plex's "watched" (about 90 %); it is sent as a stop at no less than this. */
export const SCROBBLE_EVENT_PROGRESS = 90

/** A stop that must not record a play: 1 to 79.9 %. */
export const clampToPause = (progress: number): Progress =>
  toProgress(Math.min(MAX_PAUSE_PROGRESS, Math.max(MIN_STOP_PROGRESS, progress)))

/** A stop that records a play: at least Trakt's threshold. */
export const clampToPlay = (progress: number): Progress =>
  toProgress(Math.max(TRAKT_PLAY_THRESHOLD, progress))
