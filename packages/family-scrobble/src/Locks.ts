/**
 * Port: mutual exclusion by key, across every process that shares the storage.
 *
 * Two uses: a group's webhooks and retries never interleave (`withGroupLock`),
 * and a member's token refreshes are serialized because Trakt refresh tokens are
 * single-use (`withMemberTokenLock`). A storage adapter implements it with, for
 * example, Postgres advisory locks; `Locks.layerLocal` serves one process.
 */
import { Context, Effect, Layer } from "effect"
import type { FamilyGroupId, GroupMemberId } from "./Ids.js"

export interface LocksService {
  /** Run `effect` while holding the lock named `key`; waits for the holder to finish. */
  readonly withLock: (key: string) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

export class Locks extends Context.Tag("@org/family-scrobble/Locks")<Locks, LocksService>() {
  /** In-process locks: correct for a single process, which is all it promises. */
  static readonly layerLocal: Layer.Layer<Locks> = Layer.sync(Locks, () => makeLocalLocks())
}

/** In-process keyed locks; an entry lives only while someone holds or waits for it. */
export const makeLocalLocks = (): LocksService => {
  const entries = new Map<string, { readonly semaphore: Effect.Semaphore; users: number }>()
  return {
    withLock:
      (key) =>
      <A, E, R>(effect: Effect.Effect<A, E, R>) =>
        Effect.acquireUseRelease(
          Effect.sync(() => {
            let entry = entries.get(key)
            if (entry === undefined) {
              entry = { semaphore: Effect.unsafeMakeSemaphore(1), users: 0 }
              entries.set(key, entry)
            }
            entry.users++
            return entry
          }),
          (entry) => entry.semaphore.withPermits(1)(effect),
          (entry) =>
            Effect.sync(() => {
              entry.users--
              if (entry.users === 0) entries.delete(key)
            })
        )
  }
}

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
