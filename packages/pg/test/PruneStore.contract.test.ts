/**
 * One contract for the prune engine's `PruneStore` port, run against the
 * in-memory reference, the Postgres server and embedded PGlite. Each test takes
 * a fresh, empty store: initialization and the audit log are global to a store.
 */
import { SqlClient } from "@effect/sql"
import { addEqualityTesters, expect, layer } from "@effect/vitest"
import {
  type AuditAction,
  type AuditEntry,
  type NewUser,
  type PlexUserKind,
  PruneStore,
  type RemovalFailure,
  type UserRecord
} from "@org/prune"
import { Effect, Exit, Option } from "effect"
import { PgStoreConfig } from "../src/PgStoreConfig.js"
import { PrunePg } from "../src/prune/PrunePg.js"
import { at } from "./fixtures.js"
import { dropSchema, freshSchema, pruneStoreTargets } from "./harness.js"

// DateTime and Option compare by value (Equal), not by their object layout.
addEqualityTesters()

const user = (
  id: string,
  options: { readonly kind?: PlexUserKind; readonly joinedAt?: number } = {}
): NewUser => ({
  userId: id,
  username: `user-${id}`,
  email: `${id}@example.com`,
  kind: options.kind ?? "friend",
  joinedAt: options.joinedAt === undefined ? Option.none() : Option.some(at(options.joinedAt))
})

/** The record a new user starts as, as the port describes it. */
const recorded = (
  newUser: NewUser,
  seconds: number,
  welcome: UserRecord["welcome"],
  changes: Partial<UserRecord> = {}
): UserRecord => ({
  userId: newUser.userId,
  username: newUser.username,
  email: newUser.email,
  kind: newUser.kind,
  firstSeenAt: at(seconds),
  joinedAt: newUser.joinedAt,
  welcome,
  welcomedAt: Option.none(),
  warnedAt: Option.none(),
  removedAt: Option.none(),
  removalFailure: Option.none(),
  ...changes
})

const failure = (attempts: number, seconds: number, retryAt?: number): RemovalFailure => ({
  attempts,
  lastError: `plex.tv answered 503 (attempt ${attempts})`,
  lastAttemptAt: at(seconds),
  nextAttemptAt: retryAt === undefined ? Option.none() : Option.some(at(retryAt)),
  gaveUpAt: retryAt === undefined ? Option.some(at(seconds)) : Option.none()
})

const entry = (
  seconds: number,
  action: AuditAction,
  userId: string | undefined,
  options: Partial<AuditEntry> = {}
): AuditEntry => ({
  at: at(seconds),
  dryRun: false,
  pass: "inactivity",
  userId,
  username: userId === undefined ? undefined : `user-${userId}`,
  action,
  outcome: "done",
  reason: `${action} of ${userId ?? "nobody"} at ${seconds}`,
  ...options
})

const ids = (records: ReadonlyArray<UserRecord>) => records.map((record) => record.userId)

const record = (userId: string) =>
  Effect.flatMap(PruneStore, (store) => store.users).pipe(Effect.map((users) => users.get(userId)))

for (const target of pruneStoreTargets()) {
  layer(target.layer, { timeout: 120_000 })(`PruneStore contract: ${target.name}`, (it) => {
    /** A test on a fresh store. */
    const test = (
      name: string,
      body: () => Effect.Effect<void, unknown, PruneStore | PgStoreConfig | SqlClient.SqlClient>
    ) => it.effect(name, () => body().pipe(Effect.provide(target.fresh)), 120_000)

    test("a new store: not initialized, no users, no audit", () =>
      Effect.gen(function* () {
        const store = yield* PruneStore
        expect(yield* store.initializedAt).toEqual(Option.none())
        expect((yield* store.users).size).toBe(0)
        expect(yield* store.auditLog()).toEqual([])
        expect(yield* store.claimWelcomes(at(0), at(60), 10)).toEqual([])
      }))

    test("initialize records the users there silently and marks the store, once", () =>
      Effect.gen(function* () {
        const store = yield* PruneStore
        const [a, b, c] = [user("a", { joinedAt: -500 }), user("b", { kind: "managed" }), user("c")]
        expect(yield* store.initialize([a, b, a], at(10))).toBe(true)
        expect(yield* store.initializedAt).toEqual(Option.some(at(10)))
        expect(yield* store.users).toEqual(
          new Map([
            ["a", recorded(a, 10, "not-needed")],
            ["b", recorded(b, 10, "not-needed")]
          ])
        )
        // Already initialized: false, and nothing written.
        expect(yield* store.initialize([c], at(20))).toBe(false)
        expect(yield* store.initializedAt).toEqual(Option.some(at(10)))
        expect((yield* store.users).has("c")).toBe(false)
        // Nobody is owed a welcome.
        expect(yield* store.claimWelcomes(at(30), at(90), 10)).toEqual([])
      }))

    test("initialize leaves users recorded before it alone", () =>
      Effect.gen(function* () {
        const store = yield* PruneStore
        const [a, b] = [user("a"), user("b")]
        expect(yield* store.recordNewUsers([a], at(5), true)).toEqual(["a"])
        expect(yield* store.initialize([a, b], at(10))).toBe(true)
        expect(yield* record("a")).toEqual(recorded(a, 5, "pending"))
        expect(yield* record("b")).toEqual(recorded(b, 10, "not-needed"))
      }))

    test("concurrent initializations: exactly one wins, and only its users are written", () =>
      Effect.gen(function* () {
        const store = yield* PruneStore
        const runs = Array.from({ length: 5 }, (_, n) => ({
          users: [user(`run${n}-a`), user(`run${n}-b`), user("shared")],
          at: at(100 + n)
        }))
        const results = yield* Effect.forEach(runs, (run) => store.initialize(run.users, run.at), {
          concurrency: "unbounded"
        })
        expect(results.filter((won) => won)).toHaveLength(1)
        const winner = runs[results.indexOf(true)]
        if (winner === undefined) return expect.unreachable()
        expect(yield* store.initializedAt).toEqual(Option.some(winner.at))
        expect([...(yield* store.users).keys()].sort()).toEqual(winner.users.map((u) => u.userId).sort())
        for (const record of (yield* store.users).values()) expect(record.firstSeenAt).toEqual(winner.at)
      }))

    test("recordNewUsers inserts only users not seen yet, pending or silently", () =>
      Effect.gen(function* () {
        const store = yield* PruneStore
        const [a, b, c, d] = [user("a", { joinedAt: 1 }), user("b"), user("c", { kind: "home" }), user("d")]
        expect(yield* store.recordNewUsers([], at(1), true)).toEqual([])
        expect(yield* store.recordNewUsers([b, a], at(10), true)).toEqual(["b", "a"])
        // Known users are left alone; a user twice in a batch is recorded once, as first given.
        const cAgain = { ...c, username: "other-name" }
        expect(yield* store.recordNewUsers([a, c, d, cAgain, b], at(20), false)).toEqual(["c", "d"])
        expect(yield* store.users).toEqual(
          new Map([
            ["b", recorded(b, 10, "pending")],
            ["a", recorded(a, 10, "pending")],
            ["c", recorded(c, 20, "not-needed")],
            ["d", recorded(d, 20, "not-needed")]
          ])
        )
        expect(yield* store.recordNewUsers([a, b], at(30), true)).toEqual([])
      }))

    test("concurrent overlapping batches record each user once", () =>
      Effect.gen(function* () {
        const store = yield* PruneStore
        const all = Array.from({ length: 3000 }, (_, n) => user(`u${String(n).padStart(4, "0")}`))
        // The same users in different orders (as two processes would see them): no
        // user twice, and no batch waits forever on another.
        const batches = [
          all,
          [...all].reverse(),
          all.filter((_, n) => n % 2 === 0),
          all.slice(1500).concat(all.slice(0, 1500))
        ]
        const inserted = yield* Effect.forEach(batches, (batch) => store.recordNewUsers(batch, at(1), true), {
          concurrency: "unbounded"
        })
        const flat = inserted.flat()
        expect(new Set(flat).size).toBe(flat.length)
        expect([...flat].sort()).toEqual(all.map((u) => u.userId))
        expect((yield* store.users).size).toBe(3000)
      }))

    test("claimWelcomes: pending users, oldest first (then in recorded order), up to the limit, under a lease", () =>
      Effect.gen(function* () {
        const store = yield* PruneStore
        yield* store.recordNewUsers([user("late")], at(50), true)
        yield* store.recordNewUsers([user("x"), user("y"), user("z")], at(10), true)
        yield* store.recordNewUsers([user("silent")], at(5), false)
        expect(yield* store.claimWelcomes(at(100), at(160), 0)).toEqual([])
        const first = yield* store.claimWelcomes(at(100), at(160), 2)
        expect(ids(first)).toEqual(["x", "y"])
        expect(first[0]).toEqual(recorded(user("x"), 10, "pending"))
        // Claimed ones are not handed out again while their lease runs...
        expect(ids(yield* store.claimWelcomes(at(110), at(170), 10))).toEqual(["z", "late"])
        expect(yield* store.claimWelcomes(at(159), at(200), 10)).toEqual([])
        // ...and come back once it has lapsed (the sender crashed before completing).
        expect(ids(yield* store.claimWelcomes(at(160), at(220), 10))).toEqual(["x", "y"])
        expect(ids(yield* store.claimWelcomes(at(170), at(230), 10))).toEqual(["z", "late"])
        // A completed welcome is never offered again, lease or not.
        yield* store.completeWelcome("x", at(175))
        expect(ids(yield* store.claimWelcomes(at(1_000), at(1_060), 10))).toEqual(["y", "z", "late"])
      }))

    test("concurrent claimWelcomes hand out disjoint sets", () =>
      Effect.gen(function* () {
        const store = yield* PruneStore
        const all = Array.from({ length: 40 }, (_, n) => `u${String(n).padStart(2, "0")}`)
        yield* store.recordNewUsers(
          all.map((id) => user(id)),
          at(1),
          true
        )
        const batches = yield* Effect.forEach(
          Array.from({ length: 6 }),
          () => store.claimWelcomes(at(10), at(70), 7),
          {
            concurrency: "unbounded"
          }
        )
        const claimed = batches.flatMap(ids)
        expect(new Set(claimed).size).toBe(claimed.length)
        expect(claimed.length).toBeGreaterThan(0)
        // What nobody took is still there for the next claim, and nothing else.
        const rest = ids(yield* store.claimWelcomes(at(20), at(80), 100))
        expect([...claimed, ...rest].sort()).toEqual(all)
      }))

    test("completeWelcome: a pending welcome becomes sent, once; other states stay", () =>
      Effect.gen(function* () {
        const store = yield* PruneStore
        const [a, b] = [user("a"), user("b")]
        yield* store.recordNewUsers([a], at(1), true)
        yield* store.recordNewUsers([b], at(1), false)
        yield* store.completeWelcome("a", at(10))
        yield* store.completeWelcome("a", at(20))
        yield* store.completeWelcome("b", at(10))
        yield* store.completeWelcome("nobody", at(10))
        expect(yield* store.users).toEqual(
          new Map([
            ["a", recorded(a, 1, "sent", { welcomedAt: Option.some(at(10)) })],
            ["b", recorded(b, 1, "not-needed")]
          ])
        )
      }))

    test("markWarned only when no warning is outstanding and the user is not removed; clearWarning by its time", () =>
      Effect.gen(function* () {
        const store = yield* PruneStore
        const a = user("a")
        yield* store.initialize([a, user("gone")], at(0))
        expect(yield* store.markWarned("a", at(10))).toBe(true)
        expect(yield* store.markWarned("a", at(20))).toBe(false)
        expect((yield* record("a"))?.warnedAt).toEqual(Option.some(at(10)))
        // Another warning's time clears nothing.
        expect(yield* store.clearWarning("a", at(20))).toBe(false)
        expect(yield* store.clearWarning("a", at(10))).toBe(true)
        expect(yield* store.clearWarning("a", at(10))).toBe(false)
        expect(yield* record("a")).toEqual(recorded(a, 0, "not-needed"))
        expect(yield* store.markWarned("a", at(30))).toBe(true)
        expect((yield* record("a"))?.warnedAt).toEqual(Option.some(at(30)))
        // Removed or unknown: no warning.
        yield* store.markRemoved("gone", at(5))
        expect(yield* store.markWarned("gone", at(40))).toBe(false)
        expect(yield* store.markWarned("nobody", at(40))).toBe(false)
        expect(yield* store.clearWarning("nobody", at(40))).toBe(false)
      }))

    test("removal failures: stored and replaced, cleared with the warning or by the removal, ignored once removed", () =>
      Effect.gen(function* () {
        const store = yield* PruneStore
        const [a, b] = [user("a"), user("b")]
        yield* store.initialize([a, b], at(0))
        for (const id of ["a", "b"]) yield* store.markWarned(id, at(10))
        yield* store.recordRemovalFailure("a", failure(1, 20, 80))
        expect((yield* record("a"))?.removalFailure).toEqual(Option.some(failure(1, 20, 80)))
        yield* store.recordRemovalFailure("a", failure(5, 90))
        expect((yield* record("a"))?.removalFailure).toEqual(Option.some(failure(5, 90)))
        // A slow process never puts an older count back.
        yield* store.recordRemovalFailure("a", failure(3, 95, 120))
        expect((yield* record("a"))?.removalFailure).toEqual(Option.some(failure(5, 90)))
        // The user watched again: the warning goes, and the failure with it.
        expect(yield* store.clearWarning("a", at(10))).toBe(true)
        expect(yield* record("a")).toEqual(recorded(a, 0, "not-needed"))
        // The removal clears the failure; a removed user gets no new one.
        yield* store.recordRemovalFailure("b", failure(2, 30, 60))
        yield* store.markRemoved("b", at(61))
        expect(yield* record("b")).toEqual(
          recorded(b, 0, "not-needed", { warnedAt: Option.some(at(10)), removedAt: Option.some(at(61)) })
        )
        yield* store.recordRemovalFailure("b", failure(3, 70, 100))
        expect((yield* record("b"))?.removalFailure).toEqual(Option.none())
        // Removed once: a second removal keeps the first date.
        yield* store.markRemoved("b", at(80))
        expect((yield* record("b"))?.removedAt).toEqual(Option.some(at(61)))
        yield* store.recordRemovalFailure("nobody", failure(1, 70, 100))
        yield* store.markRemoved("nobody", at(70))
        expect((yield* store.users).size).toBe(2)
      }))

    test("reinstate: a removed user back on the server starts over as a new user", () =>
      Effect.gen(function* () {
        const store = yield* PruneStore
        const [a, b] = [user("a", { joinedAt: -100 }), user("b")]
        yield* store.recordNewUsers([a, b], at(0), true)
        yield* store.completeWelcome("a", at(1))
        yield* store.markWarned("a", at(10))
        yield* store.markRemoved("a", at(20))
        // Not removed, or unknown: nothing to do.
        expect(yield* store.reinstate(b, at(30))).toBe(false)
        expect(yield* store.reinstate(user("nobody"), at(30))).toBe(false)
        expect((yield* store.users).has("nobody")).toBe(false)
        const back = { ...user("a", { kind: "home" }), username: "a-renamed", email: "a@new.example" }
        expect(yield* store.reinstate(back, at(40))).toBe(true)
        expect(yield* record("a")).toEqual(recorded(back, 40, "pending", { joinedAt: Option.some(at(40)) }))
        expect(yield* store.reinstate(back, at(50))).toBe(false)
        // Owed a welcome again (after b, who was first seen earlier).
        expect(ids(yield* store.claimWelcomes(at(60), at(120), 10))).toEqual(["b", "a"])
      }))

    test("concurrent writes to one user keep each other's updates", () =>
      Effect.gen(function* () {
        const store = yield* PruneStore
        const users = Array.from({ length: 30 }, (_, n) => user(`u${n}`))
        yield* store.recordNewUsers(users, at(0), true)
        // Each user's welcome completes while the inactivity pass warns them and a
        // removal fails, all at once.
        yield* Effect.forEach(
          users,
          (u) =>
            Effect.all(
              [
                store.completeWelcome(u.userId, at(10)),
                store.markWarned(u.userId, at(11)),
                store.recordRemovalFailure(u.userId, failure(1, 12, 60))
              ],
              { concurrency: "unbounded" }
            ),
          { concurrency: "unbounded" }
        )
        const after = yield* store.users
        for (const u of users)
          expect(after.get(u.userId)).toEqual(
            recorded(u, 0, "sent", {
              welcomedAt: Option.some(at(10)),
              warnedAt: Option.some(at(11)),
              removalFailure: Option.some(failure(1, 12, 60))
            })
          )
      }))

    test("markWarned racing completeWelcome on the same user: both updates survive", () =>
      Effect.gen(function* () {
        const store = yield* PruneStore
        const users = Array.from({ length: 20 }, (_, n) => user(`u${n}`))
        yield* store.recordNewUsers(users, at(0), true)
        const warned = yield* Effect.forEach(
          users,
          (u) =>
            Effect.all([store.completeWelcome(u.userId, at(10)), store.markWarned(u.userId, at(11))], {
              concurrency: "unbounded"
            }).pipe(Effect.map(([, warned]) => warned)),
          { concurrency: "unbounded" }
        )
        expect(warned.every((ok) => ok)).toBe(true)
        const after = yield* store.users
        for (const u of users)
          expect(after.get(u.userId)).toEqual(
            recorded(u, 0, "sent", { welcomedAt: Option.some(at(10)), warnedAt: Option.some(at(11)) })
          )
        // A warning cleared while a removal failure is recorded: either order, never a mix.
        yield* Effect.forEach(
          users,
          (u) =>
            Effect.all(
              [
                store.clearWarning(u.userId, at(11)),
                store.recordRemovalFailure(u.userId, failure(1, 12, 60))
              ],
              {
                concurrency: "unbounded"
              }
            ),
          { concurrency: "unbounded" }
        )
        for (const record of (yield* store.users).values()) {
          expect(record.welcome).toBe("sent")
          expect(record.warnedAt).toEqual(Option.none())
          expect([Option.none(), Option.some(failure(1, 12, 60))]).toContainEqual(record.removalFailure)
        }
      }))

    test("a welcome claim racing a write to the user never loses the welcome nor the write", () =>
      Effect.gen(function* () {
        const store = yield* PruneStore
        yield* store.recordNewUsers([user("a")], at(0), true)
        for (let round = 0; round < 10; round++) {
          const t = round * 100
          const [claimed, warned] = yield* Effect.all(
            [store.claimWelcomes(at(t), at(t + 50), 1), store.markWarned("a", at(t + 1))],
            { concurrency: "unbounded" }
          )
          expect(warned).toBe(true)
          // A claim may pass over a user being written at that instant (on Postgres,
          // SKIP LOCKED skips the row); the welcome is then still owed, unleased.
          const owed = claimed.length > 0 ? claimed : yield* store.claimWelcomes(at(t), at(t + 50), 1)
          expect(ids(owed)).toEqual(["a"])
          expect(yield* store.claimWelcomes(at(t + 49), at(t + 99), 1)).toEqual([])
          yield* store.completeWelcome("a", at(t + 2))
          expect(yield* record("a")).toMatchObject({ welcome: "sent", warnedAt: Option.some(at(t + 1)) })
          // Pending again for the next round: the store's only way there is a reinstatement.
          yield* store.markRemoved("a", at(t + 3))
          expect(yield* store.reinstate(user("a"), at(t + 4))).toBe(true)
        }
      }))

    test("an alert is raised once until it is cleared", () =>
      Effect.gen(function* () {
        const store = yield* PruneStore
        expect(yield* store.clearAlert("activity")).toBe(false)
        expect(yield* store.raiseAlert("activity", at(0))).toBe(true)
        expect(yield* store.raiseAlert("activity", at(10))).toBe(false)
        expect(yield* store.raiseAlert("plex.tv", at(10))).toBe(true)
        expect(yield* store.clearAlert("activity")).toBe(true)
        expect(yield* store.clearAlert("activity")).toBe(false)
        expect(yield* store.raiseAlert("activity", at(20))).toBe(true)
        const racing = yield* Effect.all(
          Array.from({ length: 6 }, () => store.raiseAlert("smtp", at(30))),
          { concurrency: "unbounded" }
        )
        expect(racing.filter(Boolean).length).toBe(1)
      }))

    test("a lease is held by one holder until it lapses or is released", () =>
      Effect.gen(function* () {
        const store = yield* PruneStore
        expect(yield* store.acquireLease("inactivity", "p1", at(0), at(60))).toBe(true)
        expect(yield* store.acquireLease("inactivity", "p2", at(30), at(90))).toBe(false)
        // Another name is another lease; the holder may renew its own.
        expect(yield* store.acquireLease("new-users", "p2", at(30), at(90))).toBe(true)
        expect(yield* store.acquireLease("inactivity", "p1", at(30), at(120))).toBe(true)
        expect(yield* store.acquireLease("inactivity", "p2", at(100), at(200))).toBe(false)
        // Lapsed: taken over.
        expect(yield* store.acquireLease("inactivity", "p2", at(120), at(200))).toBe(true)
        // Released only by its holder.
        yield* store.releaseLease("inactivity", "p1")
        expect(yield* store.acquireLease("inactivity", "p1", at(130), at(200))).toBe(false)
        yield* store.releaseLease("inactivity", "p2")
        expect(yield* store.acquireLease("inactivity", "p1", at(130), at(200))).toBe(true)
      }))

    test("two holders racing for a free lease: exactly one gets it", () =>
      Effect.gen(function* () {
        const store = yield* PruneStore
        const results = yield* Effect.all(
          Array.from({ length: 8 }, (_, i) => store.acquireLease("inactivity", `p${i}`, at(0), at(60))),
          { concurrency: "unbounded" }
        )
        expect(results.filter(Boolean).length).toBe(1)
      }))

    test("the audit log: appended in order, newest first, by user, limited", () =>
      Effect.gen(function* () {
        const store = yield* PruneStore
        const e1 = entry(10, "record-new", "a", { pass: "new-users" })
        const e2 = entry(10, "welcome", "a", { pass: "new-users", outcome: "failed" })
        const e3 = entry(5, "warn", "b", { dryRun: true, outcome: "planned" })
        const e4 = entry(20, "cycle", undefined)
        yield* store.appendAudit([])
        yield* store.appendAudit([e1, e2])
        // Newest means last appended, whatever its `at`.
        yield* store.appendAudit([e3])
        yield* store.appendAudit([e4])
        expect(yield* store.auditLog()).toEqual([e4, e3, e2, e1])
        expect(yield* store.auditLog({})).toEqual([e4, e3, e2, e1])
        expect(yield* store.auditLog({ userId: "a" })).toEqual([e2, e1])
        expect(yield* store.auditLog({ userId: "a", limit: 1 })).toEqual([e2])
        expect(yield* store.auditLog({ limit: 3 })).toEqual([e4, e3, e2])
        expect(yield* store.auditLog({ limit: 10 })).toEqual([e4, e3, e2, e1])
        expect(yield* store.auditLog({ limit: 0 })).toEqual([])
        expect(yield* store.auditLog({ userId: "nobody" })).toEqual([])
        const [first] = yield* store.auditLog({ limit: 1 })
        expect(first?.userId).toBeUndefined()
        expect(first?.username).toBeUndefined()
      }))

    test("a large batch of audit entries keeps its order", () =>
      Effect.gen(function* () {
        const store = yield* PruneStore
        const entries = Array.from({ length: 2_000 }, (_, n) =>
          entry(n % 7, n % 2 === 0 ? "skip" : "chat", `u${n % 10}`, { reason: `entry ${n}` })
        )
        yield* store.appendAudit(entries)
        expect(yield* store.auditLog()).toEqual([...entries].reverse())
        expect(yield* store.auditLog({ userId: "u3", limit: 5 })).toEqual(
          entries
            .filter((e) => e.userId === "u3")
            .reverse()
            .slice(0, 5)
        )
      }))

    test("10,000 new users in one call", () =>
      Effect.gen(function* () {
        const store = yield* PruneStore
        const many = Array.from({ length: 10_000 }, (_, n) =>
          user(`plex-${String((n * 7_919) % 10_000).padStart(5, "0")}`, n % 3 === 0 ? { joinedAt: n } : {})
        )
        const inserted = yield* store.recordNewUsers(many, at(1), true)
        expect(inserted).toEqual(many.map((u) => u.userId))
        const users = yield* store.users
        expect(users.size).toBe(10_000)
        expect(users.get(many[9_999]?.userId ?? "")).toEqual(recorded(many[9_999] as NewUser, 1, "pending"))
        // Seen already, but one: only that one is new.
        expect(yield* store.recordNewUsers([...many, user("newcomer")], at(2), true)).toEqual(["newcomer"])
        // Ties of first sighting are claimed in the order given.
        expect(ids(yield* store.claimWelcomes(at(3), at(60), 100))).toEqual(
          many.slice(0, 100).map((u) => u.userId)
        )
      }))

    if (target.postgres) {
      test("the database refuses what the domain never writes", () =>
        Effect.gen(function* () {
          const store = yield* PruneStore
          const sql = yield* SqlClient.SqlClient
          const { schema } = yield* PgStoreConfig
          const bad = entry(1, "nonsense" as AuditAction, "a")
          expect(Exit.isFailure(yield* Effect.exit(store.appendAudit([entry(1, "skip", "a"), bad])))).toBe(
            true
          )
          // The whole batch or nothing.
          expect(yield* store.auditLog()).toEqual([])
          const users = sql(`${schema}.prune_users`)
          const refused = (statement: Effect.Effect<unknown, unknown>) =>
            Effect.map(Effect.exit(statement), (exit) => Exit.isFailure(exit))
          yield* store.recordNewUsers([user("a")], at(0), true)
          expect(yield* refused(sql`UPDATE ${users} SET kind = 'admin'`)).toBe(true)
          expect(yield* refused(sql`UPDATE ${users} SET welcome = 'sent'`)).toBe(true)
          expect(yield* refused(sql`UPDATE ${users} SET removal_attempts = 1`)).toBe(true)
          expect(
            yield* refused(sql`
              UPDATE ${users} SET removed_at = now(), removal_attempts = 1, removal_last_error = 'x',
                removal_last_attempt_at = now()`)
          ).toBe(true)
          expect(
            yield* refused(
              sql`INSERT INTO ${sql(`${schema}.prune_meta`)} (singleton, initialized_at) VALUES (false, now())`
            )
          ).toBe(true)
          expect(yield* record("a")).toEqual(recorded(user("a"), 0, "pending"))
        }))

      it.effect(
        "PrunePg.layer: the store on a database in one line, migrated at start",
        () =>
          Effect.gen(function* () {
            const schema = freshSchema()
            const initialized = yield* Effect.flatMap(PruneStore, (store) =>
              Effect.zipRight(store.initialize([user("a")], at(1)), store.users)
            ).pipe(Effect.provide(PrunePg.layer({ schema })), Effect.ensuring(dropSchema(schema)))
            expect([...initialized.keys()]).toEqual(["a"])
          }),
        120_000
      )

      test("a lost initialization writes nothing, even users new to the store", () =>
        Effect.gen(function* () {
          const store = yield* PruneStore
          const sql = yield* SqlClient.SqlClient
          const { schema } = yield* PgStoreConfig
          expect(yield* store.initialize([user("a")], at(1))).toBe(true)
          expect(yield* store.initialize([user("b"), user("c")], at(2))).toBe(false)
          const [row] = yield* sql<{ readonly n: number }>`
            SELECT count(*)::int AS n FROM ${sql(`${schema}.prune_users`)}`
          expect(row?.n).toBe(1)
        }))
    }
  })
}
