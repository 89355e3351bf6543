import { describe, expect, it } from "@effect/vitest"
import { DateTime, Duration, Either, Option, Redacted } from "effect"
import {
  defaultSettings,
  makeSettings,
  needsRefresh,
  nextRetryAt,
  refreshDueAt,
  refreshMargin,
  retrySchedule,
  TraktTokens,
  tokenExpiry
} from "../src/index.js"

const tokens = (lifetime: Duration.DurationInput, createdAt = 0) =>
  new TraktTokens({
    accessToken: Redacted.make("a"),
    refreshToken: Redacted.make("r"),
    createdAt: DateTime.unsafeMake(createdAt),
    expiresAt: DateTime.unsafeMake(createdAt + Duration.toMillis(lifetime))
  })

describe("retry policy", () => {
  it("waits 30 s, 1 m, 2 m, 4 m, 8 m and then gives up", () => {
    expect(retrySchedule(defaultSettings).map(Duration.toSeconds)).toEqual([30, 60, 120, 240, 480])
    const now = DateTime.unsafeMake(0)
    const dueAfter = (attempts: number) =>
      Option.map(
        nextRetryAt(now, attempts, Option.none(), defaultSettings),
        (d) => DateTime.toEpochMillis(d) / 1000
      )
    expect([0, 1, 2, 3, 4].map((n) => Option.getOrThrow(dueAfter(n)))).toEqual([30, 60, 120, 240, 480])
    expect(Option.isNone(dueAfter(5))).toBe(true)
  })

  it("lets Retry-After push a retry later, never earlier", () => {
    const now = DateTime.unsafeMake(0)
    const later = nextRetryAt(now, 0, Option.some(Duration.seconds(90)), defaultSettings)
    const earlier = nextRetryAt(now, 0, Option.some(Duration.seconds(5)), defaultSettings)
    expect(Option.map(later, DateTime.toEpochMillis)).toEqual(Option.some(90_000))
    expect(Option.map(earlier, DateTime.toEpochMillis)).toEqual(Option.some(30_000))
  })

  it("follows a configured base delay and attempt count", () => {
    const settings = Either.getOrThrow(makeSettings({ retryBaseDelay: "10 seconds", retryMaxAttempts: 3 }))
    expect(retrySchedule(settings).map(Duration.toSeconds)).toEqual([10, 20, 40])
  })
})

describe("token policy", () => {
  it("computes expiry from Trakt's created_at + expires_in", () => {
    expect(DateTime.toEpochMillis(tokenExpiry(1_700_000_000, 604_800))).toBe((1_700_000_000 + 604_800) * 1000)
  })

  it("refreshes ahead by the smaller of 10 % of the lifetime and one hour", () => {
    expect(Duration.toMinutes(refreshMargin(tokens(Duration.days(90)), defaultSettings))).toBe(60)
    expect(Duration.toMinutes(refreshMargin(tokens(Duration.days(7)), defaultSettings))).toBe(60)
    expect(Duration.toMinutes(refreshMargin(tokens(Duration.hours(24)), defaultSettings))).toBe(60)
    expect(Duration.toMinutes(refreshMargin(tokens(Duration.hours(2)), defaultSettings))).toBe(12)
  })

  it("does not refresh a fresh 24-hour token on the next webhook (the 48-hours-ahead bug)", () => {
    const fresh = tokens(Duration.hours(24), 1_000_000)
    expect(needsRefresh(fresh, DateTime.unsafeMake(1_000_000 + 60_000), defaultSettings)).toBe(false)
    expect(
      needsRefresh(fresh, DateTime.unsafeMake(1_000_000 + Duration.toMillis("22 hours")), defaultSettings)
    ).toBe(false)
    expect(DateTime.toEpochMillis(refreshDueAt(fresh, defaultSettings))).toBe(
      1_000_000 + Duration.toMillis("23 hours")
    )
    expect(
      needsRefresh(fresh, DateTime.unsafeMake(1_000_000 + Duration.toMillis("23 hours")), defaultSettings)
    ).toBe(true)
  })
})

describe("settings", () => {
  it("accepts overrides and names every field out of range", () => {
    expect(Either.isRight(makeSettings({ maxMembers: 4, watchedThreshold: 95, minPostInterval: 0 }))).toBe(
      true
    )
    const invalid = makeSettings({ maxMembers: 0, watchedThreshold: 70, retryBaseDelay: 0 })
    expect(Either.isLeft(invalid)).toBe(true)
    if (Either.isLeft(invalid)) {
      expect(invalid.left._tag).toBe("InvalidConfig")
      expect(invalid.left.message).toMatch(/maxMembers/)
      expect(invalid.left.message).toMatch(/watchedThreshold/)
      expect(invalid.left.message).toMatch(/retryBaseDelay/)
    }
  })
})
