/**
 * The retry worker: works the retry queue in the background for as long as its
 * layer's scope is open.
 */
import { runRetryWorker } from "@org/family-scrobble"
import { type Duration, Effect, Layer } from "effect"

/** Tuning of the retry worker; every field has the default of `runRetryWorker`. */
export interface RetryWorkerOptions {
  /** Wait between passes when the last one did not fill a batch. Default 1 second. */
  readonly pollInterval?: Duration.DurationInput
  /** Items claimed per pass. Default 100. */
  readonly limit?: number
  /**
   * How long claimed items stay reserved for this worker without a renewal: the
   * worker renews it every third while it works on them, and a worker that dies
   * holds them no longer than this. Default 10 seconds.
   */
  readonly lease?: Duration.DurationInput
}

/** The annotation `worker` of every log line of the retry worker. */
const name = "retry-worker"

/** The retry worker as a Layer. */
export const RetryWorker = {
  /**
   * `runRetryWorker` in a fiber of the layer's scope. Closing the scope interrupts
   * it; the pass in progress then releases every item it claimed, so another
   * worker can take them at once instead of after their lease.
   */
  layer: (options: RetryWorkerOptions = {}) =>
    Layer.scopedDiscard(
      Effect.forkScoped(runRetryWorker(options).pipe(Effect.annotateLogs({ worker: name })))
    )
}
