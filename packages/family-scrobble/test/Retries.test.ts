import { describe, expect, it } from "@effect/vitest"
import { DateTime, Duration, Effect, Fiber, TestClock } from "effect"
import {
  createFamilyGroup,
  handlePlaybackEvent,
  listGroupNotifications,
  processDueRetries,
  RetryQueue,
  runRetryWorker,
  traktHttpFailure
} from "../src/index.js"
import { FamilyScrobbleTest, TestTrakt } from "../src/testing.js"
import { captureLogs, episodeMetadata, heatMetadata, plexEvent, setupFamily } from "./helpers.js"

const play = plexEvent("media.play", "tv", heatMetadata, 0)
const pauseAt = (percent: number) =>
  plexEvent("media.pause", "tv", heatMetadata, Math.round((heatMetadata.duration * percent) / 100))
const stopAt = (percent: number) =>
  plexEvent("media.stop", "tv", heatMetadata, Math.round((heatMetadata.duration * percent) / 100))

/** Move the test clock a second at a time, letting the retry worker run at each tick. */
const tick = (seconds: number) =>
  Effect.gen(function* () {
    yield* TestClock.adjust(Duration.seconds(seconds))
  })

const handle = (groupId: string, event = play) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(handlePlaybackEvent(groupId, event))
    yield* TestClock.adjust(Duration.zero)
    return yield* Fiber.join(fiber)
  })

describe("retry queue", () => {
  it.effect(
    "retries at 30 s, 1 m, 2 m, 4 m and 8 m, to the second, then fails permanently and tells the group",
    () =>
      Effect.gen(function* () {
        const trakt = yield* TestTrakt
        const queue = yield* RetryQueue
        const { group } = yield* setupFamily("tv", ["alice", "bob"])
        yield* trakt.fail("bob", traktHttpFailure(503), { times: 100 })
        const worker = yield* Effect.fork(runRetryWorker())
        yield* handle(group.id)
        yield* tick(1000)
        yield* Fiber.interrupt(worker)

        const attempts = (yield* trakt.scrobbles("bob")).map((s) => s.at / 1000)
        expect(attempts).toEqual([0, 30, 90, 210, 450, 930])
        const [item] = yield* queue.list(group.id)
        expect(item).toMatchObject({ status: "permanent_failure", attempts: 5 })
        expect(item?.lastError).toMatch(/503/)
        expect(DateTime.toEpochMillis(item?.updatedAt ?? DateTime.unsafeMake(0))).toBe(930_000)
        const notes = yield* listGroupNotifications(group.id)
        expect(notes.map((n) => n.kind)).toEqual(["permanent_failure"])
        expect(notes[0]?.message).toMatch(/Heat \(1995\).*Label bob/)
        expect((yield* trakt.scrobbles("alice")).length).toBe(1)
      }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("delivers on a later retry and follows a configured schedule", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const queue = yield* RetryQueue
      const { group } = yield* setupFamily("tv", ["bob"])
      yield* trakt.fail("bob", traktHttpFailure(500), { times: 2 })
      const worker = yield* Effect.fork(runRetryWorker())
      yield* handle(group.id)
      yield* tick(60)
      yield* Fiber.interrupt(worker)
      expect((yield* trakt.scrobbles("bob")).map((s) => [s.at / 1000, s.outcome])).toEqual([
        [0, "500"],
        [10, "500"],
        [30, "start"]
      ])
      expect(yield* queue.list(group.id)).toEqual([])
    }).pipe(
      Effect.provide(FamilyScrobbleTest({ settings: { retryBaseDelay: "10 seconds", retryMaxAttempts: 2 } }))
    )
  )

  it.effect("waits for Trakt's Retry-After when it is longer than the schedule", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const { group } = yield* setupFamily("tv", ["bob"])
      yield* trakt.fail("bob", traktHttpFailure(429, { retryAfterSeconds: 100 }))
      const worker = yield* Effect.fork(runRetryWorker())
      yield* handle(group.id)
      yield* tick(120)
      yield* Fiber.interrupt(worker)
      expect((yield* trakt.scrobbles("bob")).map((s) => [s.at / 1000, s.outcome])).toEqual([
        [0, "429"],
        [100, "start"]
      ])
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("never replays a stale start after a newer action was delivered", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const queue = yield* RetryQueue
      const { group } = yield* setupFamily("tv", ["bob"])
      yield* trakt.fail("bob", traktHttpFailure(502))
      const worker = yield* Effect.fork(runRetryWorker())
      yield* handle(group.id)
      expect((yield* queue.list(group.id)).map((i) => i.action)).toEqual(["start"])
      yield* tick(10)
      yield* handle(group.id, pauseAt(40))
      expect(yield* queue.list(group.id)).toEqual([])
      yield* tick(60)
      yield* Fiber.interrupt(worker)
      expect((yield* trakt.scrobbles("bob")).map((s) => [s.at / 1000, s.action, s.outcome])).toEqual([
        [0, "start", "502"],
        [10, "stop", "pause"]
      ])
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("keeps only the newest pending action for a member and item", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const queue = yield* RetryQueue
      const { group } = yield* setupFamily("tv", ["bob"])
      yield* trakt.fail("bob", traktHttpFailure(500), { times: 2 })
      yield* handle(group.id)
      yield* tick(5)
      yield* handle(group.id, pauseAt(30))
      expect((yield* queue.list(group.id)).map((i) => [i.action, i.progress])).toEqual([["stop", 30]])
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("keeps a queued play (stop ≥ 80 %) when a later start is delivered, and delivers it", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const queue = yield* RetryQueue
      const { group } = yield* setupFamily("tv", ["bob"])
      yield* trakt.fail("bob", traktHttpFailure(500))
      const worker = yield* Effect.fork(runRetryWorker())
      yield* handle(group.id, stopAt(95))
      yield* tick(5)
      yield* handle(group.id, play)
      expect((yield* queue.list(group.id)).map((i) => [i.action, i.progress])).toEqual([["stop", 95]])
      yield* tick(40)
      yield* Fiber.interrupt(worker)
      expect((yield* trakt.scrobbles("bob")).map((s) => [s.at / 1000, s.action, s.outcome])).toEqual([
        [0, "stop", "500"],
        [5, "start", "start"],
        [30, "stop", "scrobble"]
      ])
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("processes one group's webhooks one after the other, other groups in parallel", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const a = yield* setupFamily("tv", ["alice"])
      const b = yield* setupFamily("den", ["dave"])
      yield* trakt.setLatency("alice", Duration.millis(500))
      yield* trakt.setLatency("dave", Duration.millis(500))
      const first = yield* Effect.fork(handlePlaybackEvent(a.group.id, play))
      const second = yield* Effect.fork(handlePlaybackEvent(a.group.id, pauseAt(10)))
      const other = yield* Effect.fork(
        handlePlaybackEvent(b.group.id, plexEvent("media.play", "den", heatMetadata, 0))
      )
      yield* TestClock.adjust(Duration.seconds(2))
      yield* Fiber.join(Fiber.zip(Fiber.zip(first, second), other))
      expect((yield* trakt.scrobbles("alice")).map((s) => [s.action, s.at])).toEqual([
        ["start", 0],
        ["stop", 500]
      ])
      expect((yield* trakt.scrobbles("dave")).map((s) => [s.action, s.at])).toEqual([["start", 0]])
    }).pipe(Effect.provide(FamilyScrobbleTest({ settings: { minPostInterval: 0 } })))
  )

  it.effect("drops a removed member's items and gives up on an expired member's", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const queue = yield* RetryQueue
      const { group } = yield* setupFamily("tv", ["alice", "bob"])
      yield* trakt.fail("bob", traktHttpFailure(500))
      yield* handle(group.id)
      yield* trakt.revoke("bob")
      yield* trakt.expireAccessTokens("bob")
      yield* TestClock.adjust(Duration.seconds(30))
      const report = yield* processDueRetries()
      expect(report).toMatchObject({ claimed: 1, permanentlyFailed: 1 })
      const [item] = yield* queue.list(group.id)
      expect(item?.status).toBe("permanent_failure")
      expect(item?.lastError).toMatch(/authorization expired/)
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("releases an item whose retry is interrupted, so it is claimed again", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const queue = yield* RetryQueue
      const { group } = yield* createFamilyGroup({ plexUsername: "unused", labels: ["x"] }).pipe(
        Effect.zipRight(setupFamily("tv", ["bob"]))
      )
      yield* trakt.fail("bob", traktHttpFailure(500))
      yield* handle(group.id)
      yield* trakt.fail("bob", { _tag: "Hang" })
      yield* TestClock.adjust(Duration.seconds(30))
      const pass = yield* Effect.fork(processDueRetries())
      yield* TestClock.adjust(Duration.seconds(1))
      yield* Fiber.interrupt(pass)
      const now = yield* DateTime.now
      const again = yield* queue.claimDue(now, 10, DateTime.addDuration(now, Duration.minutes(5)))
      expect(again.map((i) => i.action)).toEqual(["start"])
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("an interrupted pass releases every item it claimed, started or not", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const queue = yield* RetryQueue
      const { group } = yield* setupFamily("tv", ["bob"])
      yield* trakt.fail("bob", traktHttpFailure(500), { times: 2 })
      yield* handle(group.id)
      yield* TestClock.adjust(Duration.seconds(2))
      yield* handle(group.id, plexEvent("media.play", "tv", episodeMetadata, 0))
      expect((yield* queue.list(group.id)).length).toBe(2)
      // The first retry hangs; the second waits behind it in the group's sequence.
      yield* trakt.fail("bob", { _tag: "Hang" })
      yield* TestClock.adjust(Duration.seconds(40))
      const pass = yield* Effect.fork(processDueRetries())
      yield* TestClock.adjust(Duration.seconds(1))
      yield* Fiber.interrupt(pass)
      const now = yield* DateTime.now
      const again = yield* queue.claimDue(now, 10, DateTime.addDuration(now, Duration.minutes(5)))
      expect(again).toHaveLength(2)
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("every retry log line names the event, the member and the media", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const { group } = yield* setupFamily("tv", ["alice"])
      yield* trakt.fail("alice", traktHttpFailure(503), { times: 2 })
      yield* handle(group.id)
      yield* TestClock.adjust(Duration.seconds(30))
      const { logs } = yield* captureLogs(processDueRetries())
      yield* TestClock.adjust(Duration.seconds(60))
      const second = yield* captureLogs(processDueRetries())
      const lines = [...logs, ...second.logs].filter((l) => l.message.startsWith("retry"))
      expect(lines.map((l) => l.message)).toEqual(["retry failed, rescheduled", "retry delivered"])
      for (const line of lines) {
        expect(line.annotations).toMatchObject({ member_username: "alice", media_title: "Heat (1995)" })
        expect(line.annotations.event_id).toBeTypeOf("string")
      }
      expect(lines[0]?.annotations.error).toMatch(/503/)
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )
})
