/**
 * The accounts domain as the API shows it: snake_case, ISO dates, `null` for
 * what is absent. Secrets are not in the model, so no view can show them.
 */
import { type Entitlement, type Plan, type Profile, toMajorUnits, type User } from "@org/accounts"
import { Option, Redacted, Schema } from "effect"
import { IsoDate, iso } from "../Dates.js"

export const UserView = Schema.Struct({
  id: Schema.String,
  email: Schema.String,
  full_name: Schema.String,
  role: Schema.Literal("user", "reseller", "admin"),
  preferred_language: Schema.NullOr(Schema.String),
  plan_id: Schema.NullOr(Schema.String).annotations({
    description: "An assigned plan; null: the default plan."
  }),
  created_at: IsoDate
}).annotations({ identifier: "User" })

export const ProfileView = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  avatar_url: Schema.NullOr(Schema.String),
  is_kids_profile: Schema.Boolean,
  has_pin: Schema.Boolean.annotations({ description: "Selecting it needs the PIN (never shown)." }),
  is_default: Schema.Boolean,
  created_at: IsoDate
}).annotations({ identifier: "Profile" })

export const PlanView = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  stripe_price_id: Schema.NullOr(Schema.String),
  price_monthly: Schema.Number.annotations({
    description: "In the currency's major unit (7.99); kept exactly as 799 minor units."
  }),
  currency: Schema.String,
  max_profiles: Schema.Int,
  max_playlists: Schema.Int,
  max_favorites: Schema.Int,
  features: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  is_family_plan: Schema.Boolean,
  max_members: Schema.Int,
  is_default: Schema.Boolean,
  is_active: Schema.Boolean
}).annotations({ identifier: "Plan" })

export const SessionView = Schema.Struct({
  access_token: Schema.String,
  refresh_token: Schema.String.annotations({ description: "Single use: each refresh answers the next one." }),
  expires_in: Schema.Int.annotations({ description: "Seconds the access token is valid." }),
  token_type: Schema.Literal("Bearer"),
  user: UserView
}).annotations({ identifier: "Session" })

export const SelectedProfileView = Schema.Struct({
  access_token: Schema.String.annotations({
    description: "Scoped to the profile; refreshed tokens keep it."
  }),
  expires_in: Schema.Int,
  token_type: Schema.Literal("Bearer"),
  profile: ProfileView
}).annotations({ identifier: "SelectedProfile" })

export const AccountView = Schema.Struct({
  user: UserView,
  profile: Schema.NullOr(ProfileView).annotations({ description: "The profile selected in this session." }),
  plan: PlanView,
  plan_source: Schema.Literal("default", "assigned", "subscription")
}).annotations({ identifier: "Account" })

export const userView = (user: User): typeof UserView.Type => ({
  id: user.id,
  email: user.email,
  full_name: user.fullName,
  role: user.role,
  preferred_language: Option.getOrNull(user.preferredLanguage),
  plan_id: Option.getOrNull(user.planId),
  created_at: iso(user.createdAt)
})

export const profileView = (profile: Profile): typeof ProfileView.Type => ({
  id: profile.id,
  name: profile.name,
  avatar_url: Option.getOrNull(profile.avatarUrl),
  is_kids_profile: profile.isKids,
  has_pin: profile.hasPin,
  is_default: profile.isDefault,
  created_at: iso(profile.createdAt)
})

export const planView = (plan: Plan): typeof PlanView.Type => ({
  id: plan.id,
  name: plan.name,
  stripe_price_id: Option.getOrNull(plan.stripePriceId),
  price_monthly: toMajorUnits(plan.priceMonthlyMinor),
  currency: plan.currency,
  max_profiles: plan.maxProfiles,
  max_playlists: plan.maxPlaylists,
  max_favorites: plan.maxFavorites,
  features: plan.features,
  is_family_plan: plan.isFamilyPlan,
  max_members: plan.maxMembers,
  is_default: plan.isDefault,
  is_active: plan.isActive
})

export const sessionView = (signedIn: {
  readonly user: User
  readonly tokens: {
    readonly accessToken: Redacted.Redacted<string>
    readonly refreshToken: Redacted.Redacted<string>
    readonly expiresIn: number
  }
}): typeof SessionView.Type => ({
  access_token: Redacted.value(signedIn.tokens.accessToken),
  refresh_token: Redacted.value(signedIn.tokens.refreshToken),
  expires_in: signedIn.tokens.expiresIn,
  token_type: "Bearer",
  user: userView(signedIn.user)
})

export const accountView = (account: {
  readonly user: User
  readonly profile: Option.Option<Profile>
  readonly entitlement: Entitlement
}): typeof AccountView.Type => ({
  user: userView(account.user),
  profile: Option.getOrNull(Option.map(account.profile, profileView)),
  plan: planView(account.entitlement.plan),
  plan_source: account.entitlement.source
})
