/**
 * Decisions for 100,000 users: `decide` from `@org/prune` over realistic facts,
 * against a baseline that does the least any rule needs (days since the last
 * watch against two thresholds), in the same process.
 */
import { decide, makePolicy, type UserFacts } from "@org/prune"
import { testUser } from "@org/prune/testing"
import { DateTime, Either, Option } from "effect"
import { summarize } from "../stats.js"

const DAY = 86_400_000

export interface DecisionsResult {
  readonly users: number
  readonly sdkMs: { readonly p50: number; readonly min: number }
  readonly baselineMs: { readonly p50: number; readonly min: number }
  readonly counts: Record<string, number>
}

export const runDecisions = (users = 100_000, rounds = 15): DecisionsResult => {
  const policy = Either.getOrThrow(makePolicy({ dryRun: false, vip: ["user7", "user77"] }))
  const now = DateTime.unsafeMake("2026-06-01T00:00:00Z")
  const nowMs = DateTime.toEpochMillis(now)
  const owner = { id: "1", username: "owner", email: "owner@example.com" }
  const facts: Array<UserFacts> = []
  const lastMs: Array<number> = []
  for (let i = 0; i < users; i++) {
    const user = testUser(String(1000 + i), { kind: i % 50 === 0 ? "home" : "friend" })
    // A spread of users: active, near the warning, warned, past the limit, never watched.
    const idleDays = (i * 7919) % 45
    const last = i % 13 === 0 ? null : DateTime.unsafeMake(nowMs - idleDays * DAY)
    const warned =
      idleDays >= 28 && i % 2 === 0
        ? Option.some(DateTime.unsafeMake(nowMs - (idleDays - 27) * DAY))
        : Option.none()
    facts.push({
      user,
      serverId: "server-1",
      owner,
      record: {
        userId: user.id,
        username: user.username,
        email: user.email,
        kind: user.kind,
        firstSeenAt: DateTime.unsafeMake(nowMs - 200 * DAY),
        joinedAt: i % 3 === 0 ? Option.none() : Option.some(DateTime.unsafeMake(nowMs - 100 * DAY)),
        welcome: "sent",
        welcomedAt: Option.none(),
        warnedAt: warned,
        removedAt: Option.none(),
        removalFailure: Option.none()
      },
      activity: {
        _tag: "Known",
        lastWatchedAt: Option.fromNullable(last),
        watchingNow: i % 97 === 0,
        observedAt: now
      }
    })
    lastMs.push(last === null ? nowMs - 100 * DAY : DateTime.toEpochMillis(last))
  }

  const counts: Record<string, number> = {}
  const sdk: Array<number> = []
  const baseline: Array<number> = []
  let sink = 0
  for (let round = 0; round < rounds; round++) {
    let start = performance.now()
    for (let i = 0; i < users; i++) {
      const decision = decide(facts[i] as UserFacts, policy, now)
      if (round === 0) counts[decision._tag] = (counts[decision._tag] ?? 0) + 1
    }
    sdk.push(performance.now() - start)
    start = performance.now()
    for (let i = 0; i < users; i++) {
      const idle = Math.floor((nowMs - (lastMs[i] as number)) / DAY)
      sink += idle >= policy.kickDays ? 2 : idle >= policy.warnDays ? 1 : 0
    }
    baseline.push(performance.now() - start)
  }
  if (sink < 0) throw new Error("unreachable")
  const s = summarize(sdk)
  const b = summarize(baseline)
  return { users, sdkMs: { p50: s.p50, min: s.min }, baselineMs: { p50: b.p50, min: b.min }, counts }
}
