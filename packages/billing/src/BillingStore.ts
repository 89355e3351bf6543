/**
 * Port: the billing state of each account and the provider events already
 * applied. Every write is atomic: an event's id is recorded in the same step
 * as its effect, so a duplicate delivery has none.
 */
import type { PlanId, UserId } from "@org/accounts"
import type { StoreUnavailable } from "@org/core"
import { Context, type DateTime, type Effect, type Option } from "effect"
import type { BillingAccount, BillingInterval } from "./Subscription.js"

export interface RecordedEvent {
  readonly id: string
  readonly type: string
  readonly createdAt: DateTime.Utc
  /**
   * The provider price the event is about: the store finds the catalog plan
   * of that price (on sale or not) in the same step, and hands it to `f`.
   */
  readonly priceId?: string | undefined
}

/** Who an event is about: the account is found by customer, else by account id. */
export interface EventParties {
  readonly customerId: string | undefined
  readonly userId: UserId | undefined
}

export type EventOutcome =
  /** Recorded now, its effect applied to the account. */
  | { readonly _tag: "Applied"; readonly account: BillingAccount }
  /** Recorded before: nothing done. */
  | { readonly _tag: "Duplicate" }
  /** Recorded now; no account matches it, so nothing else changed. */
  | { readonly _tag: "Unmatched" }

export interface ActiveGroup {
  readonly planId: Option.Option<PlanId>
  readonly currency: string
  readonly interval: BillingInterval
  readonly count: number
  /** The sum of one period's price over the group, minor units. */
  readonly amountMinor: number
}

export interface SubscriptionTotals {
  /** Subscriptions whose status is `active`, grouped by plan, currency and interval. */
  readonly active: ReadonlyArray<ActiveGroup>
  /** Trials (the platform's or the provider's) not yet ended at `now`. */
  readonly trialsRunning: number
  readonly pastDue: number
}

export interface BillingStoreService {
  readonly find: (userId: UserId) => Effect.Effect<Option.Option<BillingAccount>, StoreUnavailable>
  /**
   * Apply `f` to the account (a blank one if it has none yet) and store the
   * result, atomically with respect to every other write of the account.
   */
  readonly update: (
    userId: UserId,
    f: (account: BillingAccount) => BillingAccount
  ) => Effect.Effect<BillingAccount, StoreUnavailable>
  /**
   * Record `event` and apply `f` to the account it is about, with the plan of
   * the event's price (none without a price or a plan that has it), in one
   * atomic step; a recorded event id does nothing.
   */
  readonly recordEvent: (
    event: RecordedEvent,
    parties: EventParties,
    f: (account: BillingAccount, plan: Option.Option<PlanId>) => BillingAccount
  ) => Effect.Effect<EventOutcome, StoreUnavailable>
  readonly totals: (now: DateTime.Utc) => Effect.Effect<SubscriptionTotals, StoreUnavailable>
}

export class BillingStore extends Context.Tag("@org/billing/BillingStore")<
  BillingStore,
  BillingStoreService
>() {}
