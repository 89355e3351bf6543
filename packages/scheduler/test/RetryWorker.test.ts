import { describe, expect, it } from "@effect/vitest"
import { handlePlaybackEvent, RetryQueue, traktHttpFailure } from "@org/family-scrobble"
import { FamilyScrobbleTest, TestTrakt } from "@org/family-scrobble/testing"
import { DateTime, Duration, Effect, Exit, Scope, TestClock } from "effect"
import { RetryWorker } from "../src/index.js"
import { authorizedFamily, play, start } from "./helpers.js"

const family = FamilyScrobbleTest({ settings: { minPostInterval: 0 } })

/** Bob's first delivery of `play` fails with a 503: one retry is queued, due in 30 s. */
const queueOneRetry = Effect.gen(function* () {
  const trakt = yield* TestTrakt
  const queue = yield* RetryQueue
  const { group } = yield* authorizedFamily("tv", ["bob"])
  yield* trakt.fail("bob", traktHttpFailure(503))
  yield* handlePlaybackEvent(group.id, play)
  expect((yield* queue.list(group.id)).map((item) => item.action)).toEqual(["start"])
  return group
})

describe("RetryWorker.layer", () => {
  it.effect("delivers a retry when it is due, and removes it from the queue", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const queue = yield* RetryQueue
      const group = yield* queueOneRetry
      const scope = yield* start(RetryWorker.layer())
      yield* TestClock.adjust(Duration.seconds(29))
      expect((yield* trakt.scrobbles("bob")).map((s) => s.outcome)).toEqual(["503"])
      yield* TestClock.adjust(Duration.seconds(1))
      expect((yield* trakt.scrobbles("bob")).map((s) => [s.at / 1000, s.outcome])).toEqual([
        [0, "503"],
        [30, "start"]
      ])
      expect(yield* queue.list(group.id)).toEqual([])
      yield* Scope.close(scope, Exit.void)
    }).pipe(Effect.provide(family))
  )

  it.effect("closing its scope mid-pass releases the claimed item for another worker at once", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const queue = yield* RetryQueue
      yield* queueOneRetry
      yield* trakt.fail("bob", { _tag: "Hang" })
      const scope = yield* start(RetryWorker.layer())
      yield* TestClock.adjust(Duration.seconds(30))
      // The pass claimed the item and hangs delivering it: nobody else can claim it.
      expect((yield* trakt.scrobbles("bob")).map((s) => s.outcome)).toEqual(["503", "hang"])
      const now = yield* DateTime.now
      const lease = DateTime.addDuration(now, Duration.minutes(5))
      expect(yield* queue.claimDue(now, 10, lease)).toEqual([])

      yield* Scope.close(scope, Exit.void)
      const again = yield* queue.claimDue(now, 10, lease)
      expect(again.map((item) => item.action)).toEqual(["start"])
    }).pipe(Effect.provide(family))
  )

  it.effect("stops working the queue once its scope is closed", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const queue = yield* RetryQueue
      const group = yield* queueOneRetry
      const scope = yield* start(RetryWorker.layer({ pollInterval: Duration.seconds(5) }))
      yield* TestClock.adjust(Duration.seconds(10))
      yield* Scope.close(scope, Exit.void)
      yield* TestClock.adjust(Duration.minutes(5))
      expect((yield* trakt.scrobbles("bob")).map((s) => s.outcome)).toEqual(["503"])
      expect((yield* queue.list(group.id)).length).toBe(1)
    }).pipe(Effect.provide(family))
  )
})
