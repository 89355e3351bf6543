import { describe, expect, it } from "@effect/vitest"
import { DateTime, Duration, Effect, Fiber, Option, TestClock } from "effect"
import {
  createFamilyGroup,
  GroupStore,
  handlePlaybackEvent,
  listGroupNotifications,
  type MemberOutcome,
  RetryQueue,
  TraktNetworkFailure,
  traktHttpFailure,
  type WebhookReport
} from "../src/index.js"
import { FamilyScrobbleTest, TestTrakt } from "../src/testing.js"
import { captureLogs, heatMetadata, plexEvent, setupFamily } from "./helpers.js"

const family = ["alice", "bob", "carol"]
const play = plexEvent("media.play", "tv", heatMetadata, 0)

const outcomes = (report: WebhookReport) => {
  if (report._tag !== "Broadcast") throw new Error(`ignored: ${report.ignored.detail}`)
  return Object.fromEntries(
    report.broadcast.members.map((m) => [m.member.traktUsername ?? m.member.label, m])
  )
}
const tags = (report: WebhookReport) =>
  Object.fromEntries(Object.entries(outcomes(report)).map(([name, outcome]) => [name, outcome._tag]))
const seconds = (d: DateTime.Utc) => DateTime.toEpochMillis(d) / 1000

/** Run the webhook in a fiber while the test clock moves `by`. */
const handleOver = (groupId: string, event = play, by: Duration.DurationInput = Duration.zero) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(handlePlaybackEvent(groupId, event))
    yield* TestClock.adjust(by)
    return yield* Fiber.join(fiber)
  })

describe("broadcast", () => {
  it.effect("sends the scrobble to every authorized member at the same time", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const { group } = yield* setupFamily("tv", family)
      for (const name of family) yield* trakt.setLatency(name, Duration.millis(100))
      const report = yield* handleOver(group.id, play, Duration.millis(100))
      expect(tags(report)).toEqual({ alice: "Delivered", bob: "Delivered", carol: "Delivered" })
      const sent = [...(yield* trakt.scrobbles())].sort((a, b) => a.username.localeCompare(b.username))
      expect(sent.map((s) => [s.username, s.action, s.progress, s.at, s.outcome])).toEqual(
        family.map((name) => [name, "start", 0, 0, "start"])
      )
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("never lets a failing member delay or fail the others", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const { group } = yield* setupFamily("tv", family)
      yield* trakt.fail("alice", { _tag: "Hang" })
      yield* trakt.fail("bob", traktHttpFailure(503))
      const fiber = yield* Effect.fork(handlePlaybackEvent(group.id, play))
      yield* TestClock.adjust(Duration.zero)
      // Carol is delivered at once while Alice's request hangs.
      expect((yield* trakt.scrobbles("carol")).map((s) => [s.at, s.outcome])).toEqual([[0, "start"]])
      yield* TestClock.adjust(Duration.seconds(15))
      const report = yield* Fiber.join(fiber)
      const byName = outcomes(report)
      expect(tags(report)).toEqual({ alice: "Queued", bob: "Queued", carol: "Delivered" })
      const alice = byName.alice as Extract<MemberOutcome, { _tag: "Queued" }>
      expect(alice.error).toMatch(/longer than 15s/)
      expect(seconds(alice.nextAttemptAt)).toBe(15 + 30)
      const bob = byName.bob as Extract<MemberOutcome, { _tag: "Queued" }>
      expect(seconds(bob.nextAttemptAt)).toBe(30)
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("treats Trakt's 409 as delivered and never queues it", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const queue = yield* RetryQueue
      const { group } = yield* setupFamily("tv", family)
      yield* trakt.fail("bob", traktHttpFailure(409))
      const report = yield* handleOver(group.id, plexEvent("media.scrobble", "tv", heatMetadata))
      expect(outcomes(report).bob).toMatchObject({ _tag: "Delivered", alreadyScrobbled: true })
      expect(yield* queue.list(group.id)).toEqual([])
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("queues 429, 5xx, timeouts and connection errors; Retry-After pushes the retry later", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const queue = yield* RetryQueue
      const names = ["a", "b", "c", "d", "e"]
      const { group, members } = yield* setupFamily("tv", names)
      yield* trakt.fail(
        "a",
        traktHttpFailure(429, { retryAfterSeconds: 120, rateLimit: '{"name":"AUTHED_API_POST_LIMIT"}' })
      )
      yield* trakt.fail("b", traktHttpFailure(429, { retryAfterSeconds: 5 }))
      yield* trakt.fail("c", traktHttpFailure(502))
      yield* trakt.fail("d", new TraktNetworkFailure({ reason: "timeout", detail: "10 s" }))
      yield* trakt.fail("e", new TraktNetworkFailure({ reason: "connection", detail: "ECONNRESET" }))
      const report = yield* handleOver(group.id)
      expect(Object.values(tags(report))).toEqual(["Queued", "Queued", "Queued", "Queued", "Queued"])
      const queued = yield* queue.list(group.id)
      const nameOf = (memberId: string) =>
        Option.getOrNull(members.find((m) => m.id === memberId)?.traktUsername ?? Option.none())
      const dueBy = Object.fromEntries(
        queued.map((item) => [nameOf(item.memberId), seconds(item.nextAttemptAt)])
      )
      expect(dueBy).toEqual({ a: 120, b: 30, c: 30, d: 30, e: 30 })
      expect(
        queued.every((item) => item.status === "queued" && item.attempts === 0 && item.action === "start")
      ).toBe(true)
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("refreshes the token once on a 401 and delivers, paced 1.2 s later", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const { group } = yield* setupFamily("tv", family)
      yield* trakt.expireAccessTokens("bob")
      const report = yield* handleOver(group.id, play, Duration.millis(1200))
      expect(tags(report)).toEqual({ alice: "Delivered", bob: "Delivered", carol: "Delivered" })
      expect((yield* trakt.scrobbles("bob")).map((s) => [s.at, s.outcome])).toEqual([
        [0, "401"],
        [1200, "start"]
      ])
      expect(yield* trakt.refreshCount("bob")).toBe(1)
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect(
    "expires a member whose refresh is refused, tells the admin once, and skips them afterwards",
    () =>
      Effect.gen(function* () {
        const trakt = yield* TestTrakt
        const store = yield* GroupStore
        const queue = yield* RetryQueue
        const { group, members } = yield* setupFamily("tv", family)
        yield* trakt.revoke("bob")
        const report = yield* handleOver(group.id)
        expect(tags(report)).toEqual({ alice: "Delivered", bob: "TokenExpired", carol: "Delivered" })
        const bob = yield* store.findMember(members[1]?.id ?? ("" as never))
        expect(Option.map(bob, (m) => [m.status, Option.isNone(m.tokens)])).toEqual(
          Option.some(["expired", true])
        )
        expect(yield* queue.list(group.id)).toEqual([])

        yield* TestClock.adjust(Duration.seconds(5))
        const next = yield* handleOver(group.id, plexEvent("media.pause", "tv", heatMetadata, 3_000_000))
        expect(tags(next)).toEqual({ alice: "Delivered", bob: "Skipped", carol: "Delivered" })
        const notes = yield* listGroupNotifications(group.id)
        expect(notes.map((n) => n.kind)).toEqual(["token_expired"])
        expect(notes[0]?.message).toMatch(/Label bob/)
      }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("raises one notification for 420/423/426 and retries nothing", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const queue = yield* RetryQueue
      const { group } = yield* setupFamily("tv", ["x", "y", "z"])
      yield* trakt.fail("x", traktHttpFailure(420), { times: 2 })
      yield* trakt.fail("y", traktHttpFailure(423))
      yield* trakt.fail("z", traktHttpFailure(426))
      const report = yield* handleOver(group.id)
      expect(Object.values(tags(report))).toEqual(["NeedsAttention", "NeedsAttention", "NeedsAttention"])
      yield* TestClock.adjust(Duration.seconds(2))
      yield* handleOver(group.id, plexEvent("media.pause", "tv", heatMetadata, 3_000_000))
      const notes = yield* listGroupNotifications(group.id)
      expect(notes.map((n) => n.kind)).toEqual([
        "member_needs_attention",
        "member_needs_attention",
        "member_needs_attention"
      ])
      expect(notes.map((n) => n.message).join(" ")).toMatch(/locked/)
      expect(yield* queue.list(group.id)).toEqual([])
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("drops 404 and 422 with a logged reason and no retry", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const queue = yield* RetryQueue
      const { group } = yield* setupFamily("tv", ["x", "y"])
      yield* trakt.fail("x", traktHttpFailure(404, { detail: "item not found" }))
      yield* trakt.fail("y", traktHttpFailure(422))
      const { result, logs } = yield* captureLogs(handleOver(group.id))
      expect(tags(result)).toEqual({ x: "Dropped", y: "Dropped" })
      expect(yield* queue.list(group.id)).toEqual([])
      const dropped = logs.filter((l) => l.message.includes("dropped"))
      expect(dropped.map((l) => l.annotations.member_username)).toEqual(["x", "y"])
      expect(String(dropped[0]?.annotations.error)).toMatch(/404: item not found/)
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("paces each member's POSTs 1.2 s apart (Trakt's second plus jitter margin)", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const { group } = yield* setupFamily("tv", ["x", "y"])
      yield* handleOver(group.id)
      yield* TestClock.adjust(Duration.millis(200))
      yield* handleOver(
        group.id,
        plexEvent("media.pause", "tv", heatMetadata, 3_000_000),
        Duration.seconds(1)
      )
      for (const name of ["x", "y"]) {
        expect((yield* trakt.scrobbles(name)).map((s) => [s.action, s.at])).toEqual([
          ["start", 0],
          ["stop", 1200]
        ])
      }
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("skips members who have not authorized yet", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const { group } = yield* createFamilyGroup({ plexUsername: "tv", labels: ["Pending"] })
      const report = yield* handleOver(group.id)
      expect(tags(report)).toEqual({ Pending: "Skipped" })
      expect(yield* trakt.scrobbles()).toEqual([])
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect(
    "logs event_id, member_username and media_title on every scrobble line, error on failures, never a token",
    () =>
      Effect.gen(function* () {
        const trakt = yield* TestTrakt
        const { group } = yield* setupFamily("tv", family)
        yield* trakt.fail("bob", traktHttpFailure(500))
        yield* trakt.expireAccessTokens("carol")
        const { result, logs } = yield* captureLogs(handleOver(group.id, play, Duration.seconds(2)))
        const eventId = result.eventId
        const scrobbleLines = logs.filter((l) => /scrobble|retry/.test(l.message))
        expect(scrobbleLines.length).toBeGreaterThanOrEqual(3)
        for (const line of scrobbleLines) {
          expect(line.annotations).toMatchObject({ event_id: eventId, media_title: "Heat (1995)" })
          expect(family).toContain(line.annotations.member_username)
        }
        const failure = scrobbleLines.find((l) => l.annotations.member_username === "bob")
        expect(String(failure?.annotations.error)).toMatch(/500/)
        const everything = JSON.stringify(logs)
        expect(everything).not.toMatch(/access-|refresh-/)
      }).pipe(Effect.provide(FamilyScrobbleTest()))
  )
})
