/**
 * All the background work of family scrobbling in one Layer.
 */
import { Layer } from "effect"
import { InboxRecovery, type InboxRecoveryOptions } from "./InboxRecovery.js"
import { OAuthStateExpiry, type OAuthStateExpiryOptions } from "./OAuthStateExpiry.js"
import {
  OnboardingAbandonDetector,
  type OnboardingAbandonDetectorOptions
} from "./OnboardingAbandonDetector.js"
import { RetryWorker, type RetryWorkerOptions } from "./RetryWorker.js"
import { TokenRefresher, type TokenRefresherOptions } from "./TokenRefresher.js"

/** Each worker's options, or `false` to leave it out (for example to run it in another process). */
export interface FamilyScrobbleWorkersOptions {
  /** The retry worker (`RetryWorker`). */
  readonly retry?: RetryWorkerOptions | false
  /** The token refresher (`TokenRefresher`). */
  readonly tokens?: TokenRefresherOptions | false
  /** The abandoned-onboarding detector (`OnboardingAbandonDetector`). */
  readonly abandon?: OnboardingAbandonDetectorOptions | false
  /** The OAuth state expiry (`OAuthStateExpiry`). */
  readonly oauthStates?: OAuthStateExpiryOptions | false
  /** Recovery of webhook events whose broadcast a stopped process left unfinished (`InboxRecovery`). */
  readonly inbox?: InboxRecoveryOptions | false
}

/** Every family-scrobble worker as one Layer. */
export const FamilyScrobbleWorkers = {
  /**
   * The retry worker, the token refresher, the abandoned-onboarding detector, the
   * OAuth state expiry and inbox recovery, each in a fiber of the layer's scope; closing the
   * scope stops them all. Over a shared store (`@org/pg`) any number of processes
   * may run them at once: claims, locks and compare-and-set keep their work apart.
   */
  layer: (options: FamilyScrobbleWorkersOptions = {}) =>
    Layer.mergeAll(
      options.retry === false ? Layer.empty : RetryWorker.layer(options.retry),
      options.tokens === false ? Layer.empty : TokenRefresher.layer(options.tokens),
      options.abandon === false ? Layer.empty : OnboardingAbandonDetector.layer(options.abandon),
      options.oauthStates === false ? Layer.empty : OAuthStateExpiry.layer(options.oauthStates),
      options.inbox === false ? Layer.empty : InboxRecovery.layer(options.inbox)
    )
}
