/**
 * Group commit for a store's writes: a caller's write waits in a plain array
 * (registered with `Effect.async`, no queue or deferred of its own), one
 * `setImmediate` gathers the writes that arrive in the same turn of the event
 * loop, and up to `writers` batches run at once, each in a fiber of the
 * store's scope. `take` picks the next batch out of the waiting writes (and
 * may leave writes for later, e.g. those whose rows a running batch holds);
 * `release` runs when a batch ends, before the next is picked.
 *
 * @internal
 */
import { Effect, FiberSet, type Scope } from "effect"

export interface GroupCommitOptions<I> {
  /** Batches in flight at once. */
  readonly writers: number
  /** Remove the next batch from `pending` and return it (empty: nothing can run now). */
  readonly take: (pending: Array<I>) => Array<I>
  /** Write a batch and answer each of its writes. */
  readonly run: (batch: ReadonlyArray<I>) => Effect.Effect<void>
  /** After a batch, whatever its outcome. */
  readonly release?: (batch: ReadonlyArray<I>) => void
}

/** The batches' dispatcher: the function that hands it a write. */
export const makeGroupCommit = <I>(
  options: GroupCommitOptions<I>
): Effect.Effect<(item: I) => void, never, Scope.Scope> =>
  Effect.map(FiberSet.makeRuntime<never, void, never>(), (runFork) => {
    const pending: Array<I> = []
    let inFlight = 0
    let scheduled = false
    const pump = () => {
      scheduled = false
      while (inFlight < options.writers && pending.length > 0) {
        const batch = options.take(pending)
        if (batch.length === 0) return
        inFlight++
        runFork(
          Effect.ensuring(
            options.run(batch),
            Effect.sync(() => {
              inFlight--
              options.release?.(batch)
              pump()
            })
          )
        )
      }
    }
    return (item: I) => {
      pending.push(item)
      if (!scheduled && inFlight < options.writers) {
        scheduled = true
        setImmediate(pump)
      }
    }
  })
