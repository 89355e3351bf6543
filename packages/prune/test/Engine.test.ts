import { describe, expect, it } from "@effect/vitest"
import { DateTime, Effect, Layer, Option, TestClock } from "effect"
import { makePruneEngine, type PrunePolicyInput, PruneStore } from "../src/index.js"
import {
  ActivitySourceInMemory,
  PlexAccountInMemory,
  PruneChatInMemory,
  PruneMailInMemory,
  PruneStoreInMemory,
  testUser
} from "../src/testing.js"
import { DAY, day, policy, T0 } from "./helpers.js"

const setup = (input: PrunePolicyInput = {}) => {
  const plex = new PlexAccountInMemory()
  const activity = new ActivitySourceInMemory()
  const mail = new PruneMailInMemory()
  const chat = new PruneChatInMemory()
  const p = policy({ adminEmail: "admin@example.com", ...input })
  const ports = Layer.mergeAll(plex.layer, activity.layer, mail.layer, chat.layer, PruneStoreInMemory)
  const engine = (overrides: PrunePolicyInput = {}) =>
    makePruneEngine({
      policy: { ...p, ...policy({ adminEmail: "admin@example.com", ...input, ...overrides }) },
      serverName: "Den"
    })
  return { plex, activity, mail, chat, ports, engine }
}

const at = (d: DateTime.Utc) => TestClock.setTime(DateTime.toEpochMillis(d))

const record = (userId: string) =>
  Effect.flatMap(PruneStore, (store) => store.users).pipe(
    Effect.flatMap((users) => Effect.fromNullable(users.get(userId))),
    Effect.orDie
  )

describe("new-user pass", () => {
  it.effect("records the users already there silently, then welcomes each newcomer once", () => {
    const t = setup()
    t.plex.add(testUser("10"), testUser("11"))
    return Effect.gen(function* () {
      yield* at(day(0))
      const engine = yield* t.engine()
      const first = yield* engine.newUserPass
      expect(first.actions.map((a) => a.action)).toEqual(["record-existing", "record-existing"])
      expect(t.mail.sent).toEqual([])
      t.plex.add(testUser("12"))
      yield* at(day(1))
      yield* engine.newUserPass
      yield* engine.newUserPass
      expect(t.mail.sent.map((m) => m._tag === "Welcome" && m.to.userId)).toEqual(["12"])
      expect(Option.getOrThrow((yield* record("12")).joinedAt)).toEqual(day(1))
      expect((yield* record("12")).welcome).toBe("sent")
    }).pipe(Effect.provide(t.ports))
  })

  it.effect("regression 5: two passes at once never welcome anyone twice", () => {
    const t = setup()
    return Effect.gen(function* () {
      yield* at(day(0))
      const engine = yield* t.engine()
      yield* engine.newUserPass
      for (let i = 0; i < 20; i++) t.plex.add(testUser(String(100 + i)))
      yield* Effect.all([engine.newUserPass, engine.newUserPass, engine.inactivityPass, engine.newUserPass], {
        concurrency: "unbounded"
      })
      expect(t.mail.sent.length).toBe(20)
      expect(new Set(t.mail.sent.map((m) => m._tag === "Welcome" && m.to.userId)).size).toBe(20)
    }).pipe(Effect.provide(t.ports))
  })

  it.effect("a welcome that fails is sent by a later pass once its claim lapses", () => {
    const t = setup()
    return Effect.gen(function* () {
      yield* at(day(0))
      const engine = yield* t.engine()
      yield* engine.newUserPass
      t.plex.add(testUser("12"))
      t.mail.failFor.add("user12@example.com")
      const failed = yield* engine.newUserPass
      expect(failed.actions.find((a) => a.action === "welcome")?.outcome).toBe("failed")
      t.mail.failFor.clear()
      yield* engine.newUserPass
      expect(t.mail.sent).toEqual([])
      yield* at(DateTime.add(day(0), { minutes: 11 }))
      yield* engine.newUserPass
      expect(t.mail.sent.length).toBe(1)
    }).pipe(Effect.provide(t.ports))
  })

  it.effect("a welcome refused for good is not retried", () => {
    const t = setup()
    return Effect.gen(function* () {
      yield* at(day(0))
      const engine = yield* t.engine()
      yield* engine.newUserPass
      t.plex.add(testUser("12"))
      t.mail.rejectFor.add("user12@example.com")
      const first = yield* engine.newUserPass
      expect(first.actions.find((a) => a.action === "welcome")?.reason).toMatch(/not retried/)
      yield* at(DateTime.add(day(0), { hours: 1 }))
      const later = yield* engine.newUserPass
      expect(later.actions.filter((a) => a.action === "welcome")).toEqual([])
    }).pipe(Effect.provide(t.ports))
  })

  it.effect("a VIP is recorded without a welcome", () => {
    const t = setup({ vip: ["vipuser"] })
    return Effect.gen(function* () {
      yield* at(day(0))
      const engine = yield* t.engine()
      yield* engine.newUserPass
      t.plex.add(testUser("13", { username: "VIPUser" }))
      yield* engine.newUserPass
      expect(t.mail.sent).toEqual([])
      expect((yield* record("13")).welcome).toBe("not-needed")
    }).pipe(Effect.provide(t.ports))
  })
})

describe("inactivity pass", () => {
  /** User 10 joined on day 0 (after the first run) and never watched. */
  const newcomer = (input: PrunePolicyInput = {}) => {
    const t = setup(input)
    t.activity.watched("10", null)
    return {
      t,
      start: Effect.gen(function* () {
        yield* at(DateTime.subtract(T0, { hours: 1 }))
        const engine = yield* t.engine()
        yield* engine.newUserPass
        t.plex.add(testUser("10"))
        yield* at(day(0))
        yield* engine.newUserPass
        t.mail.sent.length = 0
        return engine
      })
    }
  }

  it.effect("warns once on day 27 of tracking, removes on day 30, tells the admin and Discord", () => {
    const { t, start } = newcomer()
    return Effect.gen(function* () {
      const engine = yield* start
      yield* at(day(27, 23))
      expect((yield* engine.inactivityPass).actions).toEqual([])
      yield* at(day(28))
      yield* engine.inactivityPass
      yield* engine.inactivityPass
      const warnings = t.mail.sent.filter((m) => m._tag === "Warning")
      expect(warnings).toMatchObject([{ daysLeft: 3 }])
      expect(t.chat.posted.map((m) => m._tag)).toEqual(["Warned"])
      yield* at(day(31))
      yield* engine.inactivityPass
      expect(t.plex.removed).toEqual(["10"])
      expect(Option.isSome((yield* record("10")).removedAt)).toBe(true)
      expect(t.mail.sent.map((m) => m._tag)).toEqual(["Warning", "AdminReport", "Removed", "AdminReport"])
      expect(t.chat.posted.map((m) => m._tag)).toEqual(["Warned", "Removed"])
    }).pipe(Effect.provide(t.ports))
  })

  it.effect("a user who watches between warning and removal is kept and their warning cleared", () => {
    const { t, start } = newcomer()
    return Effect.gen(function* () {
      const engine = yield* start
      yield* at(day(28))
      yield* engine.inactivityPass
      t.activity.watched("10", day(29))
      yield* at(day(31))
      const pass = yield* engine.inactivityPass
      expect(pass.actions.map((a) => a.action)).toEqual(["clear-warning"])
      expect(t.plex.removeCalls).toEqual([])
      expect(Option.isNone((yield* record("10")).warnedAt)).toBe(true)
    }).pipe(Effect.provide(t.ports))
  })

  it.effect(
    "the activity source down: no warnings, no removals, the cycle says why, the admin hears once",
    () => {
      const { t, start } = newcomer()
      const problems = () =>
        t.mail.sent.flatMap((m) =>
          m._tag === "AdminReport" ? m.report.problems.map((p) => `${p.username}: ${p.detail}`) : []
        )
      return Effect.gen(function* () {
        const engine = yield* start
        yield* at(day(28))
        yield* engine.inactivityPass
        t.activity.failure = "Tautulli answered 500"
        yield* at(day(40))
        const pass = yield* engine.inactivityPass
        yield* at(day(40, 1))
        yield* engine.inactivityPass
        expect(t.plex.removeCalls).toEqual([])
        expect(pass.actions.map((a) => [a.action, a.outcome])).toEqual([
          ["cycle", "failed"],
          ["admin-report", "done"]
        ])
        expect(problems()).toEqual([
          "activity source: not answering (Tautulli answered 500): no warnings or removals until it does"
        ])
        t.activity.failure = undefined
        t.activity.watched("10", day(40))
        yield* at(day(40, 2))
        yield* engine.inactivityPass
        yield* at(day(40, 3))
        yield* engine.inactivityPass
        expect(problems().slice(1)).toEqual(["activity source: answering again"])
      }).pipe(Effect.provide(t.ports))
    }
  )

  it.effect(
    "the user list failing fails the pass before anything is done; the admin hears once, and when it is back",
    () => {
      const { t, start } = newcomer()
      return Effect.gen(function* () {
        const engine = yield* start
        t.plex.failList = "plex.tv answered 503"
        yield* at(day(10))
        const result = yield* Effect.either(engine.inactivityPass)
        yield* at(day(10, 1))
        yield* Effect.either(engine.inactivityPass)
        expect(result._tag).toBe("Left")
        const reports = () => t.mail.sent.flatMap((m) => (m._tag === "AdminReport" ? [m.report] : []))
        expect(reports().map((r) => r.problems.map((p) => p.username))).toEqual([["plex.tv"]])
        expect(t.mail.sent.length).toBe(1)
        t.plex.failList = undefined
        yield* at(day(10, 2))
        yield* engine.inactivityPass
        expect(reports().map((r) => r.problems.map((p) => p.detail))).toEqual([
          ["not answering (plex.tv answered 503): no warnings or removals until it does"],
          ["answering again"]
        ])
      }).pipe(Effect.provide(t.ports))
    }
  )

  it.effect(
    "regression 7: a removal that fails is not recorded, is retried with backoff, and the admin hears once and once on giving up",
    () => {
      const { t, start } = newcomer({
        removalRetry: { initialDelay: "1 hour", maxDelay: "4 hours", maxAttempts: 3 }
      })
      return Effect.gen(function* () {
        const engine = yield* start
        yield* at(day(28))
        yield* engine.inactivityPass
        t.plex.failRemoval.set("10", 410)
        const times = [
          day(31),
          day(31, 0.5),
          day(31, 1),
          day(31, 2),
          day(31, 3),
          day(31, 4),
          day(31, 8),
          day(40)
        ]
        for (const time of times) {
          yield* at(time)
          yield* engine.inactivityPass
        }
        // Attempts at +0 h, +1 h and +3 h (backoff 1 h, then 2 h), then no more.
        expect(t.plex.removeCalls).toEqual(["10", "10", "10"])
        expect(Option.isNone((yield* record("10")).removedAt)).toBe(true)
        const reports = t.mail.sent.flatMap((m) => (m._tag === "AdminReport" ? [m.report] : []))
        expect(reports.map((r) => [r.removalFailed.length, r.removalAbandoned.length])).toEqual([
          [0, 0],
          [1, 0],
          [0, 1]
        ])
        expect(t.chat.posted.map((m) => m._tag)).toEqual(["Warned", "RemovalFailed", "RemovalFailed"])
        expect(t.mail.sent.some((m) => m._tag === "Removed")).toBe(false)
      }).pipe(Effect.provide(t.ports))
    }
  )

  it.effect("a warning whose email fails is not recorded, so no removal follows it", () => {
    const { t, start } = newcomer()
    return Effect.gen(function* () {
      const engine = yield* start
      t.mail.failFor.add("user10@example.com")
      yield* at(day(28))
      const pass = yield* engine.inactivityPass
      expect(pass.actions.filter((a) => a.action === "warn")).toMatchObject([{ outcome: "failed" }])
      yield* at(day(40))
      yield* engine.inactivityPass
      expect(t.plex.removeCalls).toEqual([])
      expect(Option.isNone((yield* record("10")).warnedAt)).toBe(true)
      // The admin heard of it once, not every pass.
      const reports = t.mail.sent.flatMap((m) => (m._tag === "AdminReport" ? [m.report.problems.length] : []))
      expect(reports).toEqual([1])
    }).pipe(Effect.provide(t.ports))
  })

  it.effect("regression 6: one user's failure does not stop the pass for the others", () => {
    const t = setup()
    for (const id of ["10", "11", "12"]) t.activity.watched(id, null)
    return Effect.gen(function* () {
      yield* at(DateTime.subtract(T0, { hours: 1 }))
      const engine = yield* t.engine()
      yield* engine.newUserPass
      t.plex.add(testUser("10"), testUser("11"), testUser("12"))
      yield* at(day(0))
      yield* engine.newUserPass
      t.mail.failFor.add("user11@example.com")
      yield* at(day(28))
      yield* engine.inactivityPass
      const warned = t.mail.sent.flatMap((m) => (m._tag === "Warning" ? [m.to.userId] : []))
      expect(warned.sort()).toEqual(["10", "12"])
    }).pipe(Effect.provide(t.ports))
  })

  it.effect("cleans up Tautulli after a removal when asked", () => {
    const { t, start } = newcomer({ activityCleanup: "purge-history" })
    return Effect.gen(function* () {
      const engine = yield* start
      yield* at(day(28))
      yield* engine.inactivityPass
      yield* at(day(31))
      yield* engine.inactivityPass
      expect(t.activity.cleanups).toEqual([{ userId: "10", mode: "purge-history" }])
    }).pipe(Effect.provide(t.ports))
  })

  it.effect("a removed user invited again starts over with a welcome", () => {
    const { t, start } = newcomer()
    return Effect.gen(function* () {
      const engine = yield* start
      yield* at(day(28))
      yield* engine.inactivityPass
      yield* at(day(31))
      yield* engine.inactivityPass
      // Still listed right after the removal (plex.tv catching up): not a new invitation.
      t.plex.add(testUser("10"))
      yield* at(day(31, 0.5))
      yield* engine.newUserPass
      expect(t.mail.sent.some((m) => m._tag === "Welcome")).toBe(false)
      yield* at(day(50))
      yield* engine.newUserPass
      const again = yield* record("10")
      expect([Option.isNone(again.removedAt), Option.isNone(again.warnedAt), again.welcome]).toEqual([
        true,
        true,
        "sent"
      ])
      yield* engine.inactivityPass
      expect(t.plex.removeCalls).toEqual(["10"])
    }).pipe(Effect.provide(t.ports))
  })
})

describe("dry run", () => {
  it.effect("regression 8: plans the same actions and sends, removes and records nothing", () => {
    const t = setup({ dryRun: true })
    t.plex.add(testUser("10"), testUser("11"), testUser("12", { servers: ["elsewhere"] }))
    t.activity.watched("10", day(-60)).watched("11", day(-1)).watched("12", null)
    return Effect.gen(function* () {
      yield* at(day(0))
      const engine = yield* t.engine()
      const before = yield* Effect.flatMap(PruneStore, (s) => Effect.all([s.users, s.initializedAt]))
      const cycle = yield* engine.runOnce
      expect(cycle.inactivity.actions.map((a) => [a.userId, a.action, a.outcome])).toEqual([
        ["10", "warn", "planned"]
      ])
      expect(cycle.inactivity.plan.ignoredUsers).toBe(1)
      expect([t.mail.sent, t.chat.posted, t.plex.removeCalls]).toEqual([[], [], []])
      const after = yield* Effect.flatMap(PruneStore, (s) => Effect.all([s.users, s.initializedAt]))
      expect(after).toEqual(before)
      const audit = yield* Effect.flatMap(PruneStore, (s) => s.auditLog())
      expect(audit.every((entry) => entry.dryRun && entry.outcome === "planned")).toBe(true)
      // Every decision of the pass is in the log, counted with its reasons.
      expect(audit.find((entry) => entry.action === "cycle")?.reason).toBe(
        "2 user(s): 1 warn, 1 nothing; 1 ignored (no share of this server)"
      )
    }).pipe(Effect.provide(t.ports))
  })

  it.effect("plan(at) forecasts the removal of a user who keeps not watching", () => {
    const t = setup({ dryRun: true })
    t.plex.add(testUser("10", { acceptedAt: day(-5) }))
    t.activity.watched("10", null)
    return Effect.gen(function* () {
      yield* at(day(0))
      const engine = yield* t.engine()
      const decisionOn = (d: DateTime.Utc) =>
        engine.plan(d).pipe(Effect.map((plan) => plan.entries[0]?.decision._tag))
      expect(yield* decisionOn(day(0))).toBe("Nothing")
      // Joined on day -5; the clock starts after the 24 h grace.
      expect(yield* decisionOn(DateTime.add(day(-4), { millis: 27 * DAY }))).toBe("Warn")
      expect(yield* decisionOn(DateTime.add(day(-4), { millis: 29 * DAY }))).toBe("Nothing")
      expect(yield* decisionOn(DateTime.add(day(-4), { millis: 30 * DAY }))).toBe("Remove")
    }).pipe(Effect.provide(t.ports))
  })
})
