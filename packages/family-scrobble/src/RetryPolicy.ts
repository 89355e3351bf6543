/**
 * When to retry an undelivered scrobble: 30 s, 1 m, 2 m, 4 m, 8 m by default
 * (`retryBaseDelay` doubling), at most `retryMaxAttempts` retries, then a
 * permanent failure. A `Retry-After` from Trakt can push a retry later, never
 * earlier.
 */
import { DateTime, Duration, Option } from "effect"
import type { FamilySettings } from "./Config.js"

type RetrySettings = Pick<FamilySettings, "retryBaseDelay" | "retryMaxAttempts">

/** Delay before retry number `retry` (1-based): `base × 2^(retry − 1)`. */
export const retryDelay = (retry: number, settings: RetrySettings): Duration.Duration =>
  Duration.times(settings.retryBaseDelay, 2 ** Math.max(0, retry - 1))

/** Every delay of the policy, in order. */
export const retrySchedule = (settings: RetrySettings): ReadonlyArray<Duration.Duration> =>
  Array.from({ length: settings.retryMaxAttempts }, (_, i) => retryDelay(i + 1, settings))

/**
 * After `attemptsMade` retries (0 after the first delivery failed), when the next
 * one is due, or `None` when no retry is left.
 */
export const nextRetryAt = (
  now: DateTime.Utc,
  attemptsMade: number,
  notBefore: Option.Option<Duration.Duration>,
  settings: RetrySettings
): Option.Option<DateTime.Utc> => {
  if (attemptsMade >= settings.retryMaxAttempts) return Option.none()
  const delay = retryDelay(attemptsMade + 1, settings)
  const wait = Option.match(notBefore, { onNone: () => delay, onSome: (after) => Duration.max(delay, after) })
  return Option.some(DateTime.addDuration(now, wait))
}
