import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Ref, Scope, TestClock } from "effect"
import { PeriodicJob } from "../src/index.js"
import { start, withCapturedLogs } from "./helpers.js"

describe("PeriodicJob", () => {
  it.effect("runs at start and then on the interval; failures and defects never stop it", () =>
    withCapturedLogs((logs) =>
      Effect.gen(function* () {
        const runs = yield* Ref.make(0)
        // Run 1 fails, run 2 dies, run 3 did work, the rest did nothing.
        const job = Ref.updateAndGet(runs, (n) => n + 1).pipe(
          Effect.flatMap((n) =>
            n === 1
              ? Effect.fail("store unavailable")
              : n === 2
                ? Effect.die(new Error("bug"))
                : Effect.succeed({ handled: n === 3 ? 2 : 0 })
          )
        )
        const scope = yield* start(
          PeriodicJob.layer(job, {
            name: "sweeper",
            interval: Duration.minutes(1),
            didWork: (report) => report.handled > 0
          })
        )
        yield* TestClock.adjust(Duration.zero)
        expect(yield* Ref.get(runs)).toBe(1)
        yield* TestClock.adjust(Duration.seconds(59))
        expect(yield* Ref.get(runs)).toBe(1)
        yield* TestClock.adjust(Duration.minutes(4).pipe(Duration.sum(Duration.seconds(1))))
        expect(yield* Ref.get(runs)).toBe(6)
        yield* Scope.close(scope, Exit.void)
        yield* TestClock.adjust(Duration.minutes(10))
        expect(yield* Ref.get(runs)).toBe(6)

        const lines = (yield* logs).map((l) => [l.level, l.message, l.annotations])
        expect(lines).toEqual([
          ["ERROR", "run failed", { worker: "sweeper" }],
          ["ERROR", "run failed", { worker: "sweeper" }],
          ["INFO", "run finished", { worker: "sweeper", handled: 2 }],
          ["DEBUG", "run finished", { worker: "sweeper", handled: 0 }],
          ["DEBUG", "run finished", { worker: "sweeper", handled: 0 }],
          ["DEBUG", "run finished", { worker: "sweeper", handled: 0 }]
        ])
        const causes = (yield* logs).slice(0, 2).map((l) => l.cause)
        expect(causes[0]).toMatch(/store unavailable/)
        expect(causes[1]).toMatch(/bug/)
      })
    )
  )

  it.effect("refuses an interval that is not positive", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(PeriodicJob.run(Effect.void, { name: "spin", interval: Duration.zero }))
      expect(Exit.isFailure(exit) && String(exit.cause)).toMatch(/interval of spin must be longer than zero/)
    })
  )
})
