/**
 * Port: the single-use, expiring `state` values of Trakt OAuth authorizations.
 *
 * One state is issued per member authorization; the callback must present it
 * exactly once and before it expires. Each issued state is also one onboarding
 * attempt for telemetry (started at `createdAt`).
 */
import { Context, type DateTime, type Effect, Schema } from "effect"
import type { OAuthStateInvalid } from "./Errors.js"
import { FamilyGroupId, GroupMemberId, OAuthState } from "./Ids.js"

export class OAuthStateRecord extends Schema.Class<OAuthStateRecord>("OAuthStateRecord")({
  state: OAuthState,
  groupId: FamilyGroupId,
  memberId: GroupMemberId,
  createdAt: Schema.DateTimeUtc,
  expiresAt: Schema.DateTimeUtc
}) {}

export interface OAuthStatesService {
  readonly issue: (record: OAuthStateRecord) => Effect.Effect<void>
  /**
   * Use a state: succeeds once for a state that was issued and has not expired at
   * `now`; every later call fails with `used`. Atomic across processes.
   */
  readonly consume: (state: string, now: DateTime.Utc) => Effect.Effect<OAuthStateRecord, OAuthStateInvalid>
  /** Withdraw every unused state of a member (authorized elsewhere, or removed). */
  readonly revokeForMember: (memberId: GroupMemberId) => Effect.Effect<void>
  /**
   * Unused, unrevoked states created before `startedBefore` whose abandonment was
   * not reported yet; marks them reported, so each is returned once.
   */
  readonly takeAbandoned: (startedBefore: DateTime.Utc) => Effect.Effect<ReadonlyArray<OAuthStateRecord>>
  /** Forget states that expired before `before` and need no more reporting. Returns how many. */
  readonly purgeExpired: (before: DateTime.Utc) => Effect.Effect<number>
}

export class OAuthStates extends Context.Tag("@org/family-scrobble/OAuthStates")<
  OAuthStates,
  OAuthStatesService
>() {}
