import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Option, TestClock } from "effect"
import {
  acceptWebhook,
  deleteFamilyGroup,
  processInboxEntry,
  recoverInbox,
  WebhookInbox
} from "../src/index.js"
import { FamilyScrobbleTest, TestTrakt } from "../src/testing.js"
import { heatMetadata, plexEvent, setupFamily } from "./helpers.js"

/** Run an effect that sleeps (member pacing) to its end under the test clock. */
const settle = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(effect)
    yield* TestClock.adjust(Duration.seconds(5))
    return yield* Fiber.join(fiber)
  })

describe("acceptWebhook", () => {
  it.effect(
    "records a playback event without broadcasting it; processing broadcasts and empties the inbox",
    () =>
      Effect.gen(function* () {
        const trakt = yield* TestTrakt
        const inbox = yield* WebhookInbox
        const { group } = yield* setupFamily("LivingRoom", ["mum", "dad"])
        const accepted = yield* acceptWebhook(
          group.id,
          plexEvent("media.play", "livingroom", heatMetadata, 0)
        )
        if (accepted._tag !== "Accepted") throw new Error("expected the event to be accepted")
        expect(yield* inbox.size()).toBe(1)
        expect(yield* trakt.scrobbles("mum")).toEqual([])
        yield* settle(processInboxEntry(accepted.entry))
        expect(yield* inbox.size()).toBe(0)
        for (const name of ["mum", "dad"]) {
          expect((yield* trakt.scrobbles(name)).map((s) => s.action)).toEqual(["start"])
        }
      }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("answers an unknown group with GroupNotFound and records nothing", () =>
    Effect.gen(function* () {
      const inbox = yield* WebhookInbox
      const error = yield* Effect.flip(
        acceptWebhook("6f1c2a8e-0000-4000-8000-000000000000", plexEvent("media.play", "x", heatMetadata, 0))
      )
      expect(error._tag).toBe("GroupNotFound")
      expect(
        yield* Effect.flip(acceptWebhook("not-a-uuid", plexEvent("media.play", "x", heatMetadata, 0)))
      ).toMatchObject({
        _tag: "GroupNotFound"
      })
      expect(yield* inbox.size()).toBe(0)
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("ignores events of other Plex accounts and non-playback events without recording them", () =>
    Effect.gen(function* () {
      const inbox = yield* WebhookInbox
      const { group } = yield* setupFamily("LivingRoom", ["mum"])
      const other = yield* acceptWebhook(group.id, plexEvent("media.play", "kid", heatMetadata, 0))
      const library = yield* acceptWebhook(group.id, plexEvent("library.new", "LivingRoom", heatMetadata))
      expect(other).toMatchObject({ _tag: "Ignored", ignored: { reason: "other_account" } })
      expect(library).toMatchObject({ _tag: "Ignored", ignored: { reason: "not_playback" } })
      expect(yield* inbox.size()).toBe(0)
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )
})

describe("recoverInbox", () => {
  it.effect("broadcasts what a stopped recorder left, once its lease is over, dated by arrival", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const inbox = yield* WebhookInbox
      const { group } = yield* setupFamily("LivingRoom", ["mum"])
      // Accepted, then the process "died" before processing.
      yield* acceptWebhook(group.id, plexEvent("media.play", "LivingRoom", heatMetadata, 0), {
        lease: "1 minute"
      })
      expect(yield* recoverInbox()).toBe(0)
      yield* TestClock.adjust(Duration.seconds(61))
      expect(yield* settle(recoverInbox())).toBe(1)
      expect((yield* trakt.scrobbles("mum")).map((s) => s.action)).toEqual(["start"])
      expect(yield* inbox.size()).toBe(0)
      expect(yield* recoverInbox()).toBe(0)
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("an entry whose group was deleted is dropped", () =>
    Effect.gen(function* () {
      const inbox = yield* WebhookInbox
      const { group } = yield* setupFamily("LivingRoom", ["mum"])
      const accepted = yield* acceptWebhook(group.id, plexEvent("media.play", "LivingRoom", heatMetadata, 0))
      if (accepted._tag !== "Accepted") throw new Error("expected the event to be accepted")
      yield* deleteFamilyGroup(group.id)
      yield* processInboxEntry(accepted.entry)
      expect(yield* inbox.size()).toBe(0)
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )
})

describe("order across a crash", () => {
  it.effect(
    "a play recorded before a crash and broadcast after the item's pause and finish is not sent: no late start follows a stop",
    () =>
      Effect.gen(function* () {
        const trakt = yield* TestTrakt
        const inbox = yield* WebhookInbox
        const { group } = yield* setupFamily("LivingRoom", ["mum", "dad"])
        // The play is recorded, then its process dies before broadcasting it.
        const play = yield* acceptWebhook(group.id, plexEvent("media.play", "LivingRoom", heatMetadata, 0))
        if (play._tag !== "Accepted") throw new Error("expected the play to be accepted")
        // The next process handles the same item's pause and finish first.
        yield* TestClock.adjust(Duration.minutes(20))
        const pause = yield* acceptWebhook(
          group.id,
          plexEvent("media.pause", "LivingRoom", heatMetadata, 0.4 * heatMetadata.duration)
        )
        if (pause._tag !== "Accepted") throw new Error("expected the pause to be accepted")
        yield* settle(processInboxEntry(pause.entry))
        yield* TestClock.adjust(Duration.minutes(90))
        const finish = yield* acceptWebhook(
          group.id,
          plexEvent("media.scrobble", "LivingRoom", heatMetadata, 0.95 * heatMetadata.duration)
        )
        if (finish._tag !== "Accepted") throw new Error("expected the finish to be accepted")
        yield* settle(processInboxEntry(finish.entry))
        const before = yield* Effect.forEach(["mum", "dad"], (name) => trakt.scrobbles(name))
        // Then the old play is recovered and broadcast: nobody gets it.
        const late = yield* settle(processInboxEntry(play.entry))
        const report = Option.getOrThrow(late)
        if (report._tag !== "Broadcast") throw new Error(`expected a broadcast report, got ${report._tag}`)
        expect(report.broadcast.members.map((m) => [m._tag, "reason" in m ? m.reason : ""])).toEqual([
          ["Skipped", "the member already got this event, or a later one for this item"],
          ["Skipped", "the member already got this event, or a later one for this item"]
        ])
        expect(yield* Effect.forEach(["mum", "dad"], (name) => trakt.scrobbles(name))).toEqual(before)
        expect(yield* inbox.size()).toBe(0)
        // And the same event broadcast again (after a crash mid-broadcast) is not sent twice.
        yield* settle(processInboxEntry(finish.entry))
        expect(yield* Effect.forEach(["mum", "dad"], (name) => trakt.scrobbles(name))).toEqual(before)
      }).pipe(Effect.provide(FamilyScrobbleTest()))
  )
})
