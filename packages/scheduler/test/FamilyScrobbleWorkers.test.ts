import { describe, expect, it } from "@effect/vitest"
import { createFamilyGroup, handlePlaybackEvent, RetryQueue, traktHttpFailure } from "@org/family-scrobble"
import { FamilyScrobbleTest, TelemetryLog, TestTrakt } from "@org/family-scrobble/testing"
import { Duration, Effect, Exit, Scope, TestClock } from "effect"
import { FamilyScrobbleWorkers, type FamilyScrobbleWorkersOptions } from "../src/index.js"
import { authorizedFamily, play, start, withCapturedLogs } from "./helpers.js"

/**
 * A retry due in 30 s and an onboarding started at 0, then the workers run for
 * 20 minutes: which of them did their work, and which workers logged anything.
 */
const twentyMinutes = (options: FamilyScrobbleWorkersOptions) =>
  withCapturedLogs((logs) =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const queue = yield* RetryQueue
      const telemetry = yield* TelemetryLog
      const { group } = yield* authorizedFamily("tv", ["bob"])
      yield* trakt.fail("bob", traktHttpFailure(503))
      yield* handlePlaybackEvent(group.id, play)
      yield* createFamilyGroup({ plexUsername: "other", labels: ["Slow"] })

      const scope = yield* start(FamilyScrobbleWorkers.layer(options))
      const abandonedAt: Array<number> = []
      for (let minute = 1; minute <= 20; minute++) {
        yield* TestClock.adjust(Duration.minutes(1))
        const events = yield* telemetry.events
        if (events.some((e) => e.name === "onboarding_abandon") && abandonedAt.length === 0)
          abandonedAt.push(minute)
      }
      const retried = (yield* queue.list(group.id)).length === 0
      yield* Scope.close(scope, Exit.void)
      const workers = new Set((yield* logs).map((l) => l.annotations.worker).filter((w) => w !== undefined))
      return { retried, abandonedAt: abandonedAt[0], workers: [...workers].sort() }
    })
  ).pipe(Effect.provide(FamilyScrobbleTest({ settings: { minPostInterval: 0 } })))

describe("FamilyScrobbleWorkers.layer", () => {
  it.effect("runs every worker unless told otherwise", () =>
    Effect.gen(function* () {
      expect(yield* twentyMinutes({ retry: { pollInterval: "15 seconds" } })).toEqual({
        retried: true,
        abandonedAt: 16,
        workers: [
          "inbox-recovery",
          "oauth-state-expiry",
          "onboarding-abandon-detector",
          "retry-worker",
          "token-refresher"
        ]
      })
    })
  )

  it.effect("leaves out a worker set to false, and passes each its options", () =>
    Effect.gen(function* () {
      expect(
        yield* twentyMinutes({
          retry: false,
          tokens: false,
          inbox: false,
          abandon: { interval: "10 minutes" }
        })
      ).toEqual({
        retried: false,
        abandonedAt: 20,
        workers: ["oauth-state-expiry", "onboarding-abandon-detector"]
      })
      expect(
        yield* twentyMinutes({ retry: { pollInterval: "15 seconds" }, abandon: false, oauthStates: false })
      ).toMatchObject({
        retried: true,
        abandonedAt: undefined
      })
    })
  )
})
