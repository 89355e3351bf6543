/**
 * Port: run several stores' writes as one unit — all of them or none. On
 * Postgres (`@org/pg`'s `PgUnitOfWork`) it is a transaction that every store
 * call inside joins (a nested unit is a savepoint); `UnitOfWork.layerLocal`
 * serves in-memory stores, which cannot roll back: it runs units one at a
 * time, so programs that check everything before they write stay atomic.
 *
 * @since 0.3.0
 */
import { Context, Effect, FiberRef, Layer } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/**
 * @since 0.3.0
 * @category models
 */
export interface UnitOfWorkService {
  /** Run `effect` as one unit: a failure (or a defect) undoes every write made inside it. */
  readonly atomically: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | StoreUnavailable, R>
  /**
   * True where a failure inside a unit really undoes the writes made before it
   * (a database transaction): a program may then skip a check it makes only so
   * as not to write before a later step fails. Absent or false: units cannot
   * roll back, so programs check everything before they write.
   */
  readonly rollsBack?: boolean
}

/**
 * @since 0.3.0
 * @category tags
 */
export class UnitOfWork extends Context.Tag("@org/core/UnitOfWork")<UnitOfWork, UnitOfWorkService>() {
  /** One unit at a time in this process (re-entrant): for the in-memory stores. */
  static readonly layerLocal: Layer.Layer<UnitOfWork> = Layer.sync(UnitOfWork, () => {
    const semaphore = Effect.unsafeMakeSemaphore(1)
    const inside = FiberRef.unsafeMake(false)
    return {
      atomically: (effect) =>
        Effect.flatMap(FiberRef.get(inside), (nested) =>
          nested ? effect : semaphore.withPermits(1)(Effect.locally(effect, inside, true))
        )
    }
  })
}

/**
 * Run `effect` as one unit of the `UnitOfWork` in context.
 *
 * @since 0.3.0
 * @category combinators
 */
export const atomically = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.flatMap(UnitOfWork, (unit) => unit.atomically(effect))
