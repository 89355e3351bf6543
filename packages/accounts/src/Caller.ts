/**
 * Who is calling, as their access token says, and the policies that turn a
 * caller into one allowed to act. A program that needs an adult session takes
 * an `AdultCaller`, which only `requireAdult` makes, so forgetting the check
 * does not type-check; likewise `AdminCaller` and `requireAdmin`.
 */
import type { StoreUnavailable } from "@org/core"
import { type Brand, Effect, Option } from "effect"
import { KidsProfileRestricted, RoleRequired } from "./Errors.js"
import type { ProfileId, Role, SessionId, UserId } from "./Ids.js"
import { UserStore } from "./UserStore.js"

export interface Caller {
  readonly userId: UserId
  /** The role when the token was issued (at most one token lifetime old). */
  readonly role: Role
  readonly sessionId: SessionId
  readonly profileId: Option.Option<ProfileId>
  /** The selected profile is a kids profile. */
  readonly isKids: boolean
}

/** A session that is not a kids profile's. */
export type AdultCaller = Caller & Brand.Brand<"AdultCaller">

/** A caller whose admin role the server's records confirm now. */
export type AdminCaller = AdultCaller & Brand.Brand<"AdminCaller">

/** A caller whose reseller role the server's records confirm now. */
export type ResellerCaller = AdultCaller & Brand.Brand<"ResellerCaller">

export const requireAdult = (
  caller: Caller,
  action: string
): Effect.Effect<AdultCaller, KidsProfileRestricted> =>
  caller.isKids ? Effect.fail(new KidsProfileRestricted({ action })) : Effect.succeed(caller as AdultCaller)

/**
 * The role is read from the store, not the token: a role an admin revoked stops
 * working on admin endpoints at once.
 */
export const requireAdmin = (
  caller: Caller
): Effect.Effect<AdminCaller, KidsProfileRestricted | RoleRequired | StoreUnavailable, UserStore> =>
  Effect.gen(function* () {
    const adult = yield* requireAdult(caller, "use the admin API")
    const user = yield* Effect.flatMap(UserStore, (users) => users.findUser(caller.userId))
    if (Option.isNone(user) || user.value.role !== "admin") return yield* new RoleRequired({ role: "admin" })
    return adult as AdminCaller
  })

/** The reseller role, read from the store like `requireAdmin`: a revoked reseller stops at once. */
export const requireReseller = (
  caller: Caller
): Effect.Effect<ResellerCaller, KidsProfileRestricted | RoleRequired | StoreUnavailable, UserStore> =>
  Effect.gen(function* () {
    const adult = yield* requireAdult(caller, "use the reseller API")
    const user = yield* Effect.flatMap(UserStore, (users) => users.findUser(caller.userId))
    if (Option.isNone(user) || user.value.role !== "reseller")
      return yield* new RoleRequired({ role: "reseller" })
    return adult as ResellerCaller
  })
