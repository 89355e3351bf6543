/**
 * Running workers as a process of their own, with a graceful shutdown on SIGINT
 * or SIGTERM. The only file of the package that touches `process`.
 */
import { constants } from "node:os"
import { Cause, Deferred, Duration, Effect, Exit, Layer, Scope } from "effect"

/** How `launchUntilSignal` stops. */
export interface LaunchUntilSignalOptions {
  /**
   * Longest wait, after the signal, for the layer's scope to close (workers
   * interrupted, claimed work released). Past it the process gives up waiting
   * and exits with code 1. Default 10 seconds.
   */
  readonly shutdownTimeout?: Duration.DurationInput
  /**
   * Exit the process with the exit code once stopped. Default `true`; with
   * `false` the returned promise resolves with the code instead.
   */
  readonly exit?: boolean
}

const signals = ["SIGINT", "SIGTERM"] as const
type ShutdownSignal = (typeof signals)[number]

/**
 * Builds `layer` and keeps it running until the process receives SIGINT or
 * SIGTERM, then closes its scope, which interrupts the workers so they release
 * what they hold, within `shutdownTimeout`. Logs "workers started", then
 * "workers stopped" and exits with code 0. A second signal exits at once (code
 * 128 + the signal's number); a layer that fails to build, or a shutdown that
 * takes longer than `shutdownTimeout`, exits with code 1.
 *
 * Like `Layer.launch`, for a process of its own: provide every dependency of
 * the layer, and its logger if not the default one.
 */
export const launchUntilSignal = <ROut, E>(
  layer: Layer.Layer<ROut, E, never>,
  options: LaunchUntilSignalOptions = {}
): Promise<number> => {
  const program = Effect.gen(function* () {
    const shutdownTimeout = Duration.decode(options.shutdownTimeout ?? Duration.seconds(10))
    const received = yield* Deferred.make<ShutdownSignal>()
    let signalled = false
    const onSignal = (signal: ShutdownSignal) => {
      // The operator insists: stop waiting for a graceful shutdown.
      if (signalled) process.exit(128 + constants.signals[signal])
      signalled = true
      Deferred.unsafeDone(received, Exit.succeed(signal))
    }
    yield* Effect.acquireRelease(
      Effect.sync(() => {
        for (const signal of signals) process.on(signal, onSignal)
        // Signal listeners do not keep Node running; workers waiting on nothing must not exit.
        return setInterval(() => {}, 2 ** 31 - 1)
      }),
      (keepAlive) =>
        Effect.sync(() => {
          clearInterval(keepAlive)
          for (const signal of signals) process.off(signal, onSignal)
        })
    )

    const scope = yield* Scope.make()
    const close = Scope.close(scope, Exit.void).pipe(Effect.disconnect, Effect.timeoutOption(shutdownTimeout))
    // A signal during start-up interrupts the build; the scope releases what was built.
    const started = yield* Effect.raceFirst(
      Layer.buildWithScope(layer, scope).pipe(Effect.as(true)),
      Deferred.await(received).pipe(Effect.as(false))
    ).pipe(Effect.exit)
    if (Exit.isFailure(started)) {
      yield* Effect.logError("workers failed to start", started.cause)
      yield* close
      return 1
    }
    if (started.value) {
      yield* Effect.logInfo("workers started")
    }
    const signal = yield* Deferred.await(received)
    yield* Effect.logInfo("stopping workers").pipe(Effect.annotateLogs({ signal }))
    const closed = yield* close
    if (closed._tag === "None") {
      yield* Effect.logError(
        `workers did not stop within ${Duration.format(shutdownTimeout)}; exiting without them`
      )
      return 1
    }
    yield* Effect.logInfo("workers stopped")
    return 0
  }).pipe(
    Effect.scoped,
    Effect.catchAllCause((cause) =>
      Effect.logError("workers failed", Cause.isInterruptedOnly(cause) ? "interrupted" : cause).pipe(
        Effect.as(1)
      )
    )
  )
  return Effect.runPromise(program).then((code) => {
    if (options.exit ?? true) process.exit(code)
    return code
  })
}
