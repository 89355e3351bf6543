/**
 * Port: the plan catalog. Names and Stripe price ids are unique; at most one
 * plan is the default (making one the default unmarks the other).
 */
import type { StoreUnavailable } from "@org/core"
import { Context, type Effect, type Option } from "effect"
import type { PlanConflict, PlanNotFound } from "./Errors.js"
import type { PlanId } from "./Ids.js"
import type { Plan } from "./Plan.js"

export interface PlanStoreService {
  readonly create: (plan: Plan) => Effect.Effect<void, PlanConflict | StoreUnavailable>
  /** Replace a plan by its id. */
  readonly update: (plan: Plan) => Effect.Effect<void, PlanConflict | PlanNotFound | StoreUnavailable>
  /** Cheapest first, then by name. */
  readonly list: (options: {
    readonly activeOnly: boolean
  }) => Effect.Effect<ReadonlyArray<Plan>, StoreUnavailable>
  readonly find: (planId: PlanId) => Effect.Effect<Option.Option<Plan>, StoreUnavailable>
  readonly findDefault: () => Effect.Effect<Option.Option<Plan>, StoreUnavailable>
}

export class PlanStore extends Context.Tag("@org/accounts/PlanStore")<PlanStore, PlanStoreService>() {}
