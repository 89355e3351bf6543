/**
 * A job that runs at start and then on a fixed interval until interrupted. One
 * run's failure or defect is logged and the next run happens on time: a
 * periodic job never stops by itself.
 */
import { Cause, Duration, Effect, Layer, Schedule } from "effect"

/** How a periodic job is run and reported. */
export interface PeriodicJobOptions<A> {
  /** The job's name in logs: every line it writes carries the annotation `worker: <name>`. */
  readonly name: string
  /** Time between the starts of two runs (a run longer than this is followed at once). Must be positive. */
  readonly interval: Duration.DurationInput
  /**
   * Whether a run's result is worth an info line. Runs that did nothing log at
   * debug, so an idle job is quiet at the default log level. Default: every run.
   */
  readonly didWork?: (result: A) => boolean
}

/** A run's result as log annotations: an object's fields, anything else as `result`. */
const annotationsOf = (result: unknown): Record<string, unknown> =>
  typeof result === "object" && result !== null ? { ...result } : { result }

const runPeriodically = <A, E, R>(
  job: Effect.Effect<A, E, R>,
  options: PeriodicJobOptions<A>
): Effect.Effect<never, never, R> =>
  Effect.suspend(() => {
    const interval = Duration.decode(options.interval)
    if (!Duration.greaterThan(interval, Duration.zero)) {
      return Effect.dieMessage(`the interval of ${options.name} must be longer than zero`)
    }
    const didWork = options.didWork ?? (() => true)
    const once = job.pipe(
      Effect.flatMap((result) =>
        (didWork(result) ? Effect.logInfo("run finished") : Effect.logDebug("run finished")).pipe(
          Effect.annotateLogs(annotationsOf(result))
        )
      ),
      Effect.catchAllCause((cause) =>
        // An interruption is the loop being stopped, not a failed run.
        Cause.isInterruptedOnly(cause) ? Effect.failCause(cause) : Effect.logError("run failed", cause)
      )
    )
    return once.pipe(Effect.repeat(Schedule.fixed(interval)), Effect.zipRight(Effect.never))
  }).pipe(Effect.annotateLogs({ worker: options.name }), Effect.orDie)

/** Periodic jobs: `PeriodicJob.run` as an effect, `PeriodicJob.layer` as a background fiber of a scope. */
export const PeriodicJob = {
  /**
   * Run `job` now and then every `interval`, forever. A run that fails or dies is
   * logged with `Effect.logError` and the loop goes on; a run's result is logged
   * (its fields as annotations) at info when `didWork` says so, else at debug.
   * Interrupt the fiber to stop: the run in progress is interrupted.
   */
  run: <A, E, R>(
    job: Effect.Effect<A, E, R>,
    options: PeriodicJobOptions<A>
  ): Effect.Effect<never, never, R> => runPeriodically(job, options),
  /**
   * `PeriodicJob.run` in a fiber that lives as long as the layer's scope: it starts
   * when the layer is built and is interrupted when the scope closes.
   */
  layer: <A, E, R>(
    job: Effect.Effect<A, E, R>,
    options: PeriodicJobOptions<A>
  ): Layer.Layer<never, never, R> => Layer.scopedDiscard(Effect.forkScoped(runPeriodically(job, options)))
}
