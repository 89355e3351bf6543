/**
 * Signing up, logging in, refreshing and logging out. An access token is a
 * signed, short-lived statement of who calls (user, role, session, selected
 * profile); a refresh token is an opaque random value that rotates on each use.
 */
import { PasswordHasher, randomToken, randomUuid, TokenSigner } from "@org/core"
import { DateTime, Duration, Effect, Option, Redacted, Schema } from "effect"
import type { Caller } from "./Caller.js"
import { AccountsConfig } from "./Config.js"
import { Entitlements } from "./Entitlements.js"
import {
  decodeInput,
  InvalidCredentials,
  InvalidInput,
  NotAuthenticated,
  RefreshTokenInvalid
} from "./Errors.js"
import {
  Email,
  FullName,
  LanguageTag,
  normalizeEmail,
  ProfileId,
  ProfileName,
  Role,
  SessionId,
  UserId
} from "./Ids.js"
import { Profile } from "./Profile.js"
import { ProfileStore } from "./ProfileStore.js"
import { SessionStore } from "./SessionStore.js"
import { User } from "./User.js"
import { UserStore } from "./UserStore.js"

/** What login, signup and refresh answer. */
export interface SessionTokens {
  readonly accessToken: Redacted.Redacted<string>
  readonly refreshToken: Redacted.Redacted<string>
  /** Seconds the access token is valid. */
  readonly expiresIn: number
}

export interface SignedIn {
  readonly user: User
  readonly tokens: SessionTokens
}

const SignupInput = Schema.Struct({
  email: Email,
  password: Schema.String,
  full_name: FullName,
  preferred_language: Schema.optional(LanguageTag)
})

const LoginInput = Schema.Struct({
  email: Schema.String.pipe(Schema.maxLength(254)),
  password: Schema.String.pipe(Schema.maxLength(1024))
})

/** Each password rule that fails, in words. */
export const passwordProblems = (
  password: string,
  email: string,
  minLength: number
): ReadonlyArray<string> => {
  const problems: Array<string> = []
  if (password.length < minLength) problems.push(`a password has at least ${minLength} characters`)
  if (password.length > 1024) problems.push("a password has at most 1024 characters")
  if (normalizeEmail(password) === normalizeEmail(email))
    problems.push("a password cannot be the email address")
  return problems
}

/** The name the first profile takes: the first word of the full name. */
const defaultProfileName = (fullName: string): string =>
  Schema.decodeOption(ProfileName)(fullName.trim().split(/\s+/)[0] ?? "").pipe(Option.getOrElse(() => "Main"))

/** Sign an access token for `caller`. */
export const issueAccessToken = (caller: Caller) =>
  Effect.gen(function* () {
    const settings = yield* AccountsConfig
    const signer = yield* TokenSigner
    const now = yield* DateTime.now
    const token = yield* signer.sign({
      subject: caller.userId,
      claims: {
        role: caller.role,
        sid: caller.sessionId,
        kids: caller.isKids,
        ...(Option.isSome(caller.profileId) ? { pid: caller.profileId.value } : {})
      },
      issuedAt: now,
      expiresAt: DateTime.addDuration(now, settings.accessTokenTtl)
    })
    return { token: Redacted.make(token), expiresIn: Math.floor(Duration.toSeconds(settings.accessTokenTtl)) }
  })

const newRefreshToken = Effect.gen(function* () {
  const settings = yield* AccountsConfig
  const now = yield* DateTime.now
  return { token: yield* randomToken(32), expiresAt: DateTime.addDuration(now, settings.refreshTokenTtl) }
})

const startSession = (user: User) =>
  Effect.gen(function* () {
    const sessions = yield* SessionStore
    const caller: Caller = {
      userId: user.id,
      role: user.role,
      sessionId: SessionId.make(yield* randomUuid),
      profileId: Option.none(),
      isKids: false
    }
    const refresh = yield* newRefreshToken
    yield* sessions.create(
      { id: caller.sessionId, userId: user.id, profileId: Option.none(), createdAt: yield* DateTime.now },
      refresh
    )
    const access = yield* issueAccessToken(caller)
    const tokens: SessionTokens = {
      accessToken: access.token,
      refreshToken: Redacted.make(refresh.token),
      expiresIn: access.expiresIn
    }
    return tokens
  })

/** What signing up (or a reseller creating a client) takes. */
export type SignupInput = {
  readonly email: string
  readonly password: string
  readonly full_name: string
  readonly preferred_language?: string | undefined
}

/** A new account checked and hashed, ready to store (`storeAccount`). */
export interface PreparedAccount {
  readonly user: User
  readonly profile: Profile
  readonly passwordHash: string
}

/**
 * Validate and hash a new account with its default profile, writing nothing:
 * a caller that stores it inside a transaction hashes first, so the
 * transaction does not wait on the hash.
 */
export const prepareAccount = (input: SignupInput, role: Role = "user") =>
  Effect.gen(function* () {
    const settings = yield* AccountsConfig
    const decoded = yield* decodeInput(SignupInput)(input)
    const problems = passwordProblems(decoded.password, decoded.email, settings.passwordMinLength)
    if (problems.length > 0) return yield* new InvalidInput({ issues: `password: ${problems.join("; ")}` })
    const hasher = yield* PasswordHasher
    const now = yield* DateTime.now
    // Built from decoded input, fresh ids and the clock: nothing to validate again.
    const user = new User(
      {
        id: UserId.make(yield* randomUuid),
        email: decoded.email,
        fullName: decoded.full_name,
        role,
        preferredLanguage: Option.fromNullable(decoded.preferred_language),
        planId: Option.none(),
        createdAt: now
      },
      true
    )
    const profile = new Profile(
      {
        id: ProfileId.make(yield* randomUuid),
        userId: user.id,
        name: defaultProfileName(decoded.full_name),
        avatarUrl: Option.none(),
        isKids: false,
        hasPin: false,
        isDefault: true,
        createdAt: now
      },
      true
    )
    const passwordHash = yield* hasher.hash(Redacted.make(decoded.password))
    const prepared: PreparedAccount = { user, profile, passwordHash }
    return prepared
  })

/** Store a prepared account (`EmailTaken` when the email is in use). */
export const storeAccount = (prepared: PreparedAccount) =>
  Effect.gen(function* () {
    const users = yield* UserStore
    yield* users.createUser(prepared.user, prepared.passwordHash, prepared.profile)
    yield* Effect.logInfo("account created").pipe(
      Effect.annotateLogs({ user_id: prepared.user.id, role: prepared.user.role })
    )
    return prepared.user
  })

/**
 * Validate, hash and store a new account with its default profile, without
 * signing it in.
 */
export const createAccount = (input: SignupInput, role: Role = "user") =>
  Effect.flatMap(prepareAccount(input, role), storeAccount)

/** Create an account with its default profile, and sign it in. */
export const signup = (input: SignupInput) =>
  Effect.gen(function* () {
    const user = yield* createAccount(input, "user")
    const signedIn: SignedIn = { user, tokens: yield* startSession(user) }
    return signedIn
  })

/**
 * Sign in with email and password. An unknown email costs one hash, as a wrong
 * password costs one verification, and both answer `InvalidCredentials`.
 */
export const login = (input: { readonly email: string; readonly password: string }) =>
  Effect.gen(function* () {
    const { email, password } = yield* decodeInput(LoginInput)(input)
    const hasher = yield* PasswordHasher
    const users = yield* UserStore
    const found = yield* users.findCredentials(email)
    if (Option.isNone(found)) {
      yield* hasher.hash(Redacted.make(password))
      return yield* new InvalidCredentials()
    }
    if (!(yield* hasher.verify(found.value.passwordHash, Redacted.make(password)))) {
      yield* Effect.logInfo("login refused").pipe(Effect.annotateLogs({ user_id: found.value.user.id }))
      return yield* new InvalidCredentials()
    }
    const signedIn: SignedIn = { user: found.value.user, tokens: yield* startSession(found.value.user) }
    return signedIn
  })

/** Exchange a refresh token for a new pair; the session keeps its selected profile. */
export const refresh = (refreshToken: string) =>
  Effect.gen(function* () {
    if (refreshToken.length === 0 || refreshToken.length > 512) return yield* new RefreshTokenInvalid()
    const sessions = yield* SessionStore
    const users = yield* UserStore
    const profiles = yield* ProfileStore
    const next = yield* newRefreshToken
    const session = yield* sessions
      .rotate(refreshToken, next, yield* DateTime.now)
      .pipe(
        Effect.tapErrorTag("RefreshTokenReused", () =>
          Effect.logWarning("refresh token reused: session revoked")
        )
      )
    const user = yield* users.findUser(session.userId)
    if (Option.isNone(user)) return yield* new RefreshTokenInvalid()
    const profile = Option.isSome(session.profileId)
      ? yield* profiles.find(session.userId, session.profileId.value)
      : Option.none()
    // A session whose profile was deleted signs in again rather than fall back to no
    // profile, which would free a kids device from its profile.
    if (Option.isSome(session.profileId) && Option.isNone(profile)) {
      yield* sessions.revoke(session.id)
      return yield* new RefreshTokenInvalid()
    }
    const access = yield* issueAccessToken({
      userId: session.userId,
      role: user.value.role,
      sessionId: session.id,
      profileId: Option.map(profile, (p) => p.id),
      // A kids session stays one: the flag is the profile's as it is now.
      isKids: Option.exists(profile, (p) => p.isKids)
    })
    const signedIn: SignedIn = {
      user: user.value,
      tokens: {
        accessToken: access.token,
        refreshToken: Redacted.make(next.token),
        expiresIn: access.expiresIn
      }
    }
    return signedIn
  })

/** End the caller's session: its refresh token stops working. */
export const logout = (caller: Caller) =>
  Effect.flatMap(SessionStore, (sessions) => sessions.revoke(caller.sessionId))

const AccessClaims = Schema.Struct({
  role: Role,
  sid: SessionId,
  kids: Schema.Boolean,
  pid: Schema.optional(ProfileId)
})
const decodeClaims = Schema.decodeUnknownOption(AccessClaims)
const decodeUserId = Schema.decodeUnknownOption(UserId)

/** The caller an access token names, or `NotAuthenticated`. */
export const authenticate = (accessToken: string) =>
  Effect.gen(function* () {
    if (accessToken.length === 0) return yield* new NotAuthenticated({ reason: "missing" })
    const signer = yield* TokenSigner
    const verified = yield* signer
      .verify(accessToken, yield* DateTime.now)
      .pipe(
        Effect.mapError(
          (rejected) =>
            new NotAuthenticated({ reason: rejected.reason === "expired" ? "expired" : "invalid" })
        )
      )
    const userId = decodeUserId(verified.subject)
    const claims = decodeClaims(verified.claims)
    if (Option.isNone(userId) || Option.isNone(claims))
      return yield* new NotAuthenticated({ reason: "invalid" })
    const caller: Caller = {
      userId: userId.value,
      role: claims.value.role,
      sessionId: claims.value.sid,
      profileId: Option.fromNullable(claims.value.pid),
      isKids: claims.value.kids
    }
    return caller
  })

/** The signed-in user, their selected profile and the plan they are on. */
export const currentAccount = (caller: Caller) =>
  Effect.gen(function* () {
    const users = yield* UserStore
    const user = yield* users.findUser(caller.userId)
    if (Option.isNone(user)) return yield* new NotAuthenticated({ reason: "invalid" })
    const profile = Option.isSome(caller.profileId)
      ? yield* Effect.flatMap(ProfileStore, (store) =>
          store.find(caller.userId, caller.profileId.pipe(Option.getOrThrow))
        )
      : Option.none()
    const entitlement = yield* Effect.flatMap(Entitlements, (e) => e.forUser(caller.userId))
    return { user: user.value, profile, entitlement }
  })

/**
 * Create an admin account with this email unless an account has it already
 * (an existing account is never changed). For a server's first start.
 */
export const ensureAdminAccount = (input: {
  readonly email: string
  readonly password: string
  readonly full_name?: string | undefined
}) =>
  Effect.gen(function* () {
    const users = yield* UserStore
    const existing = yield* users.findCredentials(input.email)
    if (Option.isSome(existing)) return { created: false, user: existing.value.user }
    const created = yield* createAccount({ ...input, full_name: input.full_name ?? "Admin" }, "admin").pipe(
      Effect.map((user) => ({ created: true, user })),
      // Another process created it meanwhile.
      Effect.catchTag("EmailTaken", () =>
        Effect.map(users.findCredentials(input.email), (found) => ({
          created: false,
          user: Option.getOrThrow(found).user
        }))
      )
    )
    return created
  })
