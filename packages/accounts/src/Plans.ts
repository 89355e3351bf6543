/**
 * The plan catalog: a public list, and an admin's create and update.
 */
import { randomUuid } from "@org/core"
import { DateTime, Effect, Option, Schema } from "effect"
import type { AdminCaller } from "./Caller.js"
import { decodeInput, PlanNotFound } from "./Errors.js"
import { PlanId } from "./Ids.js"
import { PriceFromMajorUnits } from "./Money.js"
import { Plan, PlanFeatures } from "./Plan.js"
import { PlanStore } from "./PlanStore.js"

const Limit = (max: number) =>
  Schema.Int.pipe(Schema.between(0, max, { message: () => `a whole number from 0 to ${max}` }))

const planFields = {
  name: Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(100)),
  stripe_price_id: Schema.NullOr(Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9_-]{1,200}$/))),
  price_monthly: PriceFromMajorUnits,
  currency: Schema.String.pipe(
    Schema.pattern(/^[a-z]{3}$/, { message: () => "a currency is three lower-case letters, such as usd" })
  ),
  max_profiles: Limit(100).pipe(
    Schema.greaterThanOrEqualTo(1, { message: () => "a plan allows at least one profile" })
  ),
  max_playlists: Limit(10_000),
  max_favorites: Limit(100_000),
  features: PlanFeatures,
  is_family_plan: Schema.Boolean,
  max_members: Limit(100).pipe(Schema.greaterThanOrEqualTo(1)),
  is_default: Schema.Boolean,
  is_active: Schema.Boolean
}

const CreatePlanInput = Schema.Struct({
  name: planFields.name,
  stripe_price_id: Schema.optional(planFields.stripe_price_id),
  price_monthly: planFields.price_monthly,
  currency: Schema.optional(planFields.currency),
  max_profiles: planFields.max_profiles,
  max_playlists: planFields.max_playlists,
  max_favorites: planFields.max_favorites,
  features: Schema.optional(planFields.features),
  is_family_plan: Schema.optional(planFields.is_family_plan),
  max_members: Schema.optional(planFields.max_members),
  is_default: Schema.optional(planFields.is_default),
  is_active: Schema.optional(planFields.is_active)
})

const UpdatePlanInput = Schema.partial(Schema.Struct(planFields))

export type CreatePlanInput = typeof CreatePlanInput.Encoded
export type UpdatePlanInput = typeof UpdatePlanInput.Encoded

/** Plans on sale, cheapest first (the public list). */
export const listPlans = Effect.flatMap(PlanStore, (store) => store.list({ activeOnly: true }))

/** Every plan, inactive ones too (admins). */
export const listAllPlans = (_admin: AdminCaller) =>
  Effect.flatMap(PlanStore, (store) => store.list({ activeOnly: false }))

export const createPlan = (_admin: AdminCaller, input: CreatePlanInput) =>
  Effect.gen(function* () {
    const decoded = yield* decodeInput(CreatePlanInput)(input)
    const plan = new Plan({
      id: PlanId.make(yield* randomUuid),
      name: decoded.name,
      stripePriceId: Option.fromNullable(decoded.stripe_price_id),
      priceMonthlyMinor: decoded.price_monthly,
      currency: decoded.currency ?? "usd",
      maxProfiles: decoded.max_profiles,
      maxPlaylists: decoded.max_playlists,
      maxFavorites: decoded.max_favorites,
      features: decoded.features ?? {},
      isFamilyPlan: decoded.is_family_plan ?? false,
      maxMembers: decoded.max_members ?? 1,
      isDefault: decoded.is_default ?? false,
      isActive: decoded.is_active ?? true,
      createdAt: yield* DateTime.now
    })
    yield* Effect.flatMap(PlanStore, (store) => store.create(plan))
    yield* Effect.logInfo("plan created").pipe(Effect.annotateLogs({ plan_id: plan.id }))
    return plan
  })

const decodePlanId = Schema.decodeUnknownOption(PlanId)

export const findPlanOrFail = (planId: string) =>
  Effect.gen(function* () {
    const id = decodePlanId(planId)
    const plan = Option.isSome(id)
      ? yield* Effect.flatMap(PlanStore, (store) => store.find(id.value))
      : Option.none()
    if (Option.isNone(plan)) return yield* new PlanNotFound({ planId })
    return plan.value
  })

export const updatePlan = (_admin: AdminCaller, planId: string, input: UpdatePlanInput) =>
  Effect.gen(function* () {
    const decoded = yield* decodeInput(UpdatePlanInput)(input)
    const current = yield* findPlanOrFail(planId)
    const plan = new Plan({
      ...current,
      name: decoded.name ?? current.name,
      stripePriceId:
        decoded.stripe_price_id === undefined
          ? current.stripePriceId
          : Option.fromNullable(decoded.stripe_price_id),
      priceMonthlyMinor: decoded.price_monthly ?? current.priceMonthlyMinor,
      currency: decoded.currency ?? current.currency,
      maxProfiles: decoded.max_profiles ?? current.maxProfiles,
      maxPlaylists: decoded.max_playlists ?? current.maxPlaylists,
      maxFavorites: decoded.max_favorites ?? current.maxFavorites,
      features: decoded.features ?? current.features,
      isFamilyPlan: decoded.is_family_plan ?? current.isFamilyPlan,
      maxMembers: decoded.max_members ?? current.maxMembers,
      isDefault: decoded.is_default ?? current.isDefault,
      isActive: decoded.is_active ?? current.isActive
    })
    yield* Effect.flatMap(PlanStore, (store) => store.update(plan))
    return plan
  })
