import { describe, expect, it } from "@effect/vitest"
import { DateTime, Duration, Effect, Option, Redacted, TestClock } from "effect"
import {
  completeAuthorization,
  createFamilyGroup,
  detectAbandonedOnboarding,
  expireOAuthStates,
  GroupStore,
  OAuthStates,
  reauthorizeMember
} from "../src/index.js"
import { FamilyScrobbleTest, TelemetryLog, TestTrakt } from "../src/testing.js"

const stateOf = (url: string) => new URL(url).searchParams.get("state") ?? ""

describe("onboarding", () => {
  it.effect("issues one unguessable, distinct state per member", () =>
    Effect.gen(function* () {
      const created = yield* createFamilyGroup({ plexUsername: "tv", labels: ["A", "B", "C", "D"] })
      const states = created.members.map((m) => stateOf(m.authorizeUrl))
      expect(new Set(states).size).toBe(4)
      for (const state of states) expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(created.members.every((m) => m.expiresAt.epochMillis === Duration.toMillis("30 minutes"))).toBe(
        true
      )
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("authorizes a member through the callback: tokens stored, Trakt username read", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const store = yield* GroupStore
      const created = yield* createFamilyGroup({ plexUsername: "tv", labels: ["Mum", "Dad"] })
      const mum = created.members[0]
      if (mum === undefined) throw new Error("no member")
      const member = yield* completeAuthorization({
        code: trakt.codeFor("mum_trakt"),
        state: stateOf(mum.authorizeUrl)
      })
      expect(member.status).toBe("authorized")
      expect(Option.getOrNull(member.traktUsername)).toBe("mum_trakt")
      const stored = yield* store.findMember(mum.member.id)
      const tokens = Option.flatMap(stored, (m) => m.tokens)
      expect(Option.isSome(tokens) && Redacted.value(tokens.value.accessToken)).toMatch(/^access-mum_trakt/)
      expect(String(Option.getOrNull(tokens))).not.toMatch(/access-mum_trakt/)
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("accepts a state once: a replay is refused and changes nothing", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const created = yield* createFamilyGroup({ plexUsername: "tv", labels: ["Mum"] })
      const state = stateOf(created.members[0]?.authorizeUrl ?? "")
      yield* completeAuthorization({ code: trakt.codeFor("mum"), state })
      const replay = yield* Effect.flip(completeAuthorization({ code: trakt.codeFor("mallory"), state }))
      expect(replay).toMatchObject({ _tag: "OAuthStateInvalid", reason: "used" })
      const forged = yield* Effect.flip(
        completeAuthorization({ code: trakt.codeFor("mallory"), state: "x".repeat(43) })
      )
      expect(forged).toMatchObject({ _tag: "OAuthStateInvalid", reason: "unknown" })
      const store = yield* GroupStore
      const member = yield* store.findMember(created.members[0]?.member.id ?? ("" as never))
      expect(Option.flatMap(member, (m) => m.traktUsername)).toEqual(Option.some("mum"))
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("refuses an expired state", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const created = yield* createFamilyGroup({ plexUsername: "tv", labels: ["Mum"] })
      yield* TestClock.adjust(Duration.minutes(31))
      const error = yield* Effect.flip(
        completeAuthorization({
          code: trakt.codeFor("mum"),
          state: stateOf(created.members[0]?.authorizeUrl ?? "")
        })
      )
      expect(error).toMatchObject({ _tag: "OAuthStateInvalid", reason: "expired" })
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("rejects a Trakt account already in the group and marks the member failed", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const store = yield* GroupStore
      const created = yield* createFamilyGroup({ plexUsername: "tv", labels: ["Mum", "Dad"] })
      const [mum, dad] = created.members
      if (mum === undefined || dad === undefined) throw new Error("members missing")
      yield* completeAuthorization({ code: trakt.codeFor("shared"), state: stateOf(mum.authorizeUrl) })
      const error = yield* Effect.flip(
        completeAuthorization({ code: trakt.codeFor("SHARED"), state: stateOf(dad.authorizeUrl) })
      )
      expect(error).toMatchObject({ _tag: "DuplicateTraktAccount", traktUsername: "SHARED" })
      const stored = yield* store.findMember(dad.member.id)
      expect(Option.map(stored, (m) => m.status)).toEqual(Option.some("failed"))
      expect(Option.flatMap(stored, (m) => m.tokens)).toEqual(Option.none())
      // A new link lets Dad try again with his own account.
      const again = yield* reauthorizeMember(created.group.id, dad.member.id)
      const member = yield* completeAuthorization({
        code: trakt.codeFor("dad"),
        state: stateOf(again.authorizeUrl)
      })
      expect(member.status).toBe("authorized")
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("reports a code Trakt refuses as a typed error", () =>
    Effect.gen(function* () {
      const created = yield* createFamilyGroup({ plexUsername: "tv", labels: ["Mum"] })
      const error = yield* Effect.flip(
        completeAuthorization({ code: "bogus", state: stateOf(created.members[0]?.authorizeUrl ?? "") })
      )
      expect(error._tag).toBe("TraktAuthorizationFailed")
      const missing = yield* Effect.flip(completeAuthorization({ code: "", state: "" }))
      expect(missing._tag).toBe("InvalidInput")
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect(
    "records onboarding_start, onboarding_complete with its duration, and onboarding_abandon at 15 minutes",
    () =>
      Effect.gen(function* () {
        const trakt = yield* TestTrakt
        const log = yield* TelemetryLog
        const created = yield* createFamilyGroup({ plexUsername: "tv", labels: ["Fast", "Slow"] })
        const [fast, slow] = created.members
        if (fast === undefined || slow === undefined) throw new Error("members missing")
        yield* TestClock.adjust(Duration.minutes(3))
        yield* completeAuthorization({ code: trakt.codeFor("fast"), state: stateOf(fast.authorizeUrl) })

        yield* TestClock.adjust(Duration.minutes(11))
        expect((yield* detectAbandonedOnboarding).abandoned).toBe(0)
        yield* TestClock.adjust(Duration.minutes(1).pipe(Duration.sum(Duration.millis(1))))
        expect((yield* detectAbandonedOnboarding).abandoned).toBe(1)
        expect((yield* detectAbandonedOnboarding).abandoned).toBe(0)

        const events = (yield* log.events).map((e) => [
          e.name,
          Option.getOrNull(e.memberId),
          Option.getOrNull(e.durationMs)
        ])
        expect(events).toEqual([
          ["onboarding_start", fast.member.id, null],
          ["onboarding_start", slow.member.id, null],
          ["onboarding_complete", fast.member.id, 180_000],
          ["onboarding_abandon", slow.member.id, 900_001]
        ])
      }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("forgets expired links once they need no more reporting, and not before they are reported", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const states = yield* OAuthStates
      const created = yield* createFamilyGroup({ plexUsername: "tv", labels: ["Used", "Unused"] })
      const [used, unused] = created.members.map((m) => stateOf(m.authorizeUrl))
      if (used === undefined || unused === undefined) throw new Error("members missing")
      yield* completeAuthorization({ code: trakt.codeFor("used"), state: used })
      const refusal = (state: string) =>
        Effect.flatMap(DateTime.now, (now) => Effect.flip(states.consume(state, now))).pipe(
          Effect.map((error) => error.reason)
        )

      // Not expired yet (links live 30 minutes): nothing is forgotten.
      yield* TestClock.adjust(Duration.minutes(29))
      expect(yield* expireOAuthStates).toBe(0)
      expect(yield* refusal(used)).toBe("used")

      // Expired: the used link goes; the unused one stays until it is reported abandoned.
      yield* TestClock.adjust(Duration.minutes(2))
      expect(yield* expireOAuthStates).toBe(1)
      expect(yield* refusal(used)).toBe("unknown")
      expect(yield* refusal(unused)).toBe("expired")

      // Reporting no longer forgets anything by itself; the next expiry run does.
      expect(yield* detectAbandonedOnboarding).toEqual({ abandoned: 1 })
      expect(yield* refusal(unused)).toBe("expired")
      expect(yield* expireOAuthStates).toBe(1)
      expect(yield* refusal(unused)).toBe("unknown")
      expect(yield* expireOAuthStates).toBe(0)
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )
})
