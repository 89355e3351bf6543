/**
 * The token refresher: renews members' Trakt tokens before they expire, so a
 * webhook rarely has to wait for a refresh.
 */
import { refreshDueTokens } from "@org/family-scrobble"
import { Duration } from "effect"
import { PeriodicJob } from "./PeriodicJob.js"

/** Tuning of the token refresher. */
export interface TokenRefresherOptions {
  /** Time between runs. Default 5 minutes, well inside the hour before expiry in which Trakt tokens are refreshed. */
  readonly interval?: Duration.DurationInput
}

/** The token refresher as a Layer. */
export const TokenRefresher = {
  /**
   * `refreshDueTokens` at start and every `interval`, in a fiber of the layer's
   * scope. A member whose refresh token Trakt refuses becomes `expired` and the
   * group admin gets a `token_expired` notification; a refresh Trakt cannot do
   * right now is tried again on a later run.
   */
  layer: (options: TokenRefresherOptions = {}) =>
    PeriodicJob.layer(refreshDueTokens, {
      name: "token-refresher",
      interval: options.interval ?? Duration.minutes(5),
      didWork: (report) => report.checked > 0
    })
}
