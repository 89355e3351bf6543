import { describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Fiber, Ref, TestClock } from "effect"
import { FamilyScrobbleConfig, makeMemberPacer } from "../src/index.js"

/** Run `count` paced exchanges of `member`, each taking `takes`, and return when each started (ms). */
const startsOf = (pacer: ReturnType<typeof makeMemberPacer>, member: string, count: number, takes: number) =>
  Effect.gen(function* () {
    const starts = yield* Ref.make<ReadonlyArray<number>>([])
    const exchange = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      yield* Ref.update(starts, (all) => [...all, now])
      yield* Effect.sleep(Duration.millis(takes))
    })
    return { run: Effect.forEach(Array.from({ length: count }), () => pacer.paced(member, exchange)), starts }
  })

describe("member pacing", () => {
  it.effect("spaces one member's exchanges by the interval, counted from the end of the previous one", () =>
    Effect.gen(function* () {
      const pacer = makeMemberPacer()
      const slow = yield* startsOf(pacer, "slow", 3, 500)
      const fast = yield* startsOf(pacer, "fast", 3, 0)
      const fibers = yield* Effect.all([Effect.fork(slow.run), Effect.fork(fast.run)])
      yield* TestClock.adjust(Duration.seconds(10))
      yield* Effect.forEach(fibers, Fiber.join)
      // A 500 ms answer pushes the next slot to 500 + 1200: the POSTs can never arrive closer than 1.2 s.
      expect(yield* Ref.get(slow.starts)).toEqual([0, 1700, 3400])
      // Members never wait for each other.
      expect(yield* Ref.get(fast.starts)).toEqual([0, 1200, 2400])
    }).pipe(Effect.provide(FamilyScrobbleConfig.layer()))
  )

  it.effect("an interval of zero turns pacing off", () =>
    Effect.gen(function* () {
      const pacer = makeMemberPacer()
      const member = yield* startsOf(pacer, "m", 3, 100)
      const fiber = yield* Effect.fork(member.run)
      yield* TestClock.adjust(Duration.seconds(1))
      yield* Fiber.join(fiber)
      expect(yield* Ref.get(member.starts)).toEqual([0, 100, 200])
    }).pipe(Effect.provide(FamilyScrobbleConfig.layer({ minPostInterval: 0 })))
  )
})
