/**
 * The accounts part of the platform API, declared once: signing in, profiles,
 * the public plan list, and the admin's plans and users. Paths and snake_case
 * fields are the product's (`/api/v1/auth/signup`, `full_name`, …); the
 * platform API adds the `/api/v1` prefix.
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import {
  BusinessRule,
  Conflict,
  Forbidden,
  NotFound,
  TooManyRequests,
  Unauthenticated,
  Unavailable,
  ValidationFailed
} from "../Errors.js"
import { Authentication } from "../Security.js"
import { AccountView, PlanView, ProfileView, SelectedProfileView, SessionView, UserView } from "./Views.js"

/** Bodies refuse fields they do not declare: a misspelt field is a 400, not silently ignored. */
const strict = { onExcessProperty: "error" } as const

const IdParam = HttpApiSchema.param("id", Schema.String)

export const SignupRequest = Schema.Struct({
  email: Schema.String,
  password: Schema.String.annotations({ description: "At least 10 characters, not the email." }),
  full_name: Schema.String,
  preferred_language: Schema.optional(Schema.String.annotations({ description: "A BCP 47 tag: en, es-MX." }))
}).annotations({ identifier: "SignupRequest", parseOptions: strict })

export const LoginRequest = Schema.Struct({ email: Schema.String, password: Schema.String }).annotations({
  identifier: "LoginRequest",
  parseOptions: strict
})

export const RefreshRequest = Schema.Struct({ refresh_token: Schema.String }).annotations({
  identifier: "RefreshRequest",
  parseOptions: strict
})

export const CreateProfileRequest = Schema.Struct({
  name: Schema.String,
  avatar_url: Schema.optional(Schema.NullOr(Schema.String)),
  is_kids_profile: Schema.optional(Schema.Boolean),
  parental_pin: Schema.optional(Schema.NullOr(Schema.String).annotations({ description: "4 to 8 digits." }))
}).annotations({ identifier: "CreateProfileRequest", parseOptions: strict })

export const UpdateProfileRequest = Schema.Struct({
  name: Schema.optional(Schema.String),
  avatar_url: Schema.optional(Schema.NullOr(Schema.String).annotations({ description: "null removes it." })),
  is_kids_profile: Schema.optional(Schema.Boolean),
  parental_pin: Schema.optional(
    Schema.NullOr(Schema.String).annotations({ description: "A new PIN, or null to remove it." })
  )
}).annotations({ identifier: "UpdateProfileRequest", parseOptions: strict })

export const SelectProfileRequest = Schema.Struct({
  pin: Schema.optional(Schema.NullOr(Schema.String).annotations({ description: "When the profile has one." }))
}).annotations({ identifier: "SelectProfileRequest", parseOptions: strict })

const Price = Schema.Union(Schema.Number, Schema.String).annotations({
  description: "In the major unit, at most two decimals: 7.99."
})

export const CreatePlanRequest = Schema.Struct({
  name: Schema.String,
  stripe_price_id: Schema.optional(Schema.NullOr(Schema.String)),
  price_monthly: Price,
  currency: Schema.optional(Schema.String),
  max_profiles: Schema.Int,
  max_playlists: Schema.Int,
  max_favorites: Schema.Int,
  features: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  is_family_plan: Schema.optional(Schema.Boolean),
  max_members: Schema.optional(Schema.Int),
  is_default: Schema.optional(Schema.Boolean),
  is_active: Schema.optional(Schema.Boolean)
}).annotations({ identifier: "CreatePlanRequest", parseOptions: strict })

export const UpdatePlanRequest = Schema.Struct({
  name: Schema.optional(Schema.String),
  stripe_price_id: Schema.optional(Schema.NullOr(Schema.String)),
  price_monthly: Schema.optional(Price),
  currency: Schema.optional(Schema.String),
  max_profiles: Schema.optional(Schema.Int),
  max_playlists: Schema.optional(Schema.Int),
  max_favorites: Schema.optional(Schema.Int),
  features: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  is_family_plan: Schema.optional(Schema.Boolean),
  max_members: Schema.optional(Schema.Int),
  is_default: Schema.optional(Schema.Boolean),
  is_active: Schema.optional(Schema.Boolean)
}).annotations({ identifier: "UpdatePlanRequest", parseOptions: strict })

export const RoleRequest = Schema.Struct({ role: Schema.Literal("user", "reseller", "admin") }).annotations({
  identifier: "RoleRequest",
  parseOptions: strict
})

export const UserPlanRequest = Schema.Struct({
  plan_id: Schema.NullOr(Schema.String).annotations({ description: "null: back to the default plan." })
}).annotations({ identifier: "UserPlanRequest", parseOptions: strict })

/** `page` from 1, `limit` 1–100 (default 20). */
export const PageParams = Schema.Struct({
  page: Schema.optional(Schema.NumberFromString),
  limit: Schema.optional(Schema.NumberFromString.annotations({ description: "1 to 100; default 20." }))
})

export class AuthGroup extends HttpApiGroup.make("auth")
  .add(
    HttpApiEndpoint.post("signup", "/auth/signup")
      .setPayload(SignupRequest)
      .addSuccess(SessionView, { status: 201 })
      .addError(Conflict.schema)
      .annotate(OpenApi.Summary, "Create an account (with its default profile) and sign in")
  )
  .add(
    HttpApiEndpoint.post("login", "/auth/login")
      .setPayload(LoginRequest)
      .addSuccess(SessionView)
      .addError(Unauthenticated.schema)
      .annotate(OpenApi.Summary, "Sign in: an access token (15 min) and a refresh token")
  )
  .add(
    HttpApiEndpoint.post("refresh", "/auth/refresh")
      .setPayload(RefreshRequest)
      .addSuccess(SessionView)
      .addError(Unauthenticated.schema)
      .annotate(OpenApi.Summary, "Exchange a refresh token for a new pair; a used one ends the session")
  )
  .add(
    HttpApiEndpoint.post("logout", "/auth/logout")
      .addSuccess(HttpApiSchema.NoContent)
      .middleware(Authentication)
      .annotate(OpenApi.Summary, "End this session: its refresh token stops working")
  )
  .add(
    HttpApiEndpoint.get("me", "/auth/me")
      .addSuccess(AccountView)
      .middleware(Authentication)
      .annotate(OpenApi.Summary, "The signed-in user, the selected profile and the plan")
  )
  .addError(ValidationFailed.schema)
  .addError(Unavailable.schema)
  .annotate(OpenApi.Title, "Auth") {}

export class ProfilesGroup extends HttpApiGroup.make("profiles")
  .add(
    HttpApiEndpoint.get("list", "/profiles")
      .addSuccess(Schema.Struct({ profiles: Schema.Array(ProfileView) }))
      .annotate(OpenApi.Summary, "The account's profiles, oldest first")
  )
  .add(
    HttpApiEndpoint.post("create", "/profiles")
      .setPayload(CreateProfileRequest)
      .addSuccess(ProfileView, { status: 201 })
      .addError(Conflict.schema)
      .addError(BusinessRule.schema)
      .annotate(OpenApi.Summary, "Add a profile (adult session), within the plan's max_profiles")
  )
  .add(
    HttpApiEndpoint.patch("update")`/profiles/${IdParam}`
      .setPayload(UpdateProfileRequest)
      .addSuccess(ProfileView)
      .addError(Conflict.schema)
      .addError(NotFound.schema)
      .annotate(OpenApi.Summary, "Change a profile, its PIN included (adult session)")
  )
  .add(
    HttpApiEndpoint.del("delete")`/profiles/${IdParam}`
      .addSuccess(HttpApiSchema.NoContent)
      .addError(NotFound.schema)
      .addError(BusinessRule.schema)
      .annotate(OpenApi.Summary, "Delete a profile (adult session); the last one stays")
  )
  .add(
    HttpApiEndpoint.post("select")`/profiles/${IdParam}/select`
      .setPayload(SelectProfileRequest)
      .addSuccess(SelectedProfileView)
      .addError(NotFound.schema)
      .addError(TooManyRequests.schema)
      .annotate(
        OpenApi.Summary,
        "Select a profile: an access token scoped to it; a PIN where it has one (5 wrong in 15 min lock it)"
      )
  )
  .addError(ValidationFailed.schema)
  .addError(Forbidden.schema)
  .addError(Unavailable.schema)
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Profiles") {}

export class PlansGroup extends HttpApiGroup.make("plans")
  .add(
    HttpApiEndpoint.get("list", "/subscriptions/plans")
      .addSuccess(Schema.Struct({ plans: Schema.Array(PlanView) }))
      .addError(Unavailable.schema)
      .annotate(OpenApi.Summary, "The plans on sale, cheapest first")
  )
  .annotate(OpenApi.Title, "Plans") {}

export class AdminGroup extends HttpApiGroup.make("admin")
  .add(
    HttpApiEndpoint.get("listPlans", "/admin/plans")
      .addSuccess(Schema.Struct({ plans: Schema.Array(PlanView) }))
      .annotate(OpenApi.Summary, "Every plan, inactive ones too")
  )
  .add(
    HttpApiEndpoint.post("createPlan", "/admin/plans")
      .setPayload(CreatePlanRequest)
      .addSuccess(PlanView, { status: 201 })
      .addError(Conflict.schema)
      .annotate(OpenApi.Summary, "Add a plan")
  )
  .add(
    HttpApiEndpoint.patch("updatePlan")`/admin/plans/${IdParam}`
      .setPayload(UpdatePlanRequest)
      .addSuccess(PlanView)
      .addError(Conflict.schema)
      .addError(NotFound.schema)
      .annotate(OpenApi.Summary, "Change a plan")
  )
  .add(
    HttpApiEndpoint.get("listUsers", "/admin/users")
      .setUrlParams(
        Schema.Struct({
          search: Schema.optional(Schema.String.annotations({ description: "Part of the email or name." })),
          ...PageParams.fields
        })
      )
      .addSuccess(
        Schema.Struct({
          users: Schema.Array(UserView),
          page: Schema.Int,
          limit: Schema.Int,
          total: Schema.Int
        })
      )
      .annotate(OpenApi.Summary, "Users, newest first, by page")
  )
  .add(
    HttpApiEndpoint.get("getUser")`/admin/users/${IdParam}`
      .addSuccess(
        Schema.Struct({
          user: UserView,
          plan: PlanView,
          plan_source: Schema.Literal("default", "assigned", "subscription"),
          credits_balance: Schema.Int.annotations({ description: "The user's credits (0 before any grant)." })
        })
      )
      .addError(NotFound.schema)
      .annotate(OpenApi.Summary, "A user, the plan they are on and their credits")
  )
  .add(
    HttpApiEndpoint.patch("setRole")`/admin/users/${IdParam}/role`
      .setPayload(RoleRequest)
      .addSuccess(UserView)
      .addError(NotFound.schema)
      .annotate(OpenApi.Summary, "Change a role; an admin endpoint checks it at once")
  )
  .add(
    HttpApiEndpoint.patch("setPlan")`/admin/users/${IdParam}/plan`
      .setPayload(UserPlanRequest)
      .addSuccess(UserView)
      .addError(NotFound.schema)
      .annotate(OpenApi.Summary, "Assign a plan (null: the default plan)")
  )
  .addError(ValidationFailed.schema)
  .addError(Forbidden.schema)
  .addError(Unavailable.schema)
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Admin") {}
