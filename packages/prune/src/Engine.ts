/**
 * The prune cycle: the new-user pass (record, welcome) and the inactivity pass
 * (warn, clear, remove, report), live or dry. A dry run computes the same plan and
 * sends, removes and records nothing (its audit entries say `planned`).
 */
import { Context, DateTime, Duration, Effect, Layer, Option, Random } from "effect"
import type { ActivitySource } from "./ActivitySource.js"
import { ActivitySource as ActivitySourceTag } from "./ActivitySource.js"
import type { AuditAction, AuditEntry, AuditOutcome } from "./AuditEntry.js"
import type { PlexAccountError } from "./Errors.js"
import { type AdminReport, type NoticeRecipient, PruneChat, PruneMail, type ReportLine } from "./Notices.js"
import { type AccountSnapshot, gatherPlan, isProtected, type Plan, type PlanEntry } from "./Plan.js"
import { PlexAccount } from "./PlexAccount.js"
import { displayName, type PlexUser } from "./PlexUser.js"
import { type PrunePolicy, removalRetryDelay } from "./Policy.js"
import { PruneStore } from "./PruneStore.js"
import type { NewUser, UserRecord } from "./UserRecord.js"

export interface PruneEngineOptions {
  readonly policy: PrunePolicy
  /** The server's name in mail and chat (default "your Plex server"). */
  readonly serverName?: string | undefined
  /** How long a claimed welcome stays claimed before another pass may send it (default 10 min). */
  readonly welcomeLease?: Duration.DurationInput | undefined
  /** Actions in flight at once in a pass (default 4). */
  readonly concurrency?: number | undefined
  /**
   * The longest a live inactivity pass may take: it runs under a store lease of this
   * length, so another process's pass waits (default 1 hour).
   */
  readonly passLease?: Duration.DurationInput | undefined
}

export interface PassReport {
  readonly pass: "new-users" | "inactivity"
  readonly dryRun: boolean
  readonly plan: Plan
  /** What the pass did (live) or would do (dry), in audit form. */
  readonly actions: ReadonlyArray<AuditEntry>
}

export interface CycleReport {
  readonly newUsers: PassReport
  readonly inactivity: PassReport
}

type Ports = PlexAccount | ActivitySource | PruneStore | PruneMail | PruneChat
type Reads = PlexAccount | ActivitySource | PruneStore

export interface PruneEngineService {
  readonly policy: PrunePolicy
  /** Decide for every user at `at` (default now), changing nothing. */
  readonly plan: (at?: DateTime.Utc) => Effect.Effect<Plan, PlexAccountError>
  /** Record users seen for the first time and send owed welcomes. */
  readonly newUserPass: Effect.Effect<PassReport, PlexAccountError>
  /** Warn, clear warnings, remove, report. */
  readonly inactivityPass: Effect.Effect<PassReport, PlexAccountError>
  /** Both passes once, new users first. */
  readonly runOnce: Effect.Effect<CycleReport, PlexAccountError>
}

export class PruneEngine extends Context.Tag("@org/prune/PruneEngine")<PruneEngine, PruneEngineService>() {}

const recipient = (
  user: Pick<UserRecord, "userId" | "username" | "email" | "kind">,
  title = ""
): NoticeRecipient => ({
  userId: user.userId,
  username: user.username !== "" ? user.username : title !== "" ? title : `user ${user.userId}`,
  email: user.email,
  kind: user.kind
})

const asNewUser = (user: PlexUser, record: UserRecord): NewUser => ({
  userId: user.id,
  username: user.username,
  email: user.email,
  kind: user.kind,
  joinedAt: record.joinedAt
})

/** "6 user(s): 2 nothing, 2 warn, 2 skip (1 vip, 1 home-user); 1 ignored (no share of this server)". */
export const summarizeDecisions = (plan: Plan): string => {
  const counts = new Map<string, number>()
  const skips = new Map<string, number>()
  for (const { decision } of plan.entries) {
    const name = decision._tag.toLowerCase()
    counts.set(name, (counts.get(name) ?? 0) + 1)
    if (decision._tag === "Skip") skips.set(decision.reason, (skips.get(decision.reason) ?? 0) + 1)
  }
  const parts = [...counts].map(([name, n]) =>
    name === "skip"
      ? `${n} skip (${[...skips].map(([reason, m]) => `${m} ${reason}`).join(", ")})`
      : `${n} ${name}`
  )
  return `${plan.entries.length} user(s): ${parts.join(", ") || "none"}; ${plan.ignoredUsers} ignored (no share of this server)`
}

/** Build the engine over the ports in context. */
export const makePruneEngine = (
  options: PruneEngineOptions
): Effect.Effect<PruneEngineService, never, Ports> =>
  Effect.gen(function* () {
    const context = yield* Effect.context<Ports>()
    const { policy } = options
    const dryRun = policy.dryRun
    const serverName = options.serverName ?? "your Plex server"
    const welcomeLease = Duration.decode(options.welcomeLease ?? Duration.minutes(10))
    const concurrency = options.concurrency ?? 4
    const passLease = Duration.decode(options.passLease ?? Duration.hours(1))
    // Names this engine as a lease holder; two processes never share one.
    const holder = `engine-${(yield* Random.nextInt).toString(36)}-${(yield* Random.nextInt).toString(36)}`
    const store = Context.get(context, PruneStore)
    const mail = Context.get(context, PruneMail)
    const chat = Context.get(context, PruneChat)
    const plex = Context.get(context, PlexAccount)
    const activity = Context.get(context, ActivitySourceTag)

    /** Collects a pass's audit entries; written in one append at the end (and as it goes for live passes). */
    const makeLog = (pass: PassReport["pass"]) => {
      const entries: Array<AuditEntry> = []
      const add = (
        user: { readonly userId: string; readonly username: string } | undefined,
        action: AuditAction,
        outcome: AuditOutcome,
        reason: string
      ) =>
        Effect.map(DateTime.now, (at) => {
          const entry: AuditEntry = {
            at,
            dryRun,
            pass,
            userId: user?.userId,
            username: user?.username,
            action,
            outcome: dryRun ? "planned" : outcome,
            reason
          }
          entries.push(entry)
          return entry
        })
      const flush = Effect.suspend(() => store.appendAudit(entries.slice()))
      return { entries, add, flush }
    }

    const who = (entry: PlanEntry) => ({ userId: entry.user.id, username: displayName(entry.user) })

    const newUserPass: Effect.Effect<PassReport, PlexAccountError, Reads> = Effect.gen(function* () {
      const plan = yield* gatherPlan(policy, { activity: false })
      const log = makeLog("new-users")
      const now = plan.observedAt
      const unrecorded = plan.entries.filter((entry) => !entry.recorded)
      // A user listed again an hour after their removal was invited again; sooner, plex.tv
      // may simply not have caught up with the removal yet.
      const reinvited = plan.entries.filter(
        (entry) =>
          entry.recorded &&
          Option.isSome(entry.record.removedAt) &&
          DateTime.toEpochMillis(now) - DateTime.toEpochMillis(entry.record.removedAt.value) >= 3_600_000
      )

      if (!plan.initialized) {
        // First run: the users already here are recorded silently; no one is welcomed.
        if (!dryRun) {
          const done = yield* store.initialize(
            unrecorded.map((entry) => asNewUser(entry.user, entry.record)),
            now
          )
          if (done)
            for (const entry of unrecorded)
              yield* log.add(who(entry), "record-existing", "done", "on the server when the engine first ran")
        }
      } else if (unrecorded.length > 0) {
        const welcome = unrecorded.filter((entry) => !isProtected(entry, plan, policy))
        const silent = unrecorded.filter((entry) => isProtected(entry, plan, policy))
        if (!dryRun) {
          const inserted = new Set([
            ...(yield* store.recordNewUsers(
              welcome.map((entry) => asNewUser(entry.user, entry.record)),
              now,
              true
            )),
            ...(yield* store.recordNewUsers(
              silent.map((entry) => asNewUser(entry.user, entry.record)),
              now,
              false
            ))
          ])
          for (const entry of unrecorded)
            if (inserted.has(entry.user.id))
              yield* log.add(
                who(entry),
                "record-new",
                "done",
                isProtected(entry, plan, policy)
                  ? "new on the server (protected: no welcome)"
                  : "new on the server"
              )
        } else {
          for (const entry of welcome) yield* log.add(who(entry), "welcome", "planned", "new on the server")
        }
      }

      for (const entry of reinvited) {
        if (dryRun) {
          yield* log.add(
            who(entry),
            "record-new",
            "planned",
            "removed earlier and invited again: starts over"
          )
          continue
        }
        if (yield* store.reinstate(asNewUser(entry.user, entry.record), now))
          yield* log.add(who(entry), "record-new", "done", "removed earlier and invited again: starts over")
      }

      if (!dryRun) {
        const byId = new Map(plan.entries.map((entry) => [entry.user.id, entry]))
        for (;;) {
          const claimed = yield* store.claimWelcomes(now, DateTime.addDuration(now, welcomeLease), 100)
          if (claimed.length === 0) break
          yield* Effect.forEach(
            claimed,
            (record) => {
              const entry = byId.get(record.userId)
              const user = { userId: record.userId, username: recipient(record).username }
              if (entry === undefined || isProtected(entry, plan, policy))
                return store
                  .completeWelcome(record.userId, now)
                  .pipe(
                    Effect.zipRight(
                      log.add(user, "welcome", "done", "not sent: no longer a candidate on this server")
                    )
                  )
              if (record.email === "")
                return store
                  .completeWelcome(record.userId, now)
                  .pipe(Effect.zipRight(log.add(user, "welcome", "done", "not sent: no email address")))
              return mail
                .send({
                  _tag: "Welcome",
                  to: recipient(record, entry.user.title),
                  serverName,
                  kickDays: policy.kickDays,
                  key: `welcome-${record.userId}-${DateTime.toEpochMillis(record.firstSeenAt)}`
                })
                .pipe(
                  Effect.zipRight(store.completeWelcome(record.userId, now)),
                  Effect.zipRight(log.add(user, "welcome", "done", "welcome email sent")),
                  Effect.catchAll((error) =>
                    error.retryable
                      ? log.add(
                          user,
                          "welcome",
                          "failed",
                          `welcome email failed, will retry: ${error.message}`
                        )
                      : // Permanent (an address refused, no transport): retrying cannot help.
                        store
                          .completeWelcome(record.userId, now)
                          .pipe(
                            Effect.zipRight(
                              log.add(
                                user,
                                "welcome",
                                "failed",
                                `welcome email failed, not retried: ${error.message}`
                              )
                            )
                          )
                  )
                )
            },
            { concurrency, discard: true }
          )
          if (claimed.length < 100) break
        }
      }
      yield* log.flush
      return { pass: "new-users", dryRun, plan, actions: log.entries } satisfies PassReport
    }).pipe(Effect.withSpan("prune.newUserPass"), Effect.annotateLogs({ pass: "new-users", dry_run: dryRun }))

    // The admin hears once when plex.tv or the activity source stops answering, and
    // once when it is back; the store remembers which outages they were told about.
    const alerting = !dryRun && policy.adminEmail !== undefined
    const alertLine = (source: string, detail: string): ReportLine => ({
      userId: "",
      username: source,
      detail
    })

    const actOnInactivity = (
      account: AccountSnapshot | undefined
    ): Effect.Effect<PassReport, PlexAccountError, Reads> =>
      Effect.gen(function* () {
        const plan = yield* gatherPlan(policy, { activity: true, account }).pipe(
          Effect.tapError((error) =>
            Effect.gen(function* () {
              const adminEmail = policy.adminEmail
              if (!alerting || adminEmail === undefined) return
              const now = yield* DateTime.now
              if (!(yield* store.raiseAlert("plex.tv", now))) return
              const problem = alertLine(
                "plex.tv",
                `not answering (${error.message}): no warnings or removals until it does`
              )
              const report: AdminReport = {
                at: now,
                serverName,
                warned: [],
                removed: [],
                removalFailed: [],
                removalAbandoned: [],
                problems: [problem]
              }
              // Not told: raise it again next time.
              yield* mail
                .send({ _tag: "AdminReport", to: adminEmail, report })
                .pipe(Effect.catchAll(() => store.clearAlert("plex.tv")))
            })
          )
        )
        const log = makeLog("inactivity")
        const now = plan.observedAt
        const report = {
          warned: [] as Array<ReportLine>,
          removed: [] as Array<ReportLine>,
          removalFailed: [] as Array<ReportLine>,
          removalAbandoned: [] as Array<ReportLine>,
          problems: [] as Array<ReportLine>
        }
        const line = (entry: PlanEntry, detail: string): ReportLine => ({
          userId: entry.user.id,
          username: displayName(entry.user),
          detail
        })

        const raised: Array<string> = []
        if (alerting) {
          if (yield* store.clearAlert("plex.tv"))
            report.problems.push(alertLine("plex.tv", "answering again"))
          if (Option.isSome(plan.activityError)) {
            if (yield* store.raiseAlert("activity", now)) {
              raised.push("activity")
              report.problems.push(
                alertLine(
                  "activity source",
                  `not answering (${plan.activityError.value}): no warnings or removals until it does`
                )
              )
            }
          } else if (yield* store.clearAlert("activity")) {
            report.problems.push(alertLine("activity source", "answering again"))
          }
        }

        if (Option.isSome(plan.activityError)) {
          yield* log.add(
            undefined,
            "cycle",
            "failed",
            `activity source unavailable, no warnings or removals this cycle: ${plan.activityError.value}`
          )
          yield* Effect.logWarning("activity source unavailable: failing closed").pipe(
            Effect.annotateLogs({ error: plan.activityError.value })
          )
        }

        // Live passes act only on recorded users; the new-user pass records them first.
        const actionable = plan.entries.filter((entry) => dryRun || entry.recorded)

        const clearWarning = (entry: PlanEntry) =>
          Effect.gen(function* () {
            const warnedAt = entry.record.warnedAt
            if (Option.isNone(warnedAt)) return
            if (dryRun || (yield* store.clearWarning(entry.user.id, warnedAt.value)))
              yield* log.add(who(entry), "clear-warning", "done", "watched again since the warning")
          })

        const warn = (entry: PlanEntry, daysLeft: number, removeAfter: DateTime.Utc, reason: string) =>
          Effect.gen(function* () {
            const to = recipient(
              { ...entry.record, username: entry.user.username, email: entry.user.email },
              entry.user.title
            )
            if (dryRun) {
              yield* log.add(who(entry), "warn", "planned", `${reason}; ${daysLeft} day(s) left`)
              return
            }
            if (to.email !== "") {
              const sent = yield* mail
                .send({ _tag: "Warning", to, serverName, daysLeft, removeAfter })
                .pipe(Effect.either)
              if (sent._tag === "Left") {
                // Not recorded: no removal without a warning that went out. Retried next pass.
                yield* log.add(
                  who(entry),
                  "warn",
                  "failed",
                  `warning email failed, will retry: ${sent.left.message}`
                )
                // The admin hears once per user, not every pass until it goes through.
                if (alerting && (yield* store.raiseAlert(`warning-email:${entry.user.id}`, now)))
                  report.problems.push(
                    line(entry, `warning email failed (retried every pass): ${sent.left.message}`)
                  )
                return
              }
            }
            if (!(yield* store.markWarned(entry.user.id, now))) return
            if (alerting) yield* store.clearAlert(`warning-email:${entry.user.id}`)
            yield* log.add(
              who(entry),
              "warn",
              "done",
              to.email === ""
                ? `${reason}; no email address: warning recorded only`
                : `${reason}; warning email sent`
            )
            report.warned.push(
              line(
                entry,
                to.email === ""
                  ? `${daysLeft} day(s) left; no email address, tell them yourself`
                  : `${daysLeft} day(s) left`
              )
            )
            yield* chat
              .post({ _tag: "Warned", user: to, serverName, daysLeft })
              .pipe(Effect.catchAll((error) => log.add(who(entry), "chat", "failed", error.message)))
          })

        const remove = (entry: PlanEntry, attempt: number, inactiveDays: number, reason: string) =>
          Effect.gen(function* () {
            const to = recipient(
              { ...entry.record, username: entry.user.username, email: entry.user.email },
              entry.user.title
            )
            if (dryRun) {
              yield* log.add(who(entry), "remove", "planned", reason)
              return
            }
            const result = yield* plex.removeUser(entry.user).pipe(Effect.either)
            if (result._tag === "Left") {
              const error = result.left.message
              const gaveUp = attempt >= policy.removalRetry.maxAttempts
              const nextAttemptAt = gaveUp
                ? Option.none()
                : Option.some(DateTime.addDuration(now, removalRetryDelay(policy.removalRetry, attempt)))
              yield* store.recordRemovalFailure(entry.user.id, {
                attempts: attempt,
                lastError: error,
                lastAttemptAt: now,
                nextAttemptAt,
                gaveUpAt: gaveUp ? Option.some(now) : Option.none()
              })
              yield* log.add(
                who(entry),
                "remove",
                "failed",
                gaveUp
                  ? `removal failed (attempt ${attempt} of ${policy.removalRetry.maxAttempts}), giving up: ${error}`
                  : `removal failed (attempt ${attempt} of ${policy.removalRetry.maxAttempts}), next attempt ${DateTime.formatIso(
                      Option.getOrThrow(nextAttemptAt)
                    )}: ${error}`
              )
              // The admin hears once when it first fails and once when the engine gives up.
              if (gaveUp) report.removalAbandoned.push(line(entry, `after ${attempt} attempt(s): ${error}`))
              else if (attempt === 1) report.removalFailed.push(line(entry, `will retry: ${error}`))
              if (gaveUp || attempt === 1)
                yield* chat
                  .post({ _tag: "RemovalFailed", user: to, serverName, error, gaveUp })
                  .pipe(Effect.catchAll((e) => log.add(who(entry), "chat", "failed", e.message)))
              return
            }
            yield* store.markRemoved(entry.user.id, now)
            yield* log.add(who(entry), "remove", "done", reason)
            report.removed.push(line(entry, `${inactiveDays} day(s) without watching`))
            if (policy.activityCleanup !== "none") {
              const mode = policy.activityCleanup
              yield* activity.cleanup(entry.user.id, mode).pipe(
                Effect.zipRight(log.add(who(entry), "activity-cleanup", "done", mode)),
                Effect.catchAll((error) =>
                  log
                    .add(who(entry), "activity-cleanup", "failed", `${mode}: ${error.message}`)
                    .pipe(
                      Effect.tap(() =>
                        Effect.sync(() =>
                          report.problems.push(line(entry, `${mode} failed: ${error.message}`))
                        )
                      )
                    )
                )
              )
            }
            if (to.email !== "")
              yield* mail.send({ _tag: "Removed", to, serverName, kickDays: policy.kickDays }).pipe(
                Effect.zipRight(log.add(who(entry), "removal-email", "done", "removal email sent")),
                Effect.catchAll((error) =>
                  log
                    .add(who(entry), "removal-email", "failed", error.message)
                    .pipe(
                      Effect.tap(() =>
                        Effect.sync(() =>
                          report.problems.push(line(entry, `removal email failed: ${error.message}`))
                        )
                      )
                    )
                )
              )
            yield* chat
              .post({ _tag: "Removed", user: to, serverName, inactiveDays })
              .pipe(Effect.catchAll((error) => log.add(who(entry), "chat", "failed", error.message)))
          })

        yield* Effect.forEach(
          actionable,
          (entry) =>
            Effect.gen(function* () {
              const decision = entry.decision
              if (decision._tag === "Skip") {
                if (decision.reason === "removal-abandoned" || decision.reason === "activity-unavailable")
                  return
                if (decision.reason === "unknown-join-date")
                  yield* Effect.logDebug("skipped").pipe(
                    Effect.annotateLogs({ member_username: who(entry).username })
                  )
                return
              }
              if (decision.clearWarning) yield* clearWarning(entry)
              if (decision._tag === "Warn")
                yield* warn(entry, decision.daysLeft, decision.removeAfter, decision.reason)
              else if (decision._tag === "Remove")
                yield* remove(entry, decision.attempt, decision.inactiveDays, decision.reason)
            }).pipe(
              Effect.annotateLogs({ member_username: displayName(entry.user), user_id: entry.user.id })
            ),
          { concurrency, discard: true }
        )

        const hasNews =
          report.warned.length +
            report.removed.length +
            report.removalFailed.length +
            report.removalAbandoned.length +
            report.problems.length >
          0
        if (!dryRun && hasNews && policy.adminEmail !== undefined) {
          const adminReport: AdminReport = { at: now, serverName, ...report }
          yield* mail.send({ _tag: "AdminReport", to: policy.adminEmail, report: adminReport }).pipe(
            Effect.zipRight(log.add(undefined, "admin-report", "done", "report sent to the admin")),
            Effect.catchAll((error) =>
              log.add(undefined, "admin-report", "failed", error.message).pipe(
                // The admin was not told of the outage: raise it again next pass.
                Effect.zipRight(Effect.forEach(raised, (key) => store.clearAlert(key), { discard: true }))
              )
            )
          )
        }
        yield* log.flush
        // Every decision of the pass, counted with its reasons, in one audit row.
        yield* store.appendAudit([
          {
            at: now,
            dryRun,
            pass: "inactivity",
            userId: undefined,
            username: undefined,
            action: "cycle",
            outcome: dryRun ? "planned" : "done",
            reason: summarizeDecisions(plan)
          }
        ])
        return { pass: "inactivity", dryRun, plan, actions: log.entries } satisfies PassReport
      })

    /**
     * A live pass runs under the store's "inactivity" lease: two at once (two
     * processes, or the daemon and `--once`) would both warn and both remove.
     */
    const inactivityPassWith = (
      account: AccountSnapshot | undefined
    ): Effect.Effect<PassReport, PlexAccountError, Reads> =>
      (dryRun
        ? actOnInactivity(account)
        : Effect.gen(function* () {
            const now = yield* DateTime.now
            const held = yield* store.acquireLease(
              "inactivity",
              holder,
              now,
              DateTime.addDuration(now, passLease)
            )
            if (!held) {
              yield* Effect.logInfo("another process is running the inactivity pass: skipped")
              const plan = yield* gatherPlan(policy, { activity: true, account })
              return { pass: "inactivity", dryRun, plan, actions: [] } satisfies PassReport
            }
            return yield* actOnInactivity(account).pipe(
              Effect.ensuring(store.releaseLease("inactivity", holder))
            )
          })
      ).pipe(
        Effect.withSpan("prune.inactivityPass"),
        Effect.annotateLogs({ pass: "inactivity", dry_run: dryRun })
      )

    const service: PruneEngineService = {
      policy,
      plan: (at) => gatherPlan(policy, { activity: true, at }).pipe(Effect.provide(context)),
      newUserPass: newUserPass.pipe(Effect.provide(context)),
      inactivityPass: inactivityPassWith(undefined).pipe(Effect.provide(context)),
      runOnce: Effect.gen(function* () {
        const newUsers = yield* newUserPass
        // One read of plex.tv serves both passes of a cycle.
        const inactivity = yield* inactivityPassWith(newUsers.plan.account)
        return { newUsers, inactivity }
      }).pipe(Effect.provide(context))
    }
    return service
  })

/** The engine as a layer over its ports. */
export const PruneEngineLive = (options: PruneEngineOptions): Layer.Layer<PruneEngine, never, Ports> =>
  Layer.effect(PruneEngine, makePruneEngine(options))
