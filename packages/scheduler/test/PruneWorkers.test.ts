import { describe, expect, it } from "@effect/vitest"
import { makePolicy, PruneEngineLive } from "@org/prune"
import {
  ActivitySourceInMemory,
  PlexAccountInMemory,
  PruneChatInMemory,
  PruneMailInMemory,
  PruneStoreInMemory,
  testUser
} from "@org/prune/testing"
import { Duration, Effect, Either, Exit, Layer, Scope, TestClock } from "effect"
import { PruneWorkers } from "../src/index.js"
import { start } from "./helpers.js"

describe("PruneWorkers", () => {
  it.effect("records users first, then runs each pass on its own interval until the scope closes", () => {
    const plex = new PlexAccountInMemory().add(testUser("10"))
    const activity = new ActivitySourceInMemory().watched("10", null)
    const mail = new PruneMailInMemory()
    const policy = Either.getOrThrow(makePolicy({ dryRun: false }))
    const engine = PruneEngineLive({ policy }).pipe(
      Layer.provide(
        Layer.mergeAll(
          plex.layer,
          activity.layer,
          mail.layer,
          new PruneChatInMemory().layer,
          PruneStoreInMemory
        )
      )
    )
    return Effect.gen(function* () {
      const scope = yield* start(
        PruneWorkers.layer({ newUsersEvery: "2 minutes", inactivityEvery: "30 minutes" })
      )
      yield* TestClock.adjust(Duration.zero)
      // Initialized on the first pass: user 10 was already there, no welcome.
      plex.add(testUser("11"))
      yield* TestClock.adjust(Duration.minutes(1))
      expect(mail.sent).toEqual([])
      yield* TestClock.adjust(Duration.minutes(1))
      expect(mail.sent.map((m) => m._tag)).toEqual(["Welcome"])
      yield* Scope.close(scope, Exit.void)
      plex.add(testUser("12"))
      yield* TestClock.adjust(Duration.minutes(10))
      expect(mail.sent.length).toBe(1)
    }).pipe(Effect.provide(engine))
  })
})
