/**
 * A client-side rate limit: at most `limit` calls in any sliding `window`, plus a
 * pause the server can ask for (a 429, or a bucket with nothing remaining).
 */
import { Clock, Duration, Effect, Ref } from "effect"

export interface RateWindow {
  /** Wait until a call may start, then count it. Callers are served in order. */
  readonly take: Effect.Effect<void>
  /** Hold every call until `epochMillis` (a later pause wins). */
  readonly pauseUntil: (epochMillis: number) => Effect.Effect<void>
}

interface WindowState {
  /** Start times of the calls in the current window, oldest first. */
  readonly starts: ReadonlyArray<number>
  readonly pausedUntil: number
}

/** A sliding-window limiter; `limit <= 0` only honours pauses. */
export const makeRateWindow = (limit: number, window: Duration.DurationInput): Effect.Effect<RateWindow> =>
  Effect.gen(function* () {
    const windowMillis = Duration.toMillis(Duration.decode(window))
    const state = yield* Ref.make<WindowState>({ starts: [], pausedUntil: 0 })
    // One waiter at a time: the rest queue behind it in arrival order.
    const turn = yield* Effect.makeSemaphore(1)

    const waitFor = (now: number, current: WindowState): number => {
      const starts = current.starts.filter((start) => start > now - windowMillis)
      const oldestThatMustExpire =
        limit > 0 && starts.length >= limit ? starts[starts.length - limit] : undefined
      const windowWait = oldestThatMustExpire === undefined ? 0 : oldestThatMustExpire + windowMillis - now
      return Math.max(0, current.pausedUntil - now, windowWait)
    }

    const attempt: Effect.Effect<boolean> = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const current = yield* Ref.get(state)
      const wait = waitFor(now, current)
      if (wait > 0) {
        yield* Effect.sleep(Duration.millis(wait))
        return false
      }
      yield* Ref.set(state, {
        starts: [...current.starts.filter((start) => start > now - windowMillis), now],
        pausedUntil: current.pausedUntil
      })
      return true
    })

    const take = turn.withPermits(1)(
      Effect.repeat(attempt, { until: (started) => started }).pipe(Effect.asVoid)
    )

    const pauseUntil = (epochMillis: number) =>
      Ref.update(state, (current) => ({
        starts: current.starts,
        pausedUntil: Math.max(current.pausedUntil, epochMillis)
      }))

    return { take, pauseUntil }
  })
