/**
 * The family-scrobble lock keys over the shared `Locks` port (`@org/core`).
 *
 * Two uses: a group's webhooks and retries never interleave (`withGroupLock`),
 * and a member's token refreshes are serialized because Trakt refresh tokens are
 * single-use (`withMemberTokenLock`).
 */
import { Locks } from "@org/core"
import { Effect } from "effect"
import type { FamilyGroupId, GroupMemberId } from "./Ids.js"

export const groupLockKey = (groupId: FamilyGroupId): string => `family-scrobble:group:${groupId}`
export const memberTokenLockKey = (memberId: GroupMemberId): string =>
  `family-scrobble:member-tokens:${memberId}`

/** Serialize everything a group does: webhooks and retries of one group never interleave. */
export const withGroupLock =
  (groupId: FamilyGroupId) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R | Locks> =>
    Effect.flatMap(Locks, (locks) => locks.withLock(groupLockKey(groupId))(effect))

/** Serialize a member's token refreshes (refresh tokens are single-use). */
export const withMemberTokenLock =
  (memberId: GroupMemberId) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R | Locks> =>
    Effect.flatMap(Locks, (locks) => locks.withLock(memberTokenLockKey(memberId))(effect))
