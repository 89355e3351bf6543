/**
 * The plan catalog: what each plan allows. Prices are integer minor units.
 * When the catalog has no default plan, `freePlan` applies to every user
 * without one.
 */
import { DateTime, Option, Schema } from "effect"
import { PlanId } from "./Ids.js"

/** Plan features as a JSON object (`{ "ads": false, "hd": true }`). */
export const PlanFeatures = Schema.Record({ key: Schema.String, value: Schema.Unknown })
export type PlanFeatures = typeof PlanFeatures.Type

export class Plan extends Schema.Class<Plan>("Plan")({
  id: PlanId,
  name: Schema.String,
  /** The payment provider's price for it, when it is sold (`price_family_monthly`). */
  stripePriceId: Schema.OptionFromSelf(Schema.String),
  /** Monthly price in minor units (799 for 7.99). */
  priceMonthlyMinor: Schema.Int,
  /** ISO 4217, lower case. */
  currency: Schema.String,
  maxProfiles: Schema.Int,
  maxPlaylists: Schema.Int,
  maxFavorites: Schema.Int,
  features: PlanFeatures,
  isFamilyPlan: Schema.Boolean,
  /** Accounts a family plan covers (1 otherwise). */
  maxMembers: Schema.Int,
  /** The plan of every user who has none assigned; at most one. */
  isDefault: Schema.Boolean,
  /** Hidden from the public list (kept for the users on it). */
  isActive: Schema.Boolean,
  createdAt: Schema.DateTimeUtc
}) {}

/** The nil UUID names the built-in plan: it is in no store. */
export const FREE_PLAN_ID = PlanId.make("00000000-0000-4000-8000-000000000000")

/** The plan that applies when the catalog has no default: free, small. */
export const freePlan = new Plan({
  id: FREE_PLAN_ID,
  name: "Free",
  stripePriceId: Option.none(),
  priceMonthlyMinor: 0,
  currency: "usd",
  maxProfiles: 5,
  maxPlaylists: 3,
  maxFavorites: 200,
  features: {},
  isFamilyPlan: false,
  maxMembers: 1,
  isDefault: true,
  isActive: true,
  createdAt: DateTime.unsafeMake(0)
})
