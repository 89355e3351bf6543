/**
 * The `Entitlements` port of `@org/accounts`, from the subscription: limits
 * and features follow the plan the moment an event changes it. A plan an
 * admin assigned overrides the subscription (support's manual adjustment);
 * without either, the catalog's default plan applies.
 */
import { Entitlements, PlanStore, type UserStore } from "@org/accounts"
import { DateTime, Effect, Layer, Option } from "effect"
import { BillingStore } from "./BillingStore.js"
import { BillingConfig } from "./Config.js"
import { accessAt, graceOf } from "./Lifecycle.js"

export const BillingEntitlements: Layer.Layer<Entitlements, never, BillingStore | PlanStore | UserStore> =
  Layer.effect(
    Entitlements,
    Effect.gen(function* () {
      const catalog = yield* Effect.provide(Entitlements, Entitlements.fromCatalog)
      const store = yield* BillingStore
      const plans = yield* PlanStore
      return Entitlements.of({
        forUser: (userId) =>
          Effect.gen(function* () {
            const fallback = yield* catalog.forUser(userId)
            if (fallback.source === "assigned") return fallback
            const subscription = Option.flatMap(yield* store.find(userId), (account) => account.subscription)
            if (Option.isNone(subscription)) return fallback
            const settings = yield* BillingConfig
            const now = yield* DateTime.now
            const access = accessAt(subscription.value, now, graceOf(settings.graceDays))
            if (Option.isNone(access.planId)) return fallback
            const plan = yield* plans.find(access.planId.value)
            return Option.isSome(plan) ? { plan: plan.value, source: "subscription" as const } : fallback
          })
      })
    })
  )
