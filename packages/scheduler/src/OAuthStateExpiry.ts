/**
 * OAuth state expiry: forgets authorization links that have expired, so the
 * store of `state` values does not grow forever.
 */
import { expireOAuthStates } from "@org/family-scrobble"
import { Duration, Effect } from "effect"
import { PeriodicJob } from "./PeriodicJob.js"

/** Tuning of the OAuth state expiry. */
export interface OAuthStateExpiryOptions {
  /** Time between runs. Default 10 minutes. */
  readonly interval?: Duration.DurationInput
}

/** The OAuth state expiry as a Layer. */
export const OAuthStateExpiry = {
  /**
   * `expireOAuthStates` at start and every `interval`, in a fiber of the layer's
   * scope. A link never used is kept until the abandoned-onboarding detector has
   * reported it, so run `OnboardingAbandonDetector` too (as
   * `FamilyScrobbleWorkers` does).
   */
  layer: (options: OAuthStateExpiryOptions = {}) =>
    PeriodicJob.layer(
      Effect.map(expireOAuthStates, (forgotten) => ({ forgotten })),
      {
        name: "oauth-state-expiry",
        interval: options.interval ?? Duration.minutes(10),
        didWork: (report) => report.forgotten > 0
      }
    )
}
