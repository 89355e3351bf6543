/**
 * Group commit for a store's writes: a caller's write waits in a plain array
 * (registered with `Effect.async`, no queue or deferred of its own), one
 * `setImmediate` gathers the writes that arrive in the same turn of the event
 * loop, and up to `writers` batches run at once, each in a fiber of the
 * store's scope. `take` picks the next batch out of the waiting writes (and
 * may leave writes for later, e.g. those whose rows a running batch holds);
 * `release` runs when a batch ends, before the next is picked. A batch whose
 * `write` fails is written again write by write, so one bad write fails alone.
 *
 * @internal
 */
import type { StoreUnavailable } from "@org/core"
import { Effect, Exit, FiberSet, type Scope } from "effect"

/** A write waiting for its batch: `resume` answers its caller. */
export interface Waiting<O> {
  readonly resume: (outcome: Exit.Exit<O, StoreUnavailable>) => void
}

export interface GroupCommitOptions<I extends Waiting<O>, O> {
  /** Batches in flight at once. */
  readonly writers: number
  /** Remove the next batch from `pending` and return it (empty: nothing can run now). */
  readonly take: (pending: Array<I>) => Array<I>
  /** Write a batch: an outcome for each of its writes, in order. */
  readonly write: (batch: ReadonlyArray<I>) => Effect.Effect<ReadonlyArray<O>, StoreUnavailable>
  /** Writes of a failed batch written again at once. Default 1. */
  readonly retryConcurrency?: number | "unbounded"
  /** After a batch, whatever its outcome. */
  readonly release?: (batch: ReadonlyArray<I>) => void
}

/** The batches' dispatcher: the function that hands it a write. */
export const makeGroupCommit = <I extends Waiting<O>, O>(
  options: GroupCommitOptions<I, O>
): Effect.Effect<(item: I) => void, never, Scope.Scope> =>
  Effect.map(FiberSet.makeRuntime<never, void, never>(), (runFork) => {
    const run = (batch: ReadonlyArray<I>) =>
      Effect.flatMap(Effect.exit(options.write(batch)), (together) =>
        Exit.isSuccess(together) || batch.length === 1
          ? Effect.sync(() => {
              for (const [index, item] of batch.entries())
                item.resume(Exit.map(together, (outcomes) => outcomes[index] as O))
            })
          : Effect.forEach(
              batch,
              (item) =>
                Effect.map(Effect.exit(options.write([item])), (exit) =>
                  item.resume(Exit.map(exit, (outcomes) => outcomes[0] as O))
                ),
              { concurrency: options.retryConcurrency ?? 1, discard: true }
            )
      )
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
            run(batch),
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
