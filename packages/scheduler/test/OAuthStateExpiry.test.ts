import { describe, expect, it } from "@effect/vitest"
import { completeAuthorization, createFamilyGroup, OAuthStates } from "@org/family-scrobble"
import { FamilyScrobbleTest, TestTrakt } from "@org/family-scrobble/testing"
import { DateTime, Duration, Effect, Exit, Layer, Scope, TestClock } from "effect"
import { OAuthStateExpiry, OnboardingAbandonDetector } from "../src/index.js"
import { start, stateOf, withCapturedLogs } from "./helpers.js"

/** Why the callback would refuse `state` now: `unknown` once the state is forgotten. */
const refusal = (state: string) =>
  Effect.gen(function* () {
    const states = yield* OAuthStates
    const error = yield* Effect.flip(states.consume(state, yield* DateTime.now))
    return error.reason
  })

/** Two links issued at 0 and valid 30 minutes: Used's is used at once, Unused's never. */
const twoLinks = Effect.gen(function* () {
  const trakt = yield* TestTrakt
  const created = yield* createFamilyGroup({ plexUsername: "tv", labels: ["Used", "Unused"] })
  const [used, unused] = created.members.map((m) => stateOf(m.authorizeUrl))
  if (used === undefined || unused === undefined) throw new Error("members missing")
  yield* completeAuthorization({ code: trakt.codeFor("used"), state: used })
  return { used, unused }
})

describe("OAuthStateExpiry.layer", () => {
  it.effect("forgets expired states, keeping an unused one until it is reported abandoned", () =>
    Effect.gen(function* () {
      const { used, unused } = yield* twoLinks
      const expiry = yield* start(OAuthStateExpiry.layer())
      yield* TestClock.adjust(Duration.minutes(30))
      expect(yield* refusal(used)).toBe("used")
      // The run at 40 minutes: the used link is forgotten, the unreported one kept.
      yield* TestClock.adjust(Duration.minutes(10))
      expect(yield* refusal(used)).toBe("unknown")
      expect(yield* refusal(unused)).toBe("expired")

      const detector = yield* start(OnboardingAbandonDetector.layer())
      yield* TestClock.adjust(Duration.zero)
      expect(yield* refusal(unused)).toBe("expired")
      yield* TestClock.adjust(Duration.minutes(10))
      expect(yield* refusal(unused)).toBe("unknown")
      yield* Scope.close(detector, Exit.void)
      yield* Scope.close(expiry, Exit.void)
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("a run that dies is logged with the worker's name, and the next run still happens", () =>
    withCapturedLogs((logs) =>
      Effect.gen(function* () {
        const { used } = yield* twoLinks
        yield* TestClock.adjust(Duration.minutes(31))
        // The store is down for the first run only.
        let calls = 0
        const states = yield* OAuthStates
        const flaky = Layer.succeed(OAuthStates, {
          ...states,
          purgeExpired: (before) => {
            calls++
            return calls === 1 ? Effect.die(new Error("connection reset")) : states.purgeExpired(before)
          }
        })
        const scope = yield* start(OAuthStateExpiry.layer().pipe(Layer.provide(flaky)))
        yield* TestClock.adjust(Duration.zero)
        expect(calls).toBe(1)
        expect(yield* refusal(used)).toBe("used")
        yield* TestClock.adjust(Duration.minutes(10))
        expect(calls).toBe(2)
        expect(yield* refusal(used)).toBe("unknown")
        yield* Scope.close(scope, Exit.void)

        const lines = (yield* logs).filter((l) => l.annotations.worker === "oauth-state-expiry")
        const failed = lines.filter((l) => l.level === "ERROR")
        expect(failed.map((l) => l.message)).toEqual(["run failed"])
        expect(failed[0]?.cause).toMatch(/connection reset/)
        expect(lines.filter((l) => l.level === "INFO").map((l) => l.annotations)).toEqual([
          { worker: "oauth-state-expiry", forgotten: 1 }
        ])
      })
    ).pipe(Effect.provide(FamilyScrobbleTest()))
  )
})
