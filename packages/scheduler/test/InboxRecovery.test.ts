import { describe, expect, it } from "@effect/vitest"
import { acceptWebhook, WebhookInbox } from "@org/family-scrobble"
import { FamilyScrobbleTest, TestTrakt } from "@org/family-scrobble/testing"
import { Duration, Effect, Exit, Scope, TestClock } from "effect"
import { FamilyScrobbleWorkers, InboxRecovery } from "../src/index.js"
import { authorizedFamily, play, start } from "./helpers.js"

describe("InboxRecovery.layer", () => {
  it.effect("broadcasts an event its recorder never broadcast, once the recorder's lease is over", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const inbox = yield* WebhookInbox
      const { group } = yield* authorizedFamily("tv", ["mum", "dad"])
      // Answered, then the process stopped before broadcasting.
      yield* acceptWebhook(group.id, play, { lease: "1 minute" })
      const recovery = yield* start(InboxRecovery.layer())
      yield* TestClock.adjust(Duration.seconds(55))
      expect(yield* trakt.scrobbles("mum")).toEqual([])
      yield* TestClock.adjust(Duration.seconds(10))
      for (const name of ["mum", "dad"]) {
        expect((yield* trakt.scrobbles(name)).map((s) => s.action)).toEqual(["start"])
      }
      expect(yield* inbox.size()).toBe(0)
      yield* Scope.close(recovery, Exit.void)
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("is part of FamilyScrobbleWorkers, and can be left out", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const { group } = yield* authorizedFamily("tv", ["mum"])
      yield* acceptWebhook(group.id, play, { lease: "1 minute" })
      const without = yield* start(FamilyScrobbleWorkers.layer({ inbox: false, tokens: false }))
      yield* TestClock.adjust(Duration.minutes(2))
      expect(yield* trakt.scrobbles("mum")).toEqual([])
      yield* Scope.close(without, Exit.void)
      const all = yield* start(FamilyScrobbleWorkers.layer({ tokens: false }))
      yield* TestClock.adjust(Duration.seconds(5))
      expect((yield* trakt.scrobbles("mum")).map((s) => s.action)).toEqual(["start"])
      yield* Scope.close(all, Exit.void)
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )
})
