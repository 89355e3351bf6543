import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Option, Redacted, TestClock } from "effect"
import {
  GroupStore,
  handlePlaybackEvent,
  listGroupNotifications,
  refreshDueTokens,
  refreshMemberTokens,
  traktHttpFailure
} from "../src/index.js"
import { FamilyScrobbleTest, TestTrakt } from "../src/testing.js"
import { heatMetadata, plexEvent, setupFamily } from "./helpers.js"

const play = plexEvent("media.play", "tv", heatMetadata, 0)
const accessOf = (store: GroupStore["Type"], memberId: Parameters<GroupStore["Type"]["findMember"]>[0]) =>
  Effect.map(store.findMember(memberId), (m) =>
    Option.getOrNull(
      Option.map(
        Option.flatMap(m, (x) => x.tokens),
        (t) => Redacted.value(t.accessToken)
      )
    )
  )

describe("tokens", () => {
  it.effect("refreshes a 24-hour token one hour before it expires, not before", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const { group } = yield* setupFamily("tv", ["bob"])
      yield* TestClock.adjust(Duration.hours(22))
      yield* handlePlaybackEvent(group.id, play)
      expect(yield* trakt.refreshCount("bob")).toBe(0)
      yield* TestClock.adjust(Duration.hours(1))
      yield* handlePlaybackEvent(group.id, plexEvent("media.pause", "tv", heatMetadata, 1_000_000))
      expect(yield* trakt.refreshCount("bob")).toBe(1)
      expect((yield* trakt.scrobbles("bob")).map((s) => s.outcome)).toEqual(["start", "pause"])
    }).pipe(Effect.provide(FamilyScrobbleTest({ tokenLifetime: Duration.hours(24) })))
  )

  it.effect("serializes concurrent refreshes of one member: one call to Trakt, one new pair for all", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const store = yield* GroupStore
      const { members } = yield* setupFamily("tv", ["bob"])
      const bob = members[0]
      if (bob === undefined) throw new Error("no member")
      yield* trakt.setLatency("bob", Duration.millis(200))
      yield* TestClock.adjust(Duration.hours(23))
      const fibers = yield* Effect.forEach(Array.from({ length: 5 }), () =>
        Effect.fork(refreshMemberTokens(bob.id, { force: false }))
      )
      yield* TestClock.adjust(Duration.seconds(1))
      const results = yield* Fiber.join(Fiber.all(fibers))
      expect(yield* trakt.refreshCount("bob")).toBe(1)
      const stored = yield* accessOf(store, bob.id)
      expect(new Set(results.map((t) => Redacted.value(t.accessToken)))).toEqual(new Set([stored]))
    }).pipe(Effect.provide(FamilyScrobbleTest({ tokenLifetime: Duration.hours(24) })))
  )

  it.effect("keeps using a still-valid token when Trakt cannot refresh right now", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const store = yield* GroupStore
      const { group, members } = yield* setupFamily("tv", ["bob"])
      const before = yield* accessOf(store, members[0]?.id ?? ("" as never))
      yield* trakt.fail("bob", traktHttpFailure(503), { operation: "refresh" })
      yield* TestClock.adjust(Duration.hours(23).pipe(Duration.sum(Duration.minutes(30))))
      yield* handlePlaybackEvent(group.id, play)
      expect((yield* trakt.scrobbles("bob")).map((s) => s.outcome)).toEqual(["start"])
      expect(yield* accessOf(store, members[0]?.id ?? ("" as never))).toBe(before)
      expect(yield* listGroupNotifications(group.id)).toEqual([])
    }).pipe(Effect.provide(FamilyScrobbleTest({ tokenLifetime: Duration.hours(24) })))
  )

  it.effect("queues the scrobble when the token has expired and Trakt cannot refresh", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const { group } = yield* setupFamily("tv", ["bob"])
      yield* trakt.fail("bob", traktHttpFailure(503), { operation: "refresh" })
      yield* TestClock.adjust(Duration.hours(25))
      const report = yield* handlePlaybackEvent(group.id, play)
      expect(report._tag === "Broadcast" && report.broadcast.members[0]?._tag).toBe("Queued")
    }).pipe(Effect.provide(FamilyScrobbleTest({ tokenLifetime: Duration.hours(24) })))
  )

  it.effect("the refresher job renews due tokens and expires members whose refresh is refused", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const store = yield* GroupStore
      const { group, members } = yield* setupFamily("tv", ["alice", "bob", "carol"])
      yield* TestClock.adjust(Duration.hours(12))
      // Carol signs in again later, so her token is not due yet.
      const carol = members[2]
      if (carol === undefined) throw new Error("no carol")
      yield* refreshMemberTokens(carol.id, { force: true })
      yield* trakt.revoke("bob")
      yield* TestClock.adjust(Duration.hours(11).pipe(Duration.sum(Duration.minutes(1))))
      const report = yield* refreshDueTokens
      expect(report).toEqual({ checked: 2, refreshed: 1, expired: 1, unavailable: 0 })
      const statuses = yield* Effect.forEach(members, (m) =>
        Effect.map(
          store.findMember(m.id),
          Option.map((x) => x.status)
        )
      )
      expect(statuses).toEqual([Option.some("authorized"), Option.some("expired"), Option.some("authorized")])
      expect((yield* listGroupNotifications(group.id)).map((n) => n.kind)).toEqual(["token_expired"])
    }).pipe(Effect.provide(FamilyScrobbleTest({ tokenLifetime: Duration.hours(24) })))
  )
})
