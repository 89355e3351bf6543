/**
 * The rule, pure: from the facts about one user, the policy and `now`, what the engine
 * should do. Fail closed: a missing or unreadable fact means skip, never remove.
 */
import { DateTime, Duration, Option } from "effect"
import { type PlexOwner, type PlexUser, shareOf } from "./PlexUser.js"
import type { PrunePolicy } from "./Policy.js"
import type { UserRecord } from "./UserRecord.js"

/** What the activity source says about one user. */
export type UserActivity =
  | {
      readonly _tag: "Known"
      /** Last watch; none = known never to have watched. */
      readonly lastWatchedAt: Option.Option<DateTime.Utc>
      /** A session is in progress: counts as watching at `observedAt`. */
      readonly watchingNow: boolean
      readonly observedAt: DateTime.Utc
    }
  | { readonly _tag: "Unavailable"; readonly reason: string }

export interface UserFacts {
  readonly user: PlexUser
  /** The machine identifier of the server being pruned. */
  readonly serverId: string
  readonly owner: PlexOwner
  /** The engine's record of the user (for a user not recorded yet, the one it would write). */
  readonly record: UserRecord
  readonly activity: UserActivity
}

export type SkipReason =
  | "owner"
  | "not-on-this-server"
  | "home-user"
  | "managed-user"
  | "admin"
  | "vip"
  | "already-removed"
  | "removal-abandoned"
  | "removal-retry-pending"
  | "activity-unavailable"
  | "unknown-join-date"

/** When the user next crosses a line if they keep not watching. */
export interface NextStep {
  readonly action: "warn" | "remove"
  readonly at: DateTime.Utc
}

export type Decision =
  | {
      readonly _tag: "Nothing"
      readonly reason: string
      /** The outstanding warning is obsolete: the user watched since. */
      readonly clearWarning: boolean
      readonly lastActiveAt: Option.Option<DateTime.Utc>
      readonly inactiveDays: number
      readonly next: Option.Option<NextStep>
    }
  | { readonly _tag: "Welcome"; readonly reason: string; readonly clearWarning: boolean }
  | {
      readonly _tag: "Warn"
      readonly reason: string
      readonly clearWarning: boolean
      readonly inactiveDays: number
      /** Whole days until `removeAfter`, at least the notice period. */
      readonly daysLeft: number
      readonly removeAfter: DateTime.Utc
    }
  | {
      readonly _tag: "Remove"
      readonly reason: string
      readonly clearWarning: false
      readonly inactiveDays: number
      readonly warnedAt: DateTime.Utc
      /** 1 for the first attempt, more after failures. */
      readonly attempt: number
    }
  | { readonly _tag: "Skip"; readonly reason: SkipReason; readonly detail: string }

const DAY_MS = 86_400_000

const skip = (reason: SkipReason, detail: string): Decision => ({ _tag: "Skip", reason, detail })

const sameText = (a: string, b: string) => a !== "" && a.toLowerCase() === b.toLowerCase()

/** The VIP list in lower case, computed once per policy. */
const vipSets = new WeakMap<PrunePolicy, ReadonlySet<string>>()
const vipSet = (policy: PrunePolicy): ReadonlySet<string> => {
  let set = vipSets.get(policy)
  if (set === undefined) {
    set = new Set(policy.vip.map((entry) => entry.toLowerCase()))
    vipSets.set(policy, set)
  }
  return set
}

/** The user is on the VIP list by id, username or email. */
export const isVip = (user: PlexUser, policy: PrunePolicy): boolean => {
  if (policy.vip.length === 0) return false
  const set = vipSet(policy)
  return (
    set.has(user.id) ||
    (user.username !== "" && set.has(user.username.toLowerCase())) ||
    (user.email !== "" && set.has(user.email.toLowerCase()))
  )
}

const isAdmin = (user: PlexUser, owner: PlexOwner, policy: PrunePolicy): boolean =>
  (policy.adminEmail !== undefined && sameText(user.email, policy.adminEmail)) ||
  sameText(user.email, owner.email) ||
  sameText(user.username, owner.username)

/**
 * Whether the engine may act on this user at all, and if not, why. Covers the
 * server's share, the owner and admin, VIPs and the opt-in kinds.
 */
export const protection = (
  user: PlexUser,
  serverId: string,
  owner: PlexOwner,
  policy: PrunePolicy
): Option.Option<Decision> => {
  if (user.id === owner.id) return Option.some(skip("owner", "the server's owner"))
  if (shareOf(user, serverId) === undefined)
    return Option.some(skip("not-on-this-server", "has no accepted share of this server"))
  if (user.kind === "home" && !policy.includeHomeUsers)
    return Option.some(skip("home-user", "Plex Home members are not pruned (includeHomeUsers is off)"))
  if (user.kind === "managed" && !policy.includeManagedUsers)
    return Option.some(skip("managed-user", "managed users are not pruned (includeManagedUsers is off)"))
  if (isAdmin(user, owner, policy)) return Option.some(skip("admin", "the admin is never pruned"))
  if (isVip(user, policy)) return Option.some(skip("vip", "on the VIP list"))
  return Option.none()
}

const iso = (ms: number) => new Date(ms).toISOString()

/**
 * Decide for one user at `now`:
 * - protected users (owner, admin, VIP, no share here, kinds not opted in) are skipped;
 * - the clock starts at the later of the last watch and the join date plus grace
 *   (a session in progress is a watch now); no history and no known join date → skip;
 * - an outstanding warning older than the last watch is cleared;
 * - at `warnDays` the user is warned; removal needs `kickDays` of inactivity and a
 *   warning at least `minNoticeDays` old, and respects the retry backoff.
 */
export const decide = (facts: UserFacts, policy: PrunePolicy, now: DateTime.Utc): Decision => {
  const { activity, record, user } = facts
  const protectedBy = protection(user, facts.serverId, facts.owner, policy)
  if (Option.isSome(protectedBy)) return protectedBy.value
  if (Option.isSome(record.removedAt))
    return skip("already-removed", `removed on ${DateTime.formatIso(record.removedAt.value)}`)
  if (activity._tag === "Unavailable") return skip("activity-unavailable", activity.reason)

  // Epoch milliseconds from here: this runs for every user in every pass.
  const nowMs = DateTime.toEpochMillis(now)
  const lastActiveAt = activity.watchingNow ? Option.some(activity.observedAt) : activity.lastWatchedAt
  const lastActiveMs = Option.isSome(lastActiveAt) ? DateTime.toEpochMillis(lastActiveAt.value) : undefined
  const storedWarningMs = Option.isSome(record.warnedAt)
    ? DateTime.toEpochMillis(record.warnedAt.value)
    : undefined
  const clearWarning =
    storedWarningMs !== undefined && lastActiveMs !== undefined && lastActiveMs > storedWarningMs
  const warnedMs = clearWarning ? undefined : storedWarningMs

  const joinedAt = Option.isSome(record.joinedAt)
    ? record.joinedAt
    : policy.unknownJoinDate === "first-seen"
      ? Option.some(record.firstSeenAt)
      : Option.none()
  const graceEndMs = Option.isSome(joinedAt)
    ? DateTime.toEpochMillis(joinedAt.value) + Duration.toMillis(policy.grace)
    : undefined
  const baselineMs =
    lastActiveMs !== undefined
      ? graceEndMs !== undefined
        ? Math.max(lastActiveMs, graceEndMs)
        : lastActiveMs
      : graceEndMs
  if (baselineMs === undefined)
    return skip("unknown-join-date", "no watch history and no known join date (unknownJoinDate is skip)")

  const inactiveDays = Math.max(0, Math.floor((nowMs - baselineMs) / DAY_MS))
  const warnAtMs = baselineMs + policy.warnDays * DAY_MS
  const kickAtMs = baselineMs + policy.kickDays * DAY_MS
  const since = lastActiveMs !== undefined ? "since their last watch" : "since joining"

  if (nowMs < warnAtMs) {
    if (record.welcome === "pending")
      return { _tag: "Welcome", reason: "new on the server; welcome not sent yet", clearWarning }
    return {
      _tag: "Nothing",
      reason: clearWarning
        ? "watched since the warning: warning cleared"
        : `active: ${inactiveDays} day(s) ${since}`,
      clearWarning,
      lastActiveAt,
      inactiveDays,
      next: Option.some({ action: "warn", at: DateTime.unsafeMake(warnAtMs) })
    }
  }

  if (warnedMs === undefined) {
    const removeAfterMs = Math.max(kickAtMs, nowMs + policy.minNoticeDays * DAY_MS)
    return {
      _tag: "Warn",
      reason: `${inactiveDays} day(s) without watching ${since} (warning at ${policy.warnDays})`,
      clearWarning,
      inactiveDays,
      daysLeft: Math.max(0, Math.ceil((removeAfterMs - nowMs) / DAY_MS)),
      removeAfter: DateTime.unsafeMake(removeAfterMs)
    }
  }

  const removeAtMs = Math.max(kickAtMs, warnedMs + policy.minNoticeDays * DAY_MS)
  if (nowMs < removeAtMs)
    return {
      _tag: "Nothing",
      reason: `warned on ${iso(warnedMs)}; removal due ${iso(removeAtMs)}`,
      clearWarning: false,
      lastActiveAt,
      inactiveDays,
      next: Option.some({ action: "remove", at: DateTime.unsafeMake(removeAtMs) })
    }

  if (Option.isSome(record.removalFailure)) {
    const failure = record.removalFailure.value
    if (Option.isSome(failure.gaveUpAt))
      return skip(
        "removal-abandoned",
        `gave up after ${failure.attempts} failed removal(s): ${failure.lastError}`
      )
    if (Option.isSome(failure.nextAttemptAt) && DateTime.toEpochMillis(failure.nextAttemptAt.value) > nowMs)
      return skip(
        "removal-retry-pending",
        `removal failed ${failure.attempts} time(s); next attempt ${DateTime.formatIso(failure.nextAttemptAt.value)}`
      )
  }
  return {
    _tag: "Remove",
    clearWarning: false,
    reason: `${inactiveDays} day(s) without watching ${since}; warned on ${iso(warnedMs)}`,
    inactiveDays,
    warnedAt: DateTime.unsafeMake(warnedMs),
    attempt: Option.isSome(record.removalFailure) ? record.removalFailure.value.attempts + 1 : 1
  }
}
