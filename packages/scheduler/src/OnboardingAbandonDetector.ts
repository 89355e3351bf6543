/**
 * The abandoned-onboarding detector: reports authorization links still unused
 * `onboardingAbandonAfter` (15 minutes) after they were issued.
 */
import { detectAbandonedOnboarding } from "@org/family-scrobble"
import { Duration } from "effect"
import { PeriodicJob } from "./PeriodicJob.js"

/** Tuning of the abandoned-onboarding detector. */
export interface OnboardingAbandonDetectorOptions {
  /** Time between runs, and so the most an abandonment is reported late. Default 1 minute. */
  readonly interval?: Duration.DurationInput
}

/** The abandoned-onboarding detector as a Layer. */
export const OnboardingAbandonDetector = {
  /**
   * `detectAbandonedOnboarding` at start and every `interval`, in a fiber of the
   * layer's scope. Each abandoned onboarding is recorded once, as the telemetry
   * event `onboarding_abandon`.
   */
  layer: (options: OnboardingAbandonDetectorOptions = {}) =>
    PeriodicJob.layer(detectAbandonedOnboarding, {
      name: "onboarding-abandon-detector",
      interval: options.interval ?? Duration.minutes(1),
      didWork: (report) => report.abandoned > 0
    })
}
