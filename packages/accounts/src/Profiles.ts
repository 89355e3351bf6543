/**
 * Profiles: who is watching. Managing them takes an adult session; selecting
 * one takes its PIN where it has one, and five wrong PINs in 15 minutes lock
 * it for 15 minutes.
 */
import { PasswordHasher, randomUuid } from "@org/core"
import { DateTime, Effect, Option, Redacted, Schema } from "effect"
import { issueAccessToken } from "./Auth.js"
import type { AdultCaller, Caller } from "./Caller.js"
import { AccountsConfig } from "./Config.js"
import { Entitlements } from "./Entitlements.js"
import {
  decodeInput,
  InvalidPin,
  KidsProfileRestricted,
  PinLocked,
  PinRequired,
  ProfileNotFound
} from "./Errors.js"
import { HttpUrl, Pin, ProfileId, ProfileName } from "./Ids.js"
import { Profile } from "./Profile.js"
import { type ProfileChanges, ProfileStore } from "./ProfileStore.js"
import { SessionStore } from "./SessionStore.js"

const CreateProfileInput = Schema.Struct({
  name: ProfileName,
  avatar_url: Schema.optional(Schema.NullOr(HttpUrl)),
  is_kids_profile: Schema.optional(Schema.Boolean),
  parental_pin: Schema.optional(Schema.NullOr(Pin))
})

const UpdateProfileInput = Schema.Struct({
  name: Schema.optional(ProfileName),
  /** null removes the avatar. */
  avatar_url: Schema.optional(Schema.NullOr(HttpUrl)),
  is_kids_profile: Schema.optional(Schema.Boolean),
  /** A new PIN, or null to remove it. */
  parental_pin: Schema.optional(Schema.NullOr(Pin))
})

const SelectInput = Schema.Struct({
  pin: Schema.optional(Schema.NullOr(Schema.String.pipe(Schema.maxLength(64))))
})

const decodeProfileId = Schema.decodeUnknownOption(ProfileId)

/** The caller's profile by an id from outside; another account's is not found. */
const findOwnProfile = (caller: Caller, profileId: string) =>
  Effect.gen(function* () {
    const store = yield* ProfileStore
    const id = decodeProfileId(profileId)
    const profile = Option.isSome(id) ? yield* store.find(caller.userId, id.value) : Option.none()
    if (Option.isNone(profile)) return yield* new ProfileNotFound({ profileId })
    return profile.value
  })

const hashPin = (pin: string | null | undefined) =>
  pin === undefined || pin === null
    ? Effect.succeed(Option.none<string>())
    : Effect.map(
        Effect.flatMap(PasswordHasher, (hasher) => hasher.hash(Redacted.make(pin))),
        Option.some
      )

export const listProfiles = (caller: Caller) =>
  Effect.flatMap(ProfileStore, (store) => store.list(caller.userId))

export const getProfile = (caller: Caller, profileId: string) => findOwnProfile(caller, profileId)

/** Add a profile, within the plan's `max_profiles`. */
export const createProfile = (
  caller: AdultCaller,
  input: {
    readonly name: string
    readonly avatar_url?: string | null | undefined
    readonly is_kids_profile?: boolean | undefined
    readonly parental_pin?: string | null | undefined
  }
) =>
  Effect.gen(function* () {
    const decoded = yield* decodeInput(CreateProfileInput)(input)
    const store = yield* ProfileStore
    const { plan } = yield* Effect.flatMap(Entitlements, (e) => e.forUser(caller.userId))
    const pinHash = yield* hashPin(decoded.parental_pin)
    const profile = new Profile({
      id: ProfileId.make(yield* randomUuid),
      userId: caller.userId,
      name: decoded.name,
      avatarUrl: Option.fromNullable(decoded.avatar_url),
      isKids: decoded.is_kids_profile ?? false,
      hasPin: Option.isSome(pinHash),
      isDefault: false,
      createdAt: yield* DateTime.now
    })
    yield* store.create(profile, pinHash, plan.maxProfiles)
    return profile
  })

/** Change a profile; `parental_pin: null` removes the PIN, `avatar_url: null` the avatar. */
export const updateProfile = (
  caller: AdultCaller,
  profileId: string,
  input: {
    readonly name?: string | undefined
    readonly avatar_url?: string | null | undefined
    readonly is_kids_profile?: boolean | undefined
    readonly parental_pin?: string | null | undefined
  }
) =>
  Effect.gen(function* () {
    const decoded = yield* decodeInput(UpdateProfileInput)(input)
    const profile = yield* findOwnProfile(caller, profileId)
    const changes: ProfileChanges = {
      name: decoded.name,
      avatarUrl: decoded.avatar_url === undefined ? undefined : Option.fromNullable(decoded.avatar_url),
      isKids: decoded.is_kids_profile,
      pinHash: decoded.parental_pin === undefined ? undefined : yield* hashPin(decoded.parental_pin)
    }
    const store = yield* ProfileStore
    const updated = yield* store.update(caller.userId, profile.id, changes)
    if (changes.pinHash !== undefined) yield* store.clearPinFailures(profile.id)
    return updated
  })

/** Delete a profile; the last one stays. */
export const deleteProfile = (caller: AdultCaller, profileId: string) =>
  Effect.gen(function* () {
    const profile = yield* findOwnProfile(caller, profileId)
    yield* Effect.flatMap(ProfileStore, (store) => store.delete(caller.userId, profile.id))
  })

/**
 * Select a profile for this session: answers an access token scoped to it, and
 * the session's refreshed tokens keep it. A profile with a PIN needs the PIN;
 * from a kids profile, only kids profiles and PIN-protected ones can be selected.
 */
export const selectProfile = (
  caller: Caller,
  profileId: string,
  input: { readonly pin?: string | null | undefined } = {}
) =>
  Effect.gen(function* () {
    const { pin } = yield* decodeInput(SelectInput)(input)
    const profile = yield* findOwnProfile(caller, profileId)
    const store = yield* ProfileStore
    const settings = yield* AccountsConfig
    if (caller.isKids && !profile.isKids && !profile.hasPin)
      return yield* new KidsProfileRestricted({ action: "open an adult profile that has no PIN" })
    if (profile.hasPin) {
      const now = yield* DateTime.now
      const locked = yield* store.pinLockedUntil(profile.id, now)
      if (Option.isSome(locked))
        return yield* new PinLocked({
          retryAfterSeconds: Math.ceil(DateTime.distance(now, locked.value) / 1000)
        })
      if (pin === undefined || pin === null || pin === "") return yield* new PinRequired()
      const hash = yield* store.findPinHash(caller.userId, profile.id)
      const hasher = yield* PasswordHasher
      const matches = Option.isSome(hash) && (yield* hasher.verify(hash.value, Redacted.make(pin)))
      if (!matches) {
        const failure = yield* store.recordPinFailure(profile.id, now, {
          maxFailures: settings.pinMaxFailures,
          window: settings.pinFailureWindow,
          lockout: settings.pinLockout
        })
        yield* Effect.logInfo("wrong PIN").pipe(
          Effect.annotateLogs({ user_id: caller.userId, profile_id: profile.id, failures: failure.failures })
        )
        if (Option.isSome(failure.lockedUntil))
          return yield* new PinLocked({
            retryAfterSeconds: Math.ceil(DateTime.distance(now, failure.lockedUntil.value) / 1000)
          })
        return yield* new InvalidPin({
          remainingAttempts: Math.max(0, settings.pinMaxFailures - failure.failures)
        })
      }
      yield* store.clearPinFailures(profile.id)
    }
    yield* Effect.flatMap(SessionStore, (sessions) => sessions.selectProfile(caller.sessionId, profile.id))
    const access = yield* issueAccessToken({
      ...caller,
      profileId: Option.some(profile.id),
      isKids: profile.isKids
    })
    return { profile, accessToken: access.token, expiresIn: access.expiresIn }
  })
