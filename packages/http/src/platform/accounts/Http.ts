/**
 * The accounts handlers: the caller from `CurrentCaller`, the policy the
 * program demands (`requireAdult`, `requireAdmin`), the domain program, its
 * failures as API errors.
 */
import { HttpApiBuilder } from "@effect/platform"
import {
  createPlan,
  createProfile,
  currentAccount,
  deleteProfile,
  getUser,
  listAllPlans,
  listPlans,
  listProfiles,
  listUsers,
  login,
  logout,
  refresh,
  requireAdmin,
  requireAdult,
  selectProfile,
  setUserPlan,
  setUserRole,
  signup,
  updatePlan,
  updateProfile
} from "@org/accounts"
import { creditBalance } from "@org/resellers"
import { Effect, Redacted } from "effect"
import { trialAtSignup } from "../billing/Http.js"
import { apiErrors } from "../Errors.js"
import { PlatformApi } from "../PlatformApi.js"
import { CurrentCaller } from "../Security.js"
import { accountView, planView, profileView, sessionView, userView } from "./Views.js"

const adult = (action: string) =>
  Effect.flatMap(CurrentCaller, (caller) => apiErrors(requireAdult(caller, action)))
const admin = Effect.flatMap(CurrentCaller, (caller) => apiErrors(requireAdmin(caller)))

export const AuthLive = HttpApiBuilder.group(PlatformApi, "auth", (handlers) =>
  handlers
    .handle("signup", ({ payload }) =>
      Effect.map(
        apiErrors(signup(payload)).pipe(Effect.tap((signedIn) => trialAtSignup(signedIn.user.id))),
        sessionView
      )
    )
    .handle("login", ({ payload }) => Effect.map(apiErrors(login(payload)), sessionView))
    .handle("refresh", ({ payload }) => Effect.map(apiErrors(refresh(payload.refresh_token)), sessionView))
    .handle("logout", () => Effect.flatMap(CurrentCaller, (caller) => apiErrors(logout(caller))))
    .handle("me", () =>
      Effect.flatMap(CurrentCaller, (caller) => Effect.map(apiErrors(currentAccount(caller)), accountView))
    )
)

export const ProfilesLive = HttpApiBuilder.group(PlatformApi, "profiles", (handlers) =>
  handlers
    .handle("list", () =>
      Effect.flatMap(CurrentCaller, (caller) =>
        Effect.map(apiErrors(listProfiles(caller)), (profiles) => ({ profiles: profiles.map(profileView) }))
      )
    )
    .handle("create", ({ payload }) =>
      Effect.flatMap(adult("manage profiles"), (caller) =>
        Effect.map(apiErrors(createProfile(caller, payload)), profileView)
      )
    )
    .handle("update", ({ path, payload }) =>
      Effect.flatMap(adult("manage profiles or PINs"), (caller) =>
        Effect.map(apiErrors(updateProfile(caller, path.id, payload)), profileView)
      )
    )
    .handle("delete", ({ path }) =>
      Effect.flatMap(adult("manage profiles"), (caller) => apiErrors(deleteProfile(caller, path.id)))
    )
    .handle("select", ({ path, payload }) =>
      Effect.flatMap(CurrentCaller, (caller) =>
        Effect.map(apiErrors(selectProfile(caller, path.id, payload)), (selected) => ({
          access_token: Redacted.value(selected.accessToken),
          expires_in: selected.expiresIn,
          token_type: "Bearer" as const,
          profile: profileView(selected.profile)
        }))
      )
    )
)

export const PlansLive = HttpApiBuilder.group(PlatformApi, "plans", (handlers) =>
  handlers.handle("list", () => Effect.map(apiErrors(listPlans), (plans) => ({ plans: plans.map(planView) })))
)

export const AdminLive = HttpApiBuilder.group(PlatformApi, "admin", (handlers) =>
  handlers
    .handle("listPlans", () =>
      Effect.flatMap(admin, (caller) =>
        Effect.map(apiErrors(listAllPlans(caller)), (plans) => ({ plans: plans.map(planView) }))
      )
    )
    .handle("createPlan", ({ payload }) =>
      Effect.flatMap(admin, (caller) => Effect.map(apiErrors(createPlan(caller, payload)), planView))
    )
    .handle("updatePlan", ({ path, payload }) =>
      Effect.flatMap(admin, (caller) => Effect.map(apiErrors(updatePlan(caller, path.id, payload)), planView))
    )
    .handle("listUsers", ({ urlParams }) =>
      Effect.flatMap(admin, (caller) =>
        Effect.map(apiErrors(listUsers(caller, urlParams)), (page) => ({
          users: page.items.map(userView),
          page: page.page,
          limit: page.limit,
          total: page.total
        }))
      )
    )
    .handle("getUser", ({ path }) =>
      Effect.flatMap(admin, (caller) =>
        Effect.flatMap(apiErrors(getUser(caller, path.id)), ({ user, entitlement }) =>
          Effect.map(apiErrors(creditBalance(user.id)), (credits) => ({
            user: userView(user),
            plan: planView(entitlement.plan),
            plan_source: entitlement.source,
            credits_balance: credits
          }))
        )
      )
    )
    .handle("setRole", ({ path, payload }) =>
      Effect.flatMap(admin, (caller) =>
        Effect.map(apiErrors(setUserRole(caller, path.id, payload)), userView)
      )
    )
    .handle("setPlan", ({ path, payload }) =>
      Effect.flatMap(admin, (caller) =>
        Effect.map(apiErrors(setUserPlan(caller, path.id, payload)), userView)
      )
    )
)
