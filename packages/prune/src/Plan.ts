/**
 * Gathering the facts of one cycle and deciding for every user who shares the server.
 * Reads only: nothing here sends, removes or writes.
 */
import { DateTime, Effect, Either, Option } from "effect"
import { ActivitySource } from "./ActivitySource.js"
import { type Decision, protection, type UserActivity } from "./Decision.js"
import type { PlexAccountError } from "./Errors.js"
import { forecast } from "./Forecast.js"
import { PlexAccount } from "./PlexAccount.js"
import { type PlexOwner, type PlexUser, shareOf } from "./PlexUser.js"
import type { PrunePolicy } from "./Policy.js"
import { PruneStore } from "./PruneStore.js"
import type { UserRecord } from "./UserRecord.js"

export interface PlanEntry {
  readonly user: PlexUser
  /** The stored record, or the one the engine would write for a user it has not recorded. */
  readonly record: UserRecord
  /** Whether `record` is in the store. */
  readonly recorded: boolean
  readonly activity: UserActivity
  readonly decision: Decision
}

export interface Plan {
  /** The date decided for (now, or a later date for a forecast). */
  readonly at: DateTime.Utc
  /** When the facts were read. */
  readonly observedAt: DateTime.Utc
  readonly serverId: string
  readonly owner: PlexOwner
  /** Whether the first live run has recorded the users already on the server. */
  readonly initialized: boolean
  /** One entry per user with an accepted share of this server. */
  readonly entries: ReadonlyArray<PlanEntry>
  /** Users of the account without a share of this server: never candidates. */
  readonly ignoredUsers: number
  /** Set when the activity source could not be read: the cycle fails closed. */
  readonly activityError: Option.Option<string>
  /** plex.tv's answer the plan was made from. */
  readonly account: AccountSnapshot
}

/** The record the engine would write for a user it sees for the first time. */
export const projectedRecord = (
  user: PlexUser,
  serverId: string,
  observedAt: DateTime.Utc,
  initialized: boolean
): UserRecord => {
  const acceptedAt = shareOf(user, serverId)?.acceptedAt ?? Option.none()
  return {
    userId: user.id,
    username: user.username,
    email: user.email,
    kind: user.kind,
    firstSeenAt: observedAt,
    // A user who appears after the first run joined now (or when plex.tv says).
    joinedAt: initialized ? Option.orElse(acceptedAt, () => Option.some(observedAt)) : acceptedAt,
    welcome: initialized ? "pending" : "not-needed",
    welcomedAt: Option.none(),
    warnedAt: Option.none(),
    removedAt: Option.none(),
    removalFailure: Option.none()
  }
}

/** What plex.tv said of the account, as one pass read it. */
export interface AccountSnapshot {
  readonly serverId: string
  readonly owner: PlexOwner
  readonly users: ReadonlyArray<PlexUser>
}

export interface GatherOptions {
  /** Read the activity source (the new-user pass does not need it). */
  readonly activity: boolean
  /** plex.tv as read moments ago by another pass (a cycle reads it once); default: read now. */
  readonly account?: AccountSnapshot | undefined
}

/** Read users, owner, server, store and (optionally) activity; decide for `at` (default now). */
export const gatherPlan = (
  policy: PrunePolicy,
  options: GatherOptions & { readonly at?: DateTime.Utc | undefined }
): Effect.Effect<Plan, PlexAccountError, PlexAccount | ActivitySource | PruneStore> =>
  Effect.gen(function* () {
    const plex = yield* PlexAccount
    const store = yield* PruneStore
    const observedAt = yield* DateTime.now
    const at = options.at ?? observedAt
    const source = yield* ActivitySource
    // plex.tv, the activity source and the store are read at once; the activity source
    // failing is a fact of the plan (fail closed), plex.tv failing fails it.
    const [[serverId, owner, users], snapshot, [initializedAt, records]] = yield* Effect.all(
      [
        options.account !== undefined
          ? Effect.succeed([options.account.serverId, options.account.owner, options.account.users] as const)
          : Effect.all([plex.serverId, plex.owner, plex.listUsers], { concurrency: 3 }),
        options.activity
          ? Effect.either(source.snapshot)
          : Effect.succeed(Either.left({ message: "not read by this pass" })),
        Effect.all([store.initializedAt, store.users])
      ],
      { concurrency: 3 }
    )
    const initialized = Option.isSome(initializedAt)
    const entries: Array<PlanEntry> = []
    let ignoredUsers = 0
    for (const user of users) {
      if (user.id === owner.id || shareOf(user, serverId) === undefined) {
        ignoredUsers++
        continue
      }
      const stored = records.get(user.id)
      const record = stored ?? projectedRecord(user, serverId, observedAt, initialized)
      const activity: UserActivity = Either.isLeft(snapshot)
        ? { _tag: "Unavailable", reason: `activity source unavailable: ${snapshot.left.message}` }
        : activityOf(user.id, snapshot.right.lastWatched, snapshot.right.watchingNow, observedAt)
      const facts = { user, serverId, owner, record, activity }
      entries.push({
        user,
        record,
        recorded: stored !== undefined,
        activity,
        decision: forecast(facts, policy, observedAt, at)
      })
    }
    return {
      at,
      observedAt,
      serverId,
      owner,
      initialized,
      entries,
      ignoredUsers,
      activityError:
        Either.isLeft(snapshot) && options.activity ? Option.some(snapshot.left.message) : Option.none(),
      account: { serverId, owner, users }
    }
  })

const activityOf = (
  userId: string,
  lastWatched: ReadonlyMap<string, Option.Option<DateTime.Utc>>,
  watchingNow: ReadonlySet<string>,
  observedAt: DateTime.Utc
): UserActivity => {
  const last = lastWatched.get(userId)
  const watching = watchingNow.has(userId)
  if (last === undefined && !watching)
    return { _tag: "Unavailable", reason: "the activity source does not know this user" }
  return { _tag: "Known", lastWatchedAt: last ?? Option.none(), watchingNow: watching, observedAt }
}

/** Decisions for users the new-user pass handles: protected users get no welcome. */
export const isProtected = (entry: PlanEntry, plan: Plan, policy: PrunePolicy): boolean =>
  Option.isSome(protection(entry.user, plan.serverId, plan.owner, policy))
