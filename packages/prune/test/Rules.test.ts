import { describe, expect, it } from "@effect/vitest"
import { type DateTime, Duration, Either, Option } from "effect"
import { decide, forecast, makePolicy, removalRetryDelay } from "../src/index.js"
import { day, facts, known, owner, policy, record, T0, testUser } from "./helpers.js"

const alice = testUser("10")

describe("policy", () => {
  it("defaults to warn at 27, remove at 30, 3 days' notice, 24 h grace, dry run", () => {
    const p = Either.getOrThrow(makePolicy())
    expect([p.warnDays, p.kickDays, p.minNoticeDays, Duration.toHours(p.grace), p.dryRun]).toEqual([
      27,
      30,
      3,
      24,
      true
    ])
  })

  it("rejects warnDays >= kickDays and non-positive days, naming the field", () => {
    const invalid = (input: Parameters<typeof makePolicy>[0]) =>
      Either.flip(makePolicy(input)).pipe(Either.getOrThrow)
    expect(invalid({ warnDays: 30, kickDays: 30 }).field).toBe("warnDays")
    expect(invalid({ warnDays: 0 }).field).toBe("warnDays")
    expect(invalid({ kickDays: -1 }).field).toBe("kickDays")
    expect(invalid({ removalRetry: { maxAttempts: 0 } }).field).toBe("removalRetry.maxAttempts")
  })

  it("backs off removal retries exponentially up to the cap", () => {
    const retry = policy({ removalRetry: { initialDelay: "30 minutes", maxDelay: "2 hours" } }).removalRetry
    expect([1, 2, 3, 4, 5].map((n) => Duration.toMinutes(removalRetryDelay(retry, n)))).toEqual([
      30, 60, 120, 120, 120
    ])
  })
})

describe("timelines", () => {
  it("a new user who watches on day 2 is welcomed, then left alone until 27 days after that watch", () => {
    const p = policy()
    const fresh = record(alice, { welcome: "pending", welcomedAt: Option.none() })
    expect(decide(facts(alice, fresh, known(null, day(0))), p, day(0))._tag).toBe("Welcome")
    const welcomed = record(alice)
    const watched = day(2)
    expect(decide(facts(alice, welcomed, known(watched, day(28))), p, day(28))._tag).toBe("Nothing")
    expect(decide(facts(alice, welcomed, known(watched, day(29))), p, day(29))._tag).toBe("Warn")
  })

  it("a new user who never watches is warned on day 27 of tracking and removed on day 30", () => {
    const p = policy()
    const rec = record(alice)
    // Tracking starts when the 24 h grace ends: day 1.
    expect(decide(facts(alice, rec, known(null, day(27, 23))), p, day(27, 23))._tag).toBe("Nothing")
    const warn = decide(facts(alice, rec, known(null, day(28))), p, day(28))
    expect(warn).toMatchObject({ _tag: "Warn", inactiveDays: 27, daysLeft: 3 })
    const warned = record(alice, { warnedAt: Option.some(day(28)) })
    expect(decide(facts(alice, warned, known(null, day(30, 23))), p, day(30, 23))._tag).toBe("Nothing")
    expect(decide(facts(alice, warned, known(null, day(31))), p, day(31))).toMatchObject({
      _tag: "Remove",
      inactiveDays: 30,
      attempt: 1
    })
  })

  it("an existing user with history is counted from their last watch", () => {
    const p = policy()
    const existing = record(alice, {
      joinedAt: Option.none(),
      welcome: "not-needed",
      welcomedAt: Option.none()
    })
    expect(decide(facts(alice, existing, known(day(0), day(10))), p, day(10))._tag).toBe("Nothing")
    expect(decide(facts(alice, existing, known(day(0), day(27))), p, day(27))._tag).toBe("Warn")
  })

  it("an existing user without history and no join date is skipped, or counted from first seen when asked", () => {
    const existing = record(alice, { joinedAt: Option.none(), welcome: "not-needed" })
    expect(decide(facts(alice, existing, known(null, day(90))), policy(), day(90))).toMatchObject({
      _tag: "Skip",
      reason: "unknown-join-date"
    })
    const firstSeen = policy({ unknownJoinDate: "first-seen" })
    expect(decide(facts(alice, existing, known(null, day(27, 23))), firstSeen, day(27, 23))._tag).toBe(
      "Nothing"
    )
    expect(decide(facts(alice, existing, known(null, day(28))), firstSeen, day(28))._tag).toBe("Warn")
  })

  it("uses plex.tv's acceptance time as the join date of a user recorded silently", () => {
    const existing = record(alice, { joinedAt: Option.some(day(-40)), welcome: "not-needed" })
    expect(decide(facts(alice, existing, known(null, day(0))), policy(), day(0))._tag).toBe("Warn")
  })

  it("a session in progress counts as watching now", () => {
    const warned = record(alice, { warnedAt: Option.some(day(28)) })
    const decision = decide(facts(alice, warned, known(day(0), day(31), true)), policy(), day(31))
    expect(decision).toMatchObject({ _tag: "Nothing", clearWarning: true, inactiveDays: 0 })
  })
})

describe("who is never acted on", () => {
  const p = policy({ vip: ["10", "Bob", "CAROL@example.com"], adminEmail: "admin@example.com" })
  const inactive = (user: ReturnType<typeof testUser>) =>
    decide(facts(user, record(user, { warnedAt: Option.some(day(40)) }), known(null, day(60))), p, day(60))

  it("VIPs by Plex id, username or email, whatever the case", () => {
    expect(inactive(testUser("10"))).toMatchObject({ _tag: "Skip", reason: "vip" })
    expect(inactive(testUser("11", { username: "bob" }))).toMatchObject({ _tag: "Skip", reason: "vip" })
    expect(inactive(testUser("12", { email: "carol@EXAMPLE.com" }))).toMatchObject({
      _tag: "Skip",
      reason: "vip"
    })
    expect(inactive(testUser("13"))._tag).toBe("Remove")
  })

  it("the admin and the owner", () => {
    expect(inactive(testUser("14", { email: "Admin@example.com" }))).toMatchObject({ reason: "admin" })
    expect(inactive(testUser(owner.id))).toMatchObject({ reason: "owner" })
  })

  it("Home and managed users unless opted in", () => {
    expect(inactive(testUser("15", { kind: "home" }))).toMatchObject({ reason: "home-user" })
    expect(inactive(testUser("16", { kind: "managed" }))).toMatchObject({ reason: "managed-user" })
    const optedIn = policy({ includeHomeUsers: true, includeManagedUsers: true })
    const home = testUser("15", { kind: "home" })
    expect(
      decide(
        facts(home, record(home, { warnedAt: Option.some(day(40)) }), known(null, day(60))),
        optedIn,
        day(60)
      )._tag
    ).toBe("Remove")
  })
})

describe("regressions of the old daemon", () => {
  it("1. an activity source error is never read as 'no history'", () => {
    const warned = record(alice, { warnedAt: Option.some(day(28)) })
    const decision = decide(
      facts(alice, warned, { _tag: "Unavailable", reason: "Tautulli answered 500" }),
      policy(),
      day(90)
    )
    expect(decision).toMatchObject({ _tag: "Skip", reason: "activity-unavailable" })
  })

  it("2. a user the engine never recorded gets no invented join date", () => {
    const unrecorded = record(alice, { joinedAt: Option.none(), welcome: "not-needed", firstSeenAt: day(0) })
    expect(decide(facts(alice, unrecorded, known(null, day(0))), policy(), day(0))).toMatchObject({
      _tag: "Skip",
      reason: "unknown-join-date"
    })
  })

  it("3. a user long past the limit at first deploy is warned first and removed only after the notice", () => {
    const p = policy()
    const existing = record(alice, { joinedAt: Option.none(), welcome: "not-needed" })
    const first = decide(facts(alice, existing, known(day(-180), day(0))), p, day(0))
    expect(first).toMatchObject({ _tag: "Warn", daysLeft: 3 })
    const warned = { ...existing, warnedAt: Option.some(day(0)) }
    expect(decide(facts(alice, warned, known(day(-180), day(2, 23))), p, day(2, 23))._tag).toBe("Nothing")
    expect(decide(facts(alice, warned, known(day(-180), day(3))), p, day(3))._tag).toBe("Remove")
  })

  it("4. a warning is cleared when the user watches again, and the next lapse warns again", () => {
    const p = policy()
    const warned = record(alice, { warnedAt: Option.some(day(28)) })
    expect(decide(facts(alice, warned, known(day(29), day(29))), p, day(29))).toMatchObject({
      _tag: "Nothing",
      clearWarning: true
    })
    // Had the warning not been cleared in the store, the next lapse must still warn, not remove.
    const lapse = decide(facts(alice, warned, known(day(29), day(60))), p, day(60))
    expect(lapse).toMatchObject({ _tag: "Warn", clearWarning: true })
  })

  it("7. a failed removal waits for its backoff and stops after the cap", () => {
    const p = policy()
    const failing = (attempts: number, next: DateTime.Utc | null) =>
      record(alice, {
        warnedAt: Option.some(day(28)),
        removalFailure: Option.some({
          attempts,
          lastError: "plex.tv answered 410",
          lastAttemptAt: day(31),
          nextAttemptAt: Option.fromNullable(next),
          gaveUpAt: next === null ? Option.some(day(31)) : Option.none()
        })
      })
    expect(decide(facts(alice, failing(1, day(32)), known(null, day(31, 12))), p, day(31, 12))).toMatchObject(
      {
        _tag: "Skip",
        reason: "removal-retry-pending"
      }
    )
    expect(decide(facts(alice, failing(1, day(32)), known(null, day(32))), p, day(32))).toMatchObject({
      _tag: "Remove",
      attempt: 2
    })
    expect(decide(facts(alice, failing(5, null), known(null, day(90))), p, day(90))).toMatchObject({
      _tag: "Skip",
      reason: "removal-abandoned"
    })
  })

  it("9. a friend who does not share this server is not a candidate", () => {
    const elsewhere = testUser("20", { servers: ["another-server"] })
    expect(
      decide(facts(elsewhere, record(elsewhere), known(null, day(90))), policy(), day(90))
    ).toMatchObject({
      _tag: "Skip",
      reason: "not-on-this-server"
    })
  })

  it("a removed user is not acted on again", () => {
    const removed = record(alice, { warnedAt: Option.some(day(28)), removedAt: Option.some(day(31)) })
    expect(decide(facts(alice, removed, known(null, day(90))), policy(), day(90))).toMatchObject({
      reason: "already-removed"
    })
  })
})

describe("forecast", () => {
  it("assumes the engine warns when due, so a date past the notice shows the removal", () => {
    const p = policy()
    const rec = record(alice)
    const f = facts(alice, rec, known(null, day(10)))
    expect(forecast(f, p, day(10), day(20))._tag).toBe("Nothing")
    expect(forecast(f, p, day(10), day(29))).toMatchObject({
      _tag: "Nothing",
      next: Option.some({ action: "remove" })
    })
    expect(forecast(f, p, day(10), day(31))._tag).toBe("Remove")
  })

  it("a user warned today is removed no sooner than the notice period", () => {
    const existing = record(alice, { joinedAt: Option.none(), welcome: "not-needed" })
    const f = facts(alice, existing, known(day(-100), day(0)))
    expect(forecast(f, policy(), day(0), day(2))._tag).toBe("Nothing")
    expect(forecast(f, policy(), day(0), day(3))._tag).toBe("Remove")
  })

  it("never moves the date back: a date before now is decided as is", () => {
    const f = facts(alice, record(alice), known(null, T0))
    expect(forecast(f, policy(), day(5), day(1))._tag).toBe("Nothing")
  })
})
