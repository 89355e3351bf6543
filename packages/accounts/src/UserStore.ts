/**
 * Port: users with their password hashes. Signing up writes the user and
 * their default profile at once; an email belongs to one user, compared
 * case-insensitively.
 */
import type { StoreUnavailable } from "@org/core"
import { Context, type Effect, type Option } from "effect"
import type { EmailTaken } from "./Errors.js"
import type { PlanId, Role, UserId } from "./Ids.js"
import type { Profile } from "./Profile.js"
import type { User } from "./User.js"

export interface UserCredentials {
  readonly user: User
  readonly passwordHash: string
}

export interface UserQuery {
  /** Part of the email or the full name, case-insensitive. */
  readonly search?: string | undefined
  readonly offset: number
  readonly limit: number
}

export interface UserPage {
  readonly users: ReadonlyArray<User>
  readonly total: number
}

export interface UserStoreService {
  /** The user and their first profile, all or nothing. */
  readonly createUser: (
    user: User,
    passwordHash: string,
    defaultProfile: Profile
  ) => Effect.Effect<void, EmailTaken | StoreUnavailable>
  /** Case-insensitive, trimmed. */
  readonly findCredentials: (email: string) => Effect.Effect<Option.Option<UserCredentials>, StoreUnavailable>
  readonly findUser: (userId: UserId) => Effect.Effect<Option.Option<User>, StoreUnavailable>
  /** Newest first. */
  readonly listUsers: (query: UserQuery) => Effect.Effect<UserPage, StoreUnavailable>
  /** How many users hold each role. */
  readonly countByRole: () => Effect.Effect<Readonly<Record<Role, number>>, StoreUnavailable>
  readonly setRole: (userId: UserId, role: Role) => Effect.Effect<Option.Option<User>, StoreUnavailable>
  readonly setPlan: (
    userId: UserId,
    planId: Option.Option<PlanId>
  ) => Effect.Effect<Option.Option<User>, StoreUnavailable>
}

export class UserStore extends Context.Tag("@org/accounts/UserStore")<UserStore, UserStoreService>() {}
