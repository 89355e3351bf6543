import { describe, expect, it } from "@effect/vitest"
import { createFamilyGroup } from "@org/family-scrobble"
import { FamilyScrobbleTest, TelemetryLog } from "@org/family-scrobble/testing"
import { Duration, Effect, Exit, Option, Scope, TestClock } from "effect"
import { OnboardingAbandonDetector } from "../src/index.js"
import { start } from "./helpers.js"

describe("OnboardingAbandonDetector.layer", () => {
  it.effect("reports an onboarding still unfinished 15 minutes after it started, once", () =>
    Effect.gen(function* () {
      const telemetry = yield* TelemetryLog
      const scope = yield* start(OnboardingAbandonDetector.layer())
      const created = yield* createFamilyGroup({ plexUsername: "tv", labels: ["Slow"] })
      const abandons = Effect.map(telemetry.events, (events) =>
        events
          .filter((e) => e.name === "onboarding_abandon")
          .map((e) => [Option.getOrNull(e.memberId), Option.getOrNull(e.durationMs)])
      )
      yield* TestClock.adjust(Duration.minutes(15))
      expect(yield* abandons).toEqual([])
      // Reported by the next run (every minute), 15 minutes and at most one run late.
      yield* TestClock.adjust(Duration.minutes(1))
      expect(yield* abandons).toEqual([[created.members[0]?.member.id, 16 * 60_000]])
      yield* TestClock.adjust(Duration.hours(1))
      expect((yield* abandons).length).toBe(1)
      yield* Scope.close(scope, Exit.void)
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )
})
