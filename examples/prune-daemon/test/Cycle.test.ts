/**
 * The daemon's prune cycle end to end: the engine over the real adapters (undici to
 * a fake plex.tv and a fake Tautulli, nodemailer to an SMTP sink, Discord to a sink)
 * and the real store (a fresh database on the Postgres server, and PGlite), composed
 * from the daemon's own variables. Each test replays one way the old daemon failed
 * (see "How the old daemon failed"). A test that checks something did not happen
 * also shows that it does happen in the same world (a control: Tautulli back, the
 * user who did not watch, the friend who shares this server, the dry run's plan).
 */
import { describe, expect, it } from "@effect/vitest"
import type { FakeTautulliFault } from "@org/plex/testing"
import { type NewUser, PruneEngine, PruneStore } from "@org/prune"
import { Effect, Option } from "effect"
import { engineLayer, policyOf } from "../src/daemon.js"
import {
  ADMIN_EMAIL,
  adminReports,
  backdateWarning,
  backoffPassed,
  chatLines,
  cycleWorld,
  daysAgo,
  deletes,
  live,
  mailTo,
  recordOf,
  SERVER_ID,
  SERVER_NAME,
  secondsAgo,
  startDaemon,
  storeLayer,
  storeSnapshot,
  testDatabases
} from "./fakes.js"

/** PGlite takes 10–20 s to start on a busy machine; some tests start it three times. */
const TIMEOUT = 180_000

const email = (username: string) => `${username}@example.com`

for (const database of testDatabases)
  describe(`the daemon's prune cycle on ${database.name}`, () => {
    it.scopedLive(
      "Tautulli down (500, result error, dropped connection): no removal, no warning, a failed cycle in the audit, the admin told once",
      () =>
        Effect.gen(function* () {
          const world = yield* cycleWorld(database, {
            plexUsers: [
              { id: "101", username: "alice" },
              { id: "102", username: "bob" }
            ],
            tautulliUsers: [
              { userId: "101", lastSeen: secondsAgo(60) },
              { userId: "102", lastSeen: secondsAgo(40) }
            ]
          })
          const { engine, store } = yield* startDaemon(world.config(live))
          // First run: both recorded silently; alice was warned long ago.
          yield* engine.newUserPass
          expect(yield* store.markWarned("101", yield* daysAgo(20))).toBe(true)

          const outages: ReadonlyArray<readonly [string, FakeTautulliFault]> = [
            ["get_users_table", { kind: "status", status: 500 }],
            ["get_users_table", { kind: "error-result", message: "Unable to execute database query." }],
            ["get_activity", { kind: "drop" }]
          ]
          for (const [index, [cmd, fault]] of outages.entries()) {
            world.tautulli.fail(cmd, fault)
            const cycle = yield* engine.runOnce
            world.tautulli.clearFaults()
            expect(world.tautulli.requests({ cmd }).at(-1)?.status).toBe(
              fault.kind === "drop" ? "dropped" : fault.kind === "status" ? fault.status : 200
            )
            expect(cycle.inactivity.actions[0]).toMatchObject({ action: "cycle", outcome: "failed" })
            expect(deletes(world.plex)).toEqual([])
            // Only the admin hears of it, once for the whole outage.
            expect(world.smtp.messages.map((m) => m.to)).toEqual([ADMIN_EMAIL])
            expect(adminReports(world.smtp)[0]?.text).toContain("no warnings or removals until it does")
            expect(world.discord.messages).toEqual([])
            const failedCycles = (yield* store.auditLog()).filter(
              (entry) => entry.action === "cycle" && entry.outcome === "failed" && !entry.dryRun
            )
            expect(failedCycles.length).toBe(index + 1)
            expect(failedCycles[0]?.reason).toMatch(/activity source unavailable/)
            const alice = yield* recordOf(store, "101")
            expect([Option.isSome(alice?.warnedAt ?? Option.none()), alice?.removedAt]).toEqual([
              true,
              Option.none()
            ])
            expect((yield* recordOf(store, "102"))?.warnedAt).toEqual(Option.none())
          }

          // Control: with Tautulli answering, the same cycle removes alice and warns bob.
          yield* engine.runOnce
          expect(deletes(world.plex)).toEqual(["/api/v2/sharings/101 → 204"])
          expect(mailTo(world.smtp, email("bob")).map((m) => m.subject)).toEqual([
            `${SERVER_NAME}: your access ends in 3 days unless you watch something`
          ])
          expect(adminReports(world.smtp).length).toBe(2)
          expect(adminReports(world.smtp)[1]?.text).toContain("answering again")
        }),
      TIMEOUT
    )

    it.scopedLive(
      "plex.tv answers 410 to the removal: not recorded as removed, retried after the backoff only, given up after the cap, the admin told once each time",
      () =>
        Effect.gen(function* () {
          const world = yield* cycleWorld(database, {
            plexUsers: [{ id: "101", username: "alice" }],
            tautulliUsers: [{ userId: "101", lastSeen: secondsAgo(60) }]
          })
          const config = world.config(live)
          // The daemon's policy: the engine's default removal retry (5 attempts, backoff from 30 min).
          const { maxAttempts } = policyOf(config).removalRetry
          expect(maxAttempts).toBe(5)
          const { engine, store } = yield* startDaemon(config)
          yield* engine.newUserPass
          expect(yield* store.markWarned("101", yield* daysAgo(10))).toBe(true)
          world.plex.fail("sharings", { kind: "status", status: 410, message: "Gone" })

          // Attempt 1 fails: recorded as a failure with a next attempt, not as a removal.
          yield* engine.inactivityPass
          expect(deletes(world.plex)).toEqual(["/api/v2/sharings/101 → 410"])
          let alice = yield* recordOf(store, "101")
          expect(alice?.removedAt).toEqual(Option.none())
          const failure = Option.getOrThrow(alice?.removalFailure ?? Option.none())
          expect([failure.attempts, Option.isSome(failure.nextAttemptAt), failure.gaveUpAt]).toEqual([
            1,
            true,
            Option.none()
          ])
          expect(failure.lastError).toMatch(/410/)
          let reports = adminReports(world.smtp)
          expect(reports.length).toBe(1)
          expect(reports[0]?.text).toContain("Removal failed (will be retried) (1)")
          expect(reports[0]?.text).toContain("alice [101]")

          // Before the backoff: no DELETE, no news.
          yield* engine.inactivityPass
          yield* engine.runOnce
          expect(deletes(world.plex).length).toBe(1)
          expect(adminReports(world.smtp).length).toBe(1)

          // After each backoff, one more attempt; the cap ends them.
          for (let attempt = 2; attempt <= maxAttempts; attempt++) {
            yield* backoffPassed(store, "101")
            yield* engine.inactivityPass
            expect(deletes(world.plex).length).toBe(attempt)
            // A pass right after a failure never tries again.
            yield* engine.inactivityPass
            expect(deletes(world.plex).length).toBe(attempt)
          }
          alice = yield* recordOf(store, "101")
          const last = Option.getOrThrow(alice?.removalFailure ?? Option.none())
          expect([last.attempts, Option.isSome(last.gaveUpAt), last.nextAttemptAt]).toEqual([
            5,
            true,
            Option.none()
          ])
          expect(alice?.removedAt).toEqual(Option.none())

          // Given up: later passes leave plex.tv alone, even with plex.tv working again.
          world.plex.clearFaults()
          yield* engine.runOnce
          yield* engine.runOnce
          expect(deletes(world.plex)).toEqual(Array(5).fill("/api/v2/sharings/101 → 410"))

          reports = adminReports(world.smtp)
          expect(reports.map((report) => report.subject)).toEqual([
            expect.stringMatching(/: 1 removal failed$/),
            expect.stringMatching(/: 1 abandoned$/)
          ])
          expect(reports.filter((report) => report.text?.includes("alice [101]: will retry")).length).toBe(1)
          expect(reports[1]?.text).toContain("Removal abandoned (1)")
          expect(reports[1]?.text).toContain("alice [101]: after 5 attempt(s)")
          // alice hears nothing (her warning predates this run), Discord never says "removed".
          expect(mailTo(world.smtp, email("alice"))).toEqual([])
          expect(chatLines(world.discord)).toEqual([
            `❗ Removing **alice** from **${SERVER_NAME}** failed (will retry).`,
            `❗ Removing **alice** from **${SERVER_NAME}** failed (gave up).`
          ])
          expect(chatLines(world.discord).some((line) => line.includes("was removed"))).toBe(false)
          // plex.tv still has her.
          expect(world.plex.user("101")?.shares.length).toBe(1)
        }),
      TIMEOUT
    )

    it.scopedLive(
      "dry run, the default: engineLayer plans warnings, removals and welcomes, and sends, removes and records nothing",
      () =>
        Effect.gen(function* () {
          const world = yield* cycleWorld(database, {
            plexUsers: [
              { id: "101", username: "alice" },
              { id: "102", username: "bob" },
              { id: "103", username: "carol" },
              { id: "104", username: "dave" }
            ],
            tautulliUsers: [
              { userId: "101", lastSeen: secondsAgo(60) },
              { userId: "102", lastSeen: secondsAgo(40) },
              { userId: "103", lastSeen: secondsAgo(1) },
              { userId: "104", lastSeen: null }
            ]
          })
          const config = world.config()
          expect(config.dryRun).toBe(true)

          // An earlier live run recorded alice, bob and carol, and warned alice 10 days ago.
          const recorded = (id: string, username: string): NewUser => ({
            userId: id,
            username,
            email: email(username),
            kind: "friend",
            joinedAt: Option.none()
          })
          const before = yield* Effect.gen(function* () {
            const store = yield* PruneStore
            expect(
              yield* store.initialize(
                [recorded("101", "alice"), recorded("102", "bob"), recorded("103", "carol")],
                yield* daysAgo(100)
              )
            ).toBe(true)
            expect(yield* store.markWarned("101", yield* daysAgo(10))).toBe(true)
            return yield* storeSnapshot
          }).pipe(Effect.provide(storeLayer(config)), Effect.orDie)

          // The daemon's own composition, as src/main runs it.
          const cycle = yield* Effect.flatMap(PruneEngine, (engine) => engine.runOnce).pipe(
            Effect.provide(engineLayer(config)),
            Effect.orDie
          )

          const decisions = Object.fromEntries(
            cycle.inactivity.plan.entries.map((entry) => [entry.user.username, entry.decision._tag])
          )
          expect(decisions).toMatchObject({ alice: "Remove", bob: "Warn", carol: "Nothing" })
          const planned = (actions: typeof cycle.inactivity.actions) =>
            actions.map((a) => [a.userId, a.action, a.outcome, a.dryRun]).sort()
          expect(planned(cycle.inactivity.actions)).toEqual([
            ["101", "remove", "planned", true],
            ["102", "warn", "planned", true]
          ])
          expect(planned(cycle.newUsers.actions)).toEqual([["104", "welcome", "planned", true]])

          expect(world.plex.requests({ method: "DELETE" })).toEqual([])
          expect(world.tautulli.requests({ cmd: "delete_user" })).toEqual([])
          expect(world.smtp.messages).toEqual([])
          expect(world.discord.messages).toEqual([])
          expect(world.plex.user("101")?.shares.length).toBe(1)

          const after = yield* Effect.gen(function* () {
            const audit = yield* Effect.flatMap(PruneStore, (store) => store.auditLog())
            expect(audit.length).toBeGreaterThan(0)
            expect(audit.every((entry) => entry.dryRun && entry.outcome === "planned")).toBe(true)
            return yield* storeSnapshot
          }).pipe(Effect.provide(storeLayer(config)), Effect.orDie)
          expect(after).toEqual(before)
          expect(after.users.map((user) => user.userId)).toEqual(["101", "102", "103"])
        }),
      TIMEOUT
    )

    it.scopedLive(
      "a user who watches between the warning and the removal is kept and the warning cleared (history or a session in progress)",
      () =>
        Effect.gen(function* () {
          const world = yield* cycleWorld(database, {
            plexUsers: [
              { id: "103", username: "carol" },
              { id: "104", username: "dave" },
              { id: "105", username: "erin" }
            ],
            tautulliUsers: [
              { userId: "103", lastSeen: secondsAgo(40) },
              { userId: "104", lastSeen: secondsAgo(40) },
              { userId: "105", lastSeen: secondsAgo(40) }
            ]
          })
          const { engine, store } = yield* startDaemon(world.config(live))
          yield* engine.newUserPass
          yield* engine.inactivityPass
          expect(
            world.smtp.messages
              .filter((m) => m.subject.includes("your access ends"))
              .flatMap((m) => m.envelopeTo)
              .sort()
          ).toEqual([email("carol"), email("dave"), email("erin")])

          // Five days later: carol watched yesterday, dave is watching right now, erin did nothing.
          for (const id of ["103", "104", "105"]) yield* backdateWarning(store, id, 5)
          world.tautulli.setLastSeen("103", secondsAgo(1))
          world.tautulli.setSessions(["104"])
          const pass = yield* engine.inactivityPass

          expect(deletes(world.plex)).toEqual(["/api/v2/sharings/105 → 204"])
          expect(
            pass.actions
              .filter((a) => a.action === "clear-warning" || a.action === "remove")
              .map((a) => [a.userId, a.action, a.outcome])
              .sort()
          ).toEqual([
            ["103", "clear-warning", "done"],
            ["104", "clear-warning", "done"],
            ["105", "remove", "done"]
          ])
          for (const id of ["103", "104"]) {
            const kept = yield* recordOf(store, id)
            expect([kept?.warnedAt, kept?.removedAt, kept?.removalFailure]).toEqual([
              Option.none(),
              Option.none(),
              Option.none()
            ])
          }
          expect(Option.isSome((yield* recordOf(store, "105"))?.removedAt ?? Option.none())).toBe(true)
          const cleared = (yield* store.auditLog()).filter((e) => e.action === "clear-warning")
          expect(cleared.map((e) => e.userId).sort()).toEqual(["103", "104"])
          expect(mailTo(world.smtp, email("carol")).length).toBe(1)
          expect(mailTo(world.smtp, email("dave")).length).toBe(1)
          expect(chatLines(world.discord).filter((line) => line.includes("was removed"))).toEqual([
            `🚫 **erin** was removed from **${SERVER_NAME}** after 40 days without watching.`
          ])
        }),
      TIMEOUT
    )

    it.scopedLive(
      "friends who share only another server, or have not accepted, are never welcomed, warned, removed or recorded",
      () =>
        Effect.gen(function* () {
          const elsewhere = [{ machineIdentifier: "friends-own-server", owned: false }]
          const world = yield* cycleWorld(database, {
            plexUsers: [
              { id: "106", username: "frank", shares: elsewhere },
              { id: "107", username: "gina" },
              { id: "108", username: "hank", shares: [{ pending: true }] }
            ],
            tautulliUsers: [
              { userId: "106", lastSeen: secondsAgo(60) },
              { userId: "107", lastSeen: secondsAgo(40) },
              { userId: "108", lastSeen: null },
              { userId: "109", lastSeen: secondsAgo(90) }
            ]
          })
          const { engine, store } = yield* startDaemon(world.config(live))
          const first = yield* engine.runOnce
          // Another such friend appears after the first run.
          world.plex.addUser({ id: "109", username: "ivan", shares: elsewhere })
          yield* engine.runOnce
          const last = yield* engine.runOnce

          expect(first.newUsers.plan.entries.map((entry) => entry.user.id)).toEqual(["107"])
          expect([first.newUsers.plan.ignoredUsers, last.inactivity.plan.ignoredUsers]).toEqual([2, 3])
          const users = yield* store.users
          expect([...users.keys()]).toEqual(["107"])
          const audited = (yield* store.auditLog()).flatMap((entry) =>
            entry.userId === undefined ? [] : [entry.userId]
          )
          expect(audited.filter((id) => id !== "107")).toEqual([])
          expect(deletes(world.plex)).toEqual([])
          for (const username of ["frank", "hank", "ivan"]) {
            expect(mailTo(world.smtp, email(username))).toEqual([])
            expect(chatLines(world.discord).some((line) => line.includes(username))).toBe(false)
          }
          // Control: gina, who shares this server, was warned in the same cycles.
          expect(mailTo(world.smtp, email("gina")).length).toBe(1)
          expect(Option.isSome((yield* recordOf(store, "107"))?.warnedAt ?? Option.none())).toBe(true)
        }),
      TIMEOUT
    )

    it.scopedLive(
      "live: existing users recorded silently, one welcome per newcomer, warnings, then the right removal call per kind, one email and one Discord post each, reports to the admin",
      () =>
        Effect.gen(function* () {
          const world = yield* cycleWorld(database, {
            otherServers: [{ name: "Attic", machineIdentifier: "attic-machine-id" }],
            plexUsers: [
              { id: "101", username: "alice" },
              { id: "102", username: "bob", kind: "home" },
              { id: "103", username: "carol" },
              { id: "105", username: "erin" },
              // fay also has a share of the owner's other server, which she keeps.
              { id: "106", username: "fay", shares: [{}, { machineIdentifier: "attic-machine-id" }] }
            ],
            tautulliUsers: [
              { userId: "101", lastSeen: secondsAgo(40) },
              { userId: "102", lastSeen: secondsAgo(40) },
              { userId: "103", lastSeen: secondsAgo(1) },
              { userId: "105", lastSeen: secondsAgo(28) },
              { userId: "106", lastSeen: secondsAgo(40) },
              { userId: "104", lastSeen: null }
            ]
          })
          const fayShareOfDen = world.plex
            .user("106")
            ?.shares.find((share) => share.machineIdentifier === SERVER_ID)?.id
          const { engine, store } = yield* startDaemon(world.config({ ...live, INCLUDE_HOME_USERS: "true" }))

          // First run: everyone already there is recorded, nobody is welcomed.
          const first = yield* engine.newUserPass
          expect(first.actions.map((a) => [a.userId, a.action]).sort()).toEqual([
            ["101", "record-existing"],
            ["102", "record-existing"],
            ["103", "record-existing"],
            ["105", "record-existing"],
            ["106", "record-existing"]
          ])
          expect(world.smtp.messages).toEqual([])
          expect(Option.isSome(yield* store.initializedAt)).toBe(true)
          expect([...(yield* store.users).values()].map((u) => u.welcome)).toEqual(
            Array(5).fill("not-needed")
          )

          // A newcomer: exactly one welcome, however many passes run.
          world.plex.addUser({ id: "104", username: "dave" })
          yield* engine.newUserPass
          yield* engine.newUserPass
          expect(world.smtp.messages.map((m) => [m.envelopeTo, m.subject])).toEqual([
            [[email("dave")], `Welcome to ${SERVER_NAME}: watch at least once every 30 days`]
          ])
          expect((yield* recordOf(store, "104"))?.welcome).toBe("sent")

          // The inactivity pass warns alice, bob, erin and fay; nobody is removed yet.
          world.smtp.reset()
          yield* engine.inactivityPass
          expect(deletes(world.plex)).toEqual([])
          const warned = world.smtp.messages.filter((m) => m.subject.includes("your access ends"))
          expect(warned.flatMap((m) => m.envelopeTo).sort()).toEqual([
            email("alice"),
            email("bob"),
            email("erin"),
            email("fay")
          ])
          expect(adminReports(world.smtp).map((m) => m.subject)).toEqual([
            expect.stringMatching(/inactivity report .*: 4 warned$/)
          ])
          expect(chatLines(world.discord).filter((line) => line.includes("was warned")).length).toBe(4)

          // Four days later alice (friend), bob (Home) and fay are past their notice; erin is not.
          for (const id of ["101", "102", "106"]) yield* backdateWarning(store, id, 4)
          world.smtp.reset()
          world.discord.reset()
          yield* engine.inactivityPass
          // A friend: the sharing; a Home member: the membership; fay: only this server's share.
          expect(fayShareOfDen).toBeDefined()
          expect(deletes(world.plex).sort()).toEqual([
            "/api/home/users/102 → 200",
            `/api/servers/${SERVER_ID}/shared_servers/${fayShareOfDen} → 200`,
            "/api/v2/sharings/101 → 204"
          ])
          expect(world.plex.user("106")?.shares.map((share) => share.machineIdentifier)).toEqual([
            "attic-machine-id"
          ])
          for (const username of ["alice", "bob", "fay"])
            expect(mailTo(world.smtp, email(username)).map((m) => m.subject)).toEqual([
              `${SERVER_NAME}: your access has been removed`
            ])
          expect(mailTo(world.smtp, email("erin"))).toEqual([])
          const report = adminReports(world.smtp)
          expect(report.map((m) => m.subject)).toEqual([
            expect.stringMatching(/inactivity report .*: 3 removed$/)
          ])
          for (const line of ["alice [101]", "bob [102]", "fay [106]"])
            expect(report[0]?.text).toContain(`${line}: 40 day(s) without watching`)
          expect(world.plex.user("101")).toBeUndefined()
          expect(world.plex.user("102")).toBeUndefined()
          for (const id of ["101", "102", "106"])
            expect(Option.isSome((yield* recordOf(store, id))?.removedAt ?? Option.none())).toBe(true)

          // Later passes change nothing: one removal, one email, one Discord post each.
          yield* engine.runOnce
          yield* engine.runOnce
          expect(deletes(world.plex).length).toBe(3)
          const removedPosts = chatLines(world.discord).filter((line) => line.includes("was removed"))
          expect(removedPosts.sort()).toEqual(
            ["alice", "bob", "fay"].map(
              (name) => `🚫 **${name}** was removed from **${SERVER_NAME}** after 40 days without watching.`
            )
          )
          expect(world.smtp.messages.length).toBe(4)
          expect(adminReports(world.smtp).length).toBe(1)
        }),
      TIMEOUT
    )

    // Two inactivity passes at once on one database — the daemon and `prune --once`, or two
    // replicas — would both warn and both remove; the store's "inactivity" lease lets one run.
    if (database.server)
      it.scopedLive(
        "two daemons on one database at once: one warning per user, no failed removal reported for a user removed",
        () =>
          Effect.gen(function* () {
            const world = yield* cycleWorld(database, {
              plexUsers: [
                { id: "101", username: "alice" },
                { id: "102", username: "bob" }
              ],
              tautulliUsers: [
                { userId: "101", lastSeen: secondsAgo(40) },
                { userId: "102", lastSeen: secondsAgo(40) }
              ]
            })
            const config = world.config(live)
            const first = yield* startDaemon(config)
            const second = yield* startDaemon(config)
            yield* first.engine.newUserPass
            const both = Effect.all([first.engine.inactivityPass, second.engine.inactivityPass], {
              concurrency: "unbounded"
            })

            // A slow mail server: both passes have read the store before either records a warning.
            world.smtp.setFailure({ kind: "slow", stage: "data", delayMs: 1000 })
            yield* both
            world.smtp.clearFailures()
            const warnings = (username: string) =>
              mailTo(world.smtp, email(username)).filter((m) => m.subject.includes("your access ends")).length
            const warningsPerUser = [warnings("alice"), warnings("bob")]

            for (const id of ["101", "102"]) yield* backdateWarning(first.store, id, 4)
            world.smtp.reset()
            world.discord.reset()
            // The first DELETE is slow: the other pass removes the user meanwhile.
            world.plex.fail("sharings", { kind: "delay", ms: 1000 }, { times: 1 })
            yield* both
            for (const id of ["101", "102"])
              expect(Option.isSome((yield* recordOf(first.store, id))?.removedAt ?? Option.none())).toBe(true)
            expect(world.plex.users()).toEqual([])

            expect({
              warningsPerUser,
              removalEmails: [
                mailTo(world.smtp, email("alice")).length,
                mailTo(world.smtp, email("bob")).length
              ],
              failedRemovalReports: adminReports(world.smtp).filter((m) => /removal failed/.test(m.subject))
                .length,
              failedRemovalPosts: chatLines(world.discord).filter((line) => line.includes("failed")).length
            }).toEqual({
              warningsPerUser: [1, 1],
              removalEmails: [1, 1],
              failedRemovalReports: 0,
              failedRemovalPosts: 0
            })
          }),
        TIMEOUT
      )
  })
