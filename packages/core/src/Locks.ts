/**
 * Port: mutual exclusion by key, across every process that shares the storage.
 *
 * A domain names its keys (`family-scrobble:group:<id>`); a storage adapter
 * excludes across processes (`@org/pg`'s lease rows); `Locks.layerLocal` serves
 * one process.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"

/**
 * @since 0.1.0
 * @category models
 */
export interface LocksService {
  /** Run `effect` while holding the lock named `key`; waits for the holder to finish. */
  readonly withLock: (key: string) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

/**
 * In-process keyed locks; an entry lives only while someone holds or waits for it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeLocalLocks = (): LocksService => {
  const entries = new Map<string, { readonly semaphore: Effect.Semaphore; users: number }>()
  return {
    withLock:
      (key) =>
      <A, E, R>(effect: Effect.Effect<A, E, R>) =>
        Effect.acquireUseRelease(
          Effect.sync(() => {
            let entry = entries.get(key)
            if (entry === undefined) {
              entry = { semaphore: Effect.unsafeMakeSemaphore(1), users: 0 }
              entries.set(key, entry)
            }
            entry.users++
            return entry
          }),
          (entry) => entry.semaphore.withPermits(1)(effect),
          (entry) =>
            Effect.sync(() => {
              entry.users--
              if (entry.users === 0) entries.delete(key)
            })
        )
  }
}

/**
 * @since 0.1.0
 * @category services
 */
export class Locks extends Context.Tag("@org/core/Locks")<Locks, LocksService>() {
  /** In-process locks: correct for a single process, which is all it promises. */
  static readonly layerLocal: Layer.Layer<Locks> = Layer.sync(Locks, () => makeLocalLocks())
}
