import { DateTime, Either, Option } from "effect"
import type {
  Decision,
  PlexOwner,
  PlexUser,
  PrunePolicy,
  PrunePolicyInput,
  UserActivity,
  UserFacts,
  UserRecord
} from "../src/index.js"
import { makePolicy } from "../src/index.js"
import { testUser } from "../src/testing.js"

export const DAY = 86_400_000
export const HOUR = 3_600_000
/** Day 0 of every timeline. */
export const T0 = DateTime.unsafeMake("2026-01-01T12:00:00Z")
export const day = (n: number, hours = 0) => DateTime.add(T0, { millis: n * DAY + hours * HOUR })

export const owner: PlexOwner = { id: "1", username: "owner", email: "owner@example.com" }
export const serverId = "server-1"

export const policy = (input: PrunePolicyInput = {}): PrunePolicy =>
  Either.getOrThrow(makePolicy({ dryRun: false, ...input }))

export const record = (user: PlexUser, fields: Partial<UserRecord> = {}): UserRecord => ({
  userId: user.id,
  username: user.username,
  email: user.email,
  kind: user.kind,
  firstSeenAt: T0,
  joinedAt: Option.some(T0),
  welcome: "sent",
  welcomedAt: Option.some(T0),
  warnedAt: Option.none(),
  removedAt: Option.none(),
  removalFailure: Option.none(),
  ...fields
})

export const known = (
  lastWatchedAt: DateTime.Utc | null,
  observedAt: DateTime.Utc,
  watchingNow = false
): UserActivity => ({
  _tag: "Known",
  lastWatchedAt: Option.fromNullable(lastWatchedAt),
  watchingNow,
  observedAt
})

export const facts = (user: PlexUser, rec: UserRecord, activity: UserActivity): UserFacts => ({
  user,
  serverId,
  owner,
  record: rec,
  activity
})

export const tag = (decision: Decision) => decision._tag

export { testUser }
