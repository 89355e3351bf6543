import { describe, expect, it } from "@effect/vitest"
import { GroupStore, listGroupNotifications } from "@org/family-scrobble"
import { FamilyScrobbleTest, TestTrakt } from "@org/family-scrobble/testing"
import { Duration, Effect, Exit, Option, Scope, TestClock } from "effect"
import { TokenRefresher } from "../src/index.js"
import { authorizedFamily, start, withCapturedLogs } from "./helpers.js"

// 24-hour tokens are refreshed from one hour before they expire.
const family = FamilyScrobbleTest({ tokenLifetime: Duration.hours(24) })

describe("TokenRefresher.layer", () => {
  it.effect("refreshes a due token at start, then every interval as tokens come due", () =>
    withCapturedLogs((logs) =>
      Effect.gen(function* () {
        const trakt = yield* TestTrakt
        yield* authorizedFamily("tv", ["alice"])
        // Due from 23 h (an hour before it expires).
        yield* TestClock.adjust(Duration.hours(23).pipe(Duration.sum(Duration.minutes(1))))
        const scope = yield* start(TokenRefresher.layer())
        yield* TestClock.adjust(Duration.zero)
        expect(yield* trakt.refreshCount("alice")).toBe(1)

        // The new token is due 23 hours after its refresh: runs before leave it, a run just after renews it.
        yield* TestClock.adjust(Duration.hours(23).pipe(Duration.subtract(Duration.minutes(5))))
        expect(yield* trakt.refreshCount("alice")).toBe(1)
        yield* TestClock.adjust(Duration.minutes(10))
        expect(yield* trakt.refreshCount("alice")).toBe(2)
        yield* Scope.close(scope, Exit.void)

        const runs = (yield* logs).filter(
          (l) => l.annotations.worker === "token-refresher" && l.message === "run finished"
        )
        const report = { worker: "token-refresher", checked: 1, refreshed: 1, expired: 0, unavailable: 0 }
        expect(runs.filter((l) => l.level === "INFO").map((l) => l.annotations)).toEqual([report, report])
        // The other runs, one every 5 minutes, found nothing to do and said so at debug only.
        const idle = runs.filter((l) => l.level === "DEBUG")
        expect(idle.length).toBeGreaterThan(200)
        expect(idle.every((l) => l.annotations.checked === 0)).toBe(true)
      })
    ).pipe(Effect.provide(family))
  )

  it.effect("a member whose refresh Trakt rejects becomes expired, with a token_expired notification", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const store = yield* GroupStore
      const { group, members } = yield* authorizedFamily("tv", ["alice", "bob"])
      yield* trakt.revoke("bob")
      const scope = yield* start(TokenRefresher.layer({ interval: Duration.minutes(10) }))
      yield* TestClock.adjust(Duration.hours(23).pipe(Duration.sum(Duration.minutes(10))))
      const status = (index: number) =>
        Effect.map(
          store.findMember(members[index]?.id ?? ("" as never)),
          Option.map((m) => m.status)
        )
      expect(yield* status(0)).toEqual(Option.some("authorized"))
      expect(yield* status(1)).toEqual(Option.some("expired"))
      expect(yield* trakt.refreshCount("alice")).toBe(1)
      const notes = yield* listGroupNotifications(group.id)
      expect(notes.map((n) => [n.kind, Option.getOrNull(n.memberId)])).toEqual([
        ["token_expired", members[1]?.id]
      ])
      // Later runs leave the expired member alone: still one notification.
      yield* TestClock.adjust(Duration.hours(1))
      expect((yield* listGroupNotifications(group.id)).length).toBe(1)
      yield* Scope.close(scope, Exit.void)
    }).pipe(Effect.provide(family))
  )
})
