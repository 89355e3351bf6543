/**
 * The billing state of an account: its payment-provider customer, whether its
 * one trial is used, and its current subscription. Each subscription field
 * group carries the version of the provider event that set it, so the next
 * state is decided by version, never by arrival order.
 */
import { PlanId, UserId } from "@org/accounts"
import { Schema } from "effect"

export const SubscriptionStatus = Schema.Literal("trialing", "active", "past_due", "canceled", "expired")
export type SubscriptionStatus = typeof SubscriptionStatus.Type

/**
 * Who collects the money: the platform's own trial (nobody), the payment
 * provider, or a reseller's credits.
 */
export const SubscriptionSource = Schema.Literal("trial", "stripe", "credits")
export type SubscriptionSource = typeof SubscriptionSource.Type

export const BillingInterval = Schema.Literal("month", "year")
export type BillingInterval = typeof BillingInterval.Type

/**
 * The version of a field group: the provider event that set it. Compared as
 * (at, rank, eventId): a later event wins; in the same second a fixed
 * precedence (`rank`) decides, then the event id, so every order of the same
 * events ends in the same state.
 */
export const Version = Schema.Struct({
  /** The event's creation time, epoch seconds. */
  at: Schema.Number,
  rank: Schema.Int,
  eventId: Schema.String
})
export type Version = typeof Version.Type

export const compareVersions = (a: Version, b: Version): number =>
  a.at !== b.at
    ? a.at - b.at
    : a.rank !== b.rank
      ? a.rank - b.rank
      : a.eventId < b.eventId
        ? -1
        : a.eventId > b.eventId
          ? 1
          : 0

export class Subscription extends Schema.Class<Subscription>("Subscription")({
  source: SubscriptionSource,
  status: SubscriptionStatus,
  /** The catalog plan of `priceId`; none when the price is not in the catalog. */
  planId: Schema.OptionFromSelf(PlanId),
  /** The provider's price (`price_family_monthly`). */
  priceId: Schema.OptionFromSelf(Schema.String),
  /** What one period costs, in minor units. */
  amountMinor: Schema.Int,
  /** ISO 4217, lower case. */
  currency: Schema.String,
  interval: BillingInterval,
  currentPeriodEnd: Schema.DateTimeUtc,
  cancelAtPeriodEnd: Schema.Boolean,
  /** Past due: the start of the period whose payment failed; grace runs from it. */
  dueSince: Schema.OptionFromSelf(Schema.DateTimeUtc),
  trialEndsAt: Schema.OptionFromSelf(Schema.DateTimeUtc),
  /** The provider's subscription (`sub_…`). */
  providerSubscriptionId: Schema.OptionFromSelf(Schema.String),
  /** When the provider created it: a newer subscription replaces an older one. */
  startedAt: Schema.DateTimeUtc,
  statusVersion: Version,
  termsVersion: Version
}) {}

export class BillingAccount extends Schema.Class<BillingAccount>("BillingAccount")({
  userId: UserId,
  /** The provider's customer (`cus_…`), created once and reused. */
  customerId: Schema.OptionFromSelf(Schema.String),
  /** One trial per account, ever. */
  trialUsed: Schema.Boolean,
  subscription: Schema.OptionFromSelf(Subscription),
  updatedAt: Schema.DateTimeUtc
}) {}
