/**
 * Work held under a short lease, kept alive by its holder. A live process
 * renews the lease every third of it while the work runs, so it never loses
 * the work however long it takes; a process that dies stops renewing, and what
 * it held comes back to another within one lease. (A long lease instead makes a
 * crash cost its whole length: graphile-worker keeps jobs locked for 4 hours.)
 */
import { DateTime, Duration, Effect, Schedule } from "effect"

/**
 * Run `effect` while renewing a lease of `lease` through `renew(leaseUntil)`,
 * every third of it, until `effect` ends (renewal failures are the store's to
 * report: a missed renewal only shortens the lease).
 */
export const whileLeased =
  <R2>(renew: (leaseUntil: DateTime.Utc) => Effect.Effect<void, never, R2>, lease: Duration.DurationInput) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R | R2> => {
    const length = Duration.decode(lease)
    const every = Duration.millis(Math.max(1, Math.floor(Duration.toMillis(length) / 3)))
    const renewal = Effect.flatMap(DateTime.now, (now) => renew(DateTime.addDuration(now, length))).pipe(
      Effect.repeat(Schedule.spaced(every)),
      Effect.delay(every)
    )
    return Effect.scoped(Effect.zipRight(Effect.forkScoped(renewal), effect))
  }
