/**
 * Port: the profiles of each account, with their PIN hashes and wrong-PIN
 * counts. Every read and write is scoped to the owning user, so another
 * account's profile is simply not found. The profile limit and the last
 * profile are checked atomically with the write.
 */
import type { StoreUnavailable } from "@org/core"
import { Context, type DateTime, type Duration, type Effect, type Option } from "effect"
import type { LastProfile, PlanLimitReached, ProfileNameTaken, ProfileNotFound } from "./Errors.js"
import type { ProfileId, UserId } from "./Ids.js"
import type { Profile } from "./Profile.js"

export interface ProfileChanges {
  readonly name?: string | undefined
  readonly avatarUrl?: Option.Option<string> | undefined
  readonly isKids?: boolean | undefined
  /** Some: set the PIN to this hash; None: remove the PIN. */
  readonly pinHash?: Option.Option<string> | undefined
}

export interface PinPolicy {
  readonly maxFailures: number
  readonly window: Duration.Duration
  readonly lockout: Duration.Duration
}

export interface PinFailure {
  /** Wrong tries within the window, this one included. */
  readonly failures: number
  readonly lockedUntil: Option.Option<DateTime.Utc>
}

export interface ProfileStoreService {
  /** Insert unless the account has `maxProfiles` already or the name is taken. */
  readonly create: (
    profile: Profile,
    pinHash: Option.Option<string>,
    maxProfiles: number
  ) => Effect.Effect<void, PlanLimitReached | ProfileNameTaken | StoreUnavailable>
  /** The account's profiles, oldest first. */
  readonly list: (userId: UserId) => Effect.Effect<ReadonlyArray<Profile>, StoreUnavailable>
  readonly find: (
    userId: UserId,
    profileId: ProfileId
  ) => Effect.Effect<Option.Option<Profile>, StoreUnavailable>
  readonly findPinHash: (
    userId: UserId,
    profileId: ProfileId
  ) => Effect.Effect<Option.Option<string>, StoreUnavailable>
  readonly update: (
    userId: UserId,
    profileId: ProfileId,
    changes: ProfileChanges
  ) => Effect.Effect<Profile, ProfileNotFound | ProfileNameTaken | StoreUnavailable>
  /** Delete unless it is the account's last profile. */
  readonly delete: (
    userId: UserId,
    profileId: ProfileId
  ) => Effect.Effect<void, ProfileNotFound | LastProfile | StoreUnavailable>
  /** When the profile is locked at `at`, until when. */
  readonly pinLockedUntil: (
    profileId: ProfileId,
    at: DateTime.Utc
  ) => Effect.Effect<Option.Option<DateTime.Utc>, StoreUnavailable>
  /** Count a wrong PIN; the count restarts after `window`, and reaching `maxFailures` locks. */
  readonly recordPinFailure: (
    profileId: ProfileId,
    at: DateTime.Utc,
    policy: PinPolicy
  ) => Effect.Effect<PinFailure, StoreUnavailable>
  readonly clearPinFailures: (profileId: ProfileId) => Effect.Effect<void, StoreUnavailable>
}

export class ProfileStore extends Context.Tag("@org/accounts/ProfileStore")<
  ProfileStore,
  ProfileStoreService
>() {}
