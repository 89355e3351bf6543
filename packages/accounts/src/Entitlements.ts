/**
 * Port: what a user may do now, as a plan. Here it comes from the catalog (the
 * plan an admin assigned, else the default); billing provides its own from
 * subscriptions.
 */
import type { StoreUnavailable } from "@org/core"
import { Context, Effect, Layer, Option } from "effect"
import type { UserId } from "./Ids.js"
import { freePlan, type Plan } from "./Plan.js"
import { PlanStore } from "./PlanStore.js"
import { UserStore } from "./UserStore.js"

export interface Entitlement {
  readonly plan: Plan
  /** Where the plan comes from. */
  readonly source: "default" | "assigned" | "subscription"
}

export interface EntitlementsService {
  readonly forUser: (userId: UserId) => Effect.Effect<Entitlement, StoreUnavailable>
}

export class Entitlements extends Context.Tag("@org/accounts/Entitlements")<
  Entitlements,
  EntitlementsService
>() {
  /** The assigned plan, else the catalog's default, else `freePlan`. */
  static readonly fromCatalog: Layer.Layer<Entitlements, never, UserStore | PlanStore> = Layer.effect(
    Entitlements,
    Effect.gen(function* () {
      const users = yield* UserStore
      const plans = yield* PlanStore
      const defaultPlan = Effect.map(
        plans.findDefault(),
        Option.getOrElse(() => freePlan)
      )
      return Entitlements.of({
        forUser: (userId) =>
          Effect.gen(function* () {
            const user = yield* users.findUser(userId)
            const assigned = Option.flatMap(user, (u) => u.planId)
            if (Option.isSome(assigned)) {
              const plan = yield* plans.find(assigned.value)
              if (Option.isSome(plan)) return { plan: plan.value, source: "assigned" as const }
            }
            return { plan: yield* defaultPlan, source: "default" as const }
          })
      })
    })
  )
}
