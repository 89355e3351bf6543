/**
 * The accounts stores in JavaScript Maps, sharing one state (signing up writes
 * a user and a profile at once). Each operation runs synchronously, so every
 * check and the write it guards are atomic, as in a database transaction.
 */
import { Context, DateTime, Effect, Layer, Option } from "effect"
import {
  EmailTaken,
  LastProfile,
  PlanConflict,
  PlanLimitReached,
  PlanNotFound,
  ProfileNameTaken,
  ProfileNotFound,
  RefreshTokenInvalid,
  RefreshTokenReused
} from "../Errors.js"
import { normalizeEmail, type PlanId, type ProfileId, type SessionId, type UserId } from "../Ids.js"
import { Plan } from "../Plan.js"
import { PlanStore, type PlanStoreService } from "../PlanStore.js"
import { Profile } from "../Profile.js"
import { ProfileStore, type ProfileStoreService } from "../ProfileStore.js"
import { type Session, SessionStore, type SessionStoreService } from "../SessionStore.js"
import { User } from "../User.js"
import { UserStore, type UserStoreService } from "../UserStore.js"

interface RefreshRow {
  readonly sessionId: SessionId
  readonly expiresAt: DateTime.Utc
  used: boolean
}

interface PinState {
  failures: number
  windowStart: DateTime.Utc
  lockedUntil: Option.Option<DateTime.Utc>
}

export interface AccountsInMemoryStores {
  readonly users: UserStoreService
  readonly sessions: SessionStoreService
  readonly profiles: ProfileStoreService
  readonly plans: PlanStoreService
}

export const makeAccountsInMemory = (): AccountsInMemoryStores => {
  const users = new Map<UserId, { user: User; passwordHash: string }>()
  const profiles = new Map<ProfileId, { profile: Profile; pinHash: Option.Option<string> }>()
  const sessions = new Map<SessionId, Session & { revoked: boolean }>()
  const refreshTokens = new Map<string, RefreshRow>()
  const pins = new Map<ProfileId, PinState>()
  const plans = new Map<PlanId, Plan>()

  const profilesOf = (userId: UserId) =>
    [...profiles.values()].filter((p) => p.profile.userId === userId).map((p) => p.profile)
  const nameTaken = (userId: UserId, name: string, except?: ProfileId) =>
    profilesOf(userId).some((p) => p.id !== except && p.name.toLowerCase() === name.toLowerCase())
  const ownProfile = (userId: UserId, profileId: ProfileId) => {
    const row = profiles.get(profileId)
    return row !== undefined && row.profile.userId === userId ? row : undefined
  }
  const updateUser = (userId: UserId, change: Partial<ConstructorParameters<typeof User>[0]>) => {
    const row = users.get(userId)
    if (row === undefined) return Option.none<User>()
    row.user = new User({ ...row.user, ...change })
    return Option.some(row.user)
  }
  const planConflict = (plan: Plan) => {
    for (const other of plans.values()) {
      if (other.id === plan.id) continue
      if (other.name.toLowerCase() === plan.name.toLowerCase()) return new PlanConflict({ field: "name" })
      if (Option.isSome(plan.stripePriceId) && Option.contains(other.stripePriceId, plan.stripePriceId.value))
        return new PlanConflict({ field: "stripe_price_id" })
    }
    return undefined
  }
  const storePlan = (plan: Plan) => {
    if (plan.isDefault)
      for (const other of plans.values())
        if (other.id !== plan.id && other.isDefault)
          plans.set(other.id, new Plan({ ...other, isDefault: false }))
    plans.set(plan.id, plan)
  }

  const userStore: UserStoreService = {
    createUser: (user, passwordHash, defaultProfile) =>
      Effect.suspend(() => {
        const key = normalizeEmail(user.email)
        for (const row of users.values())
          if (normalizeEmail(row.user.email) === key) return Effect.fail(new EmailTaken())
        users.set(user.id, { user, passwordHash })
        profiles.set(defaultProfile.id, { profile: defaultProfile, pinHash: Option.none() })
        return Effect.void
      }),
    findCredentials: (email) =>
      Effect.sync(() => {
        const key = normalizeEmail(email)
        return Option.fromNullable([...users.values()].find((row) => normalizeEmail(row.user.email) === key))
      }),
    findUser: (userId) => Effect.sync(() => Option.fromNullable(users.get(userId)?.user)),
    listUsers: ({ search, offset, limit }) =>
      Effect.sync(() => {
        const needle = search?.toLowerCase()
        const matching = [...users.values()]
          .map((row) => row.user)
          .filter(
            (u) =>
              needle === undefined ||
              u.email.toLowerCase().includes(needle) ||
              u.fullName.toLowerCase().includes(needle)
          )
          .sort((a, b) => b.createdAt.epochMillis - a.createdAt.epochMillis || b.id.localeCompare(a.id))
        return { users: matching.slice(offset, offset + limit), total: matching.length }
      }),
    countByRole: () =>
      Effect.sync(() => {
        const counts = { user: 0, reseller: 0, admin: 0 }
        for (const row of users.values()) counts[row.user.role] += 1
        return counts
      }),
    setRole: (userId, role) => Effect.sync(() => updateUser(userId, { role })),
    setPlan: (userId, planId) => Effect.sync(() => updateUser(userId, { planId }))
  }

  const sessionStore: SessionStoreService = {
    create: (session, refresh) =>
      Effect.sync(() => {
        sessions.set(session.id, { ...session, revoked: false })
        refreshTokens.set(refresh.token, { sessionId: session.id, expiresAt: refresh.expiresAt, used: false })
      }),
    rotate: (presented, next, at) =>
      Effect.suspend((): Effect.Effect<Session, RefreshTokenInvalid | RefreshTokenReused> => {
        const row = refreshTokens.get(presented)
        const session = row === undefined ? undefined : sessions.get(row.sessionId)
        if (row === undefined || session === undefined || session.revoked)
          return Effect.fail(new RefreshTokenInvalid())
        if (row.used) {
          session.revoked = true
          return Effect.fail(new RefreshTokenReused())
        }
        if (DateTime.lessThanOrEqualTo(row.expiresAt, at)) return Effect.fail(new RefreshTokenInvalid())
        row.used = true
        refreshTokens.set(next.token, { sessionId: session.id, expiresAt: next.expiresAt, used: false })
        const { revoked: _, ...current } = session
        return Effect.succeed(current)
      }),
    selectProfile: (sessionId, profileId) =>
      Effect.sync(() => {
        const session = sessions.get(sessionId)
        if (session !== undefined) sessions.set(sessionId, { ...session, profileId: Option.some(profileId) })
      }),
    revoke: (sessionId) =>
      Effect.sync(() => {
        const session = sessions.get(sessionId)
        if (session !== undefined) session.revoked = true
      })
  }

  const profileStore: ProfileStoreService = {
    create: (profile, pinHash, maxProfiles) =>
      Effect.suspend((): Effect.Effect<void, PlanLimitReached | ProfileNameTaken> => {
        if (profilesOf(profile.userId).length >= maxProfiles)
          return Effect.fail(new PlanLimitReached({ resource: "profiles", limit: maxProfiles }))
        if (nameTaken(profile.userId, profile.name))
          return Effect.fail(new ProfileNameTaken({ name: profile.name }))
        profiles.set(profile.id, {
          profile: new Profile({ ...profile, hasPin: Option.isSome(pinHash) }),
          pinHash
        })
        return Effect.void
      }),
    list: (userId) =>
      Effect.sync(() =>
        profilesOf(userId).sort(
          (a, b) =>
            a.createdAt.epochMillis - b.createdAt.epochMillis || Number(b.isDefault) - Number(a.isDefault)
        )
      ),
    find: (userId, profileId) =>
      Effect.sync(() => Option.fromNullable(ownProfile(userId, profileId)?.profile)),
    findPinHash: (userId, profileId) =>
      Effect.sync(() =>
        Option.flatMap(Option.fromNullable(ownProfile(userId, profileId)), (row) => row.pinHash)
      ),
    update: (userId, profileId, changes) =>
      Effect.suspend((): Effect.Effect<Profile, ProfileNotFound | ProfileNameTaken> => {
        const row = ownProfile(userId, profileId)
        if (row === undefined) return Effect.fail(new ProfileNotFound({ profileId }))
        if (changes.name !== undefined && nameTaken(userId, changes.name, profileId))
          return Effect.fail(new ProfileNameTaken({ name: changes.name }))
        const pinHash = changes.pinHash ?? row.pinHash
        const profile = new Profile({
          ...row.profile,
          name: changes.name ?? row.profile.name,
          avatarUrl: changes.avatarUrl ?? row.profile.avatarUrl,
          isKids: changes.isKids ?? row.profile.isKids,
          hasPin: Option.isSome(pinHash)
        })
        profiles.set(profileId, { profile, pinHash })
        return Effect.succeed(profile)
      }),
    delete: (userId, profileId) =>
      Effect.suspend((): Effect.Effect<void, ProfileNotFound | LastProfile> => {
        if (ownProfile(userId, profileId) === undefined)
          return Effect.fail(new ProfileNotFound({ profileId }))
        if (profilesOf(userId).length <= 1) return Effect.fail(new LastProfile())
        profiles.delete(profileId)
        pins.delete(profileId)
        return Effect.void
      }),
    pinLockedUntil: (profileId, at) =>
      Effect.sync(() =>
        Option.filter(pins.get(profileId)?.lockedUntil ?? Option.none(), (until) =>
          DateTime.greaterThan(until, at)
        )
      ),
    recordPinFailure: (profileId, at, policy) =>
      Effect.sync(() => {
        const current = pins.get(profileId)
        const fresh =
          current === undefined ||
          DateTime.lessThanOrEqualTo(DateTime.addDuration(current.windowStart, policy.window), at) ||
          Option.exists(current.lockedUntil, (until) => DateTime.lessThanOrEqualTo(until, at))
        const state: PinState = fresh
          ? { failures: 1, windowStart: at, lockedUntil: Option.none() }
          : { ...current, failures: current.failures + 1 }
        if (state.failures >= policy.maxFailures)
          state.lockedUntil = Option.some(DateTime.addDuration(at, policy.lockout))
        pins.set(profileId, state)
        return { failures: state.failures, lockedUntil: state.lockedUntil }
      }),
    clearPinFailures: (profileId) => Effect.sync(() => void pins.delete(profileId))
  }

  const planStore: PlanStoreService = {
    create: (plan) =>
      Effect.suspend(() => {
        const conflict = planConflict(plan)
        if (conflict !== undefined) return Effect.fail(conflict)
        storePlan(plan)
        return Effect.void
      }),
    update: (plan) =>
      Effect.suspend((): Effect.Effect<void, PlanConflict | PlanNotFound> => {
        if (!plans.has(plan.id)) return Effect.fail(new PlanNotFound({ planId: plan.id }))
        const conflict = planConflict(plan)
        if (conflict !== undefined) return Effect.fail(conflict)
        storePlan(plan)
        return Effect.void
      }),
    list: ({ activeOnly }) =>
      Effect.sync(() =>
        [...plans.values()]
          .filter((p) => !activeOnly || p.isActive)
          .sort((a, b) => a.priceMonthlyMinor - b.priceMonthlyMinor || a.name.localeCompare(b.name))
      ),
    find: (planId) => Effect.sync(() => Option.fromNullable(plans.get(planId))),
    findDefault: () => Effect.sync(() => Option.fromNullable([...plans.values()].find((p) => p.isDefault)))
  }

  return { users: userStore, sessions: sessionStore, profiles: profileStore, plans: planStore }
}

/** The four accounts stores over one fresh in-memory state. */
export const AccountsInMemory: Layer.Layer<UserStore | SessionStore | ProfileStore | PlanStore> =
  Layer.effectContext(
    Effect.sync(() => {
      const stores = makeAccountsInMemory()
      return Context.empty().pipe(
        Context.add(UserStore, stores.users),
        Context.add(SessionStore, stores.sessions),
        Context.add(ProfileStore, stores.profiles),
        Context.add(PlanStore, stores.plans)
      )
    })
  )
