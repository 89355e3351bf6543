/**
 * Settings of the family-scrobble domain. Every field has a safe default; an
 * adapter or example reads overrides from its own configuration source and
 * provides them with `FamilyScrobbleConfig.layer`.
 */
import { Context, Duration, Effect, Either, Layer, ParseResult, Schema } from "effect"
import { InvalidConfig } from "./Errors.js"

/** How a Plex pause is sent to Trakt. */
export const PauseMode = Schema.Literal("stop", "pause")
export type PauseMode = typeof PauseMode.Type

/**
 * Who may create a family group from the public pages and endpoints:
 * - `open` (default): anyone who reaches the server, within the rate limits;
 * - `invite`: whoever holds a single-use code the admin made;
 * - `admin`: nobody; the admin creates groups and adds members.
 */
export const OnboardingMode = Schema.Literal("open", "invite", "admin")
export type OnboardingMode = typeof OnboardingMode.Type

export interface FamilySettings {
  /** Who may create family groups (see `OnboardingMode`). Default `open`. */
  readonly onboarding: OnboardingMode
  /** How long an invite code stays valid when the admin gives no other time. Default 7 days. */
  readonly inviteTtl: Duration.Duration
  /** Members per group, 1 to 100. Default 10. */
  readonly maxMembers: number
  /**
   * Progress (80–95 %) from which a `media.stop` counts as watched. Below it a
   * stop is sent clamped under Trakt's own 80 % so no play is recorded. Default 80.
   */
  readonly watchedThreshold: number
  /**
   * `"stop"` (default) sends a Plex pause as `/scrobble/stop` with progress clamped
   * to 1–79.9 %, which Trakt keeps as a paused playback; several major clients moved
   * to this because `/scrobble/pause` proved unreliable. `"pause"` calls
   * `/scrobble/pause`.
   */
  readonly pauseMode: PauseMode
  /** Repeats of the same event in one playback session within this window are dropped. Default 1 s. */
  readonly duplicateWindow: Duration.Duration
  /** A finish of the same item counts once within this window. Default 1 hour. */
  readonly finishWindow: Duration.Duration
  /** Playback sessions idle for longer than this are forgotten. Default 12 hours. */
  readonly sessionIdleTimeout: Duration.Duration
  /** Delay before the first retry; each later retry doubles it. Default 30 s (30 s, 1 m, 2 m, 4 m, 8 m). */
  readonly retryBaseDelay: Duration.Duration
  /** Retries after the first failed delivery before a permanent failure. Default 5. */
  readonly retryMaxAttempts: number
  /**
   * Longest a delivery to one member may take (pacing, refresh and the request)
   * before it is counted as a timeout and queued for retry. It bounds how long a
   * hung member can hold up the next webhook of the group. Default 15 s.
   */
  readonly deliveryTimeout: Duration.Duration
  /**
   * Minimum spacing of one member's POSTs to Trakt. Trakt allows one per second
   * per user, counted when requests arrive; the default 1.2 s leaves 200 ms for
   * network jitter, so two paced requests never arrive less than a second apart.
   */
  readonly minPostInterval: Duration.Duration
  /** Upper bound of the refresh-ahead margin. Default 1 hour. */
  readonly tokenRefreshMaxMargin: Duration.Duration
  /** Refresh-ahead margin as a fraction of the token's lifetime (the smaller margin wins). Default 0.1. */
  readonly tokenRefreshMarginFraction: number
  /** How long an OAuth authorization link stays valid. Default 30 minutes. */
  readonly oauthStateTtl: Duration.Duration
  /** An onboarding not complete this long after it started is reported abandoned. Default 15 minutes. */
  readonly onboardingAbandonAfter: Duration.Duration
}

/** The input form of the settings: every field optional, durations as `Duration.DurationInput`. */
export type FamilySettingsInput = {
  readonly [K in keyof FamilySettings]?: FamilySettings[K] extends Duration.Duration
    ? Duration.DurationInput
    : FamilySettings[K]
}

export const defaultSettings: FamilySettings = {
  onboarding: "open",
  inviteTtl: Duration.days(7),
  maxMembers: 10,
  watchedThreshold: 80,
  pauseMode: "stop",
  duplicateWindow: Duration.seconds(1),
  finishWindow: Duration.hours(1),
  sessionIdleTimeout: Duration.hours(12),
  retryBaseDelay: Duration.seconds(30),
  retryMaxAttempts: 5,
  deliveryTimeout: Duration.seconds(15),
  minPostInterval: Duration.millis(1200),
  tokenRefreshMaxMargin: Duration.hours(1),
  tokenRefreshMarginFraction: 0.1,
  oauthStateTtl: Duration.minutes(30),
  onboardingAbandonAfter: Duration.minutes(15)
}

const PositiveDuration = Schema.DurationFromSelf.pipe(
  Schema.filter((d) => Duration.greaterThan(d, Duration.zero) || "must be longer than zero")
)
const NonNegativeDuration = Schema.DurationFromSelf

const SettingsSchema = Schema.Struct({
  onboarding: OnboardingMode,
  inviteTtl: PositiveDuration,
  maxMembers: Schema.Int.pipe(Schema.between(1, 100)),
  watchedThreshold: Schema.Number.pipe(Schema.between(80, 95)),
  pauseMode: PauseMode,
  duplicateWindow: NonNegativeDuration,
  finishWindow: NonNegativeDuration,
  sessionIdleTimeout: PositiveDuration,
  retryBaseDelay: PositiveDuration,
  retryMaxAttempts: Schema.Int.pipe(Schema.between(0, 50)),
  deliveryTimeout: PositiveDuration,
  minPostInterval: NonNegativeDuration,
  tokenRefreshMaxMargin: PositiveDuration,
  tokenRefreshMarginFraction: Schema.Number.pipe(Schema.greaterThan(0), Schema.lessThan(0.5)),
  oauthStateTtl: PositiveDuration,
  onboardingAbandonAfter: PositiveDuration
})

const durationKeys = [
  "inviteTtl",
  "duplicateWindow",
  "finishWindow",
  "sessionIdleTimeout",
  "retryBaseDelay",
  "deliveryTimeout",
  "minPostInterval",
  "tokenRefreshMaxMargin",
  "oauthStateTtl",
  "onboardingAbandonAfter"
] as const

/** Validate settings; the error names every field that is out of range. */
export const makeSettings = (
  input: FamilySettingsInput = {}
): Either.Either<FamilySettings, InvalidConfig> => {
  const merged: Record<string, unknown> = { ...defaultSettings }
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue
    if ((durationKeys as ReadonlyArray<string>).includes(key)) {
      const decoded = Duration.decodeUnknown(value)
      if (decoded._tag === "None") return Either.left(new InvalidConfig({ issues: `${key}: not a duration` }))
      merged[key] = decoded.value
    } else {
      merged[key] = value
    }
  }
  return Schema.decodeUnknownEither(SettingsSchema, { errors: "all", onExcessProperty: "error" })(
    merged
  ).pipe(
    Either.mapLeft(
      (error) =>
        new InvalidConfig({
          issues: ParseResult.ArrayFormatter.formatErrorSync(error).map(formatIssue).join("; ")
        })
    )
  )
}

const formatIssue = (issue: ParseResult.ArrayFormatterIssue): string =>
  issue.path.length === 0 ? issue.message : `${issue.path.join(".")}: ${issue.message}`

/** The settings in effect; defaults apply when nothing is provided. */
export class FamilyScrobbleConfig extends Context.Reference<FamilyScrobbleConfig>()(
  "@org/family-scrobble/FamilyScrobbleConfig",
  { defaultValue: (): FamilySettings => defaultSettings }
) {
  /** Provide validated settings; fails with `InvalidConfig` when a value is out of range. */
  static layer(input: FamilySettingsInput = {}): Layer.Layer<never, InvalidConfig> {
    return Layer.effect(
      FamilyScrobbleConfig,
      Effect.suspend(() => makeSettings(input))
    )
  }
}
