/**
 * `@org/scheduler`: the long-running work of family scrobbling as Layers that
 * start with their scope and stop cleanly when it closes, and a runner for a
 * worker process with a graceful shutdown.
 *
 * @packageDocumentation
 */

export * from "./FamilyScrobbleWorkers.js"
export * from "./InboxRecovery.js"
export * from "./LaunchUntilSignal.js"
export * from "./OAuthStateExpiry.js"
export * from "./OnboardingAbandonDetector.js"
export * from "./PeriodicJob.js"
export * from "./PruneWorkers.js"
export * from "./ResellerRenewals.js"
export * from "./RetryWorker.js"
export * from "./TokenRefresher.js"
