/**
 * Billing as the API shows it: snake_case, ISO dates, money in the major unit
 * (7.99), `null` for what is absent.
 */
import { toMajorUnits } from "@org/accounts"
import type { BillingStats, CheckoutSession, SubscriptionOverview } from "@org/billing"
import { Option, Schema } from "effect"
import { PlanView, planView } from "../accounts/Views.js"
import { IsoDate, iso } from "../Dates.js"

export const SubscriptionView = Schema.Struct({
  status: Schema.Literal("trialing", "active", "past_due", "canceled", "expired").annotations({
    description: "As it stands now: a trial or period past its end reads `expired`."
  }),
  source: Schema.Literal("trial", "stripe", "credits").annotations({
    description: "`trial`: the platform's free trial; `stripe`: paid by card; `credits`: paid by a reseller."
  }),
  plan: Schema.NullOr(PlanView).annotations({
    description: "The plan subscribed to; null: a price not in the catalog."
  }),
  price_id: Schema.NullOr(Schema.String),
  amount: Schema.Number.annotations({ description: "One period's price in the major unit (7.99)." }),
  currency: Schema.String,
  interval: Schema.Literal("month", "year"),
  current_period_end: IsoDate,
  cancel_at_period_end: Schema.Boolean,
  trial_ends_at: Schema.NullOr(IsoDate),
  grace_ends_at: Schema.NullOr(IsoDate).annotations({
    description: "Past due: the plan's limits hold until then unless a payment arrives."
  }),
  stripe_subscription_id: Schema.NullOr(Schema.String)
}).annotations({ identifier: "Subscription" })

export const SubscriptionOverviewView = Schema.Struct({
  subscription: Schema.NullOr(SubscriptionView),
  trial_used: Schema.Boolean.annotations({ description: "One trial per account, ever." }),
  stripe_customer_id: Schema.NullOr(Schema.String),
  plan: PlanView.annotations({ description: "The plan whose limits apply now." }),
  plan_source: Schema.Literal("default", "assigned", "subscription")
}).annotations({ identifier: "SubscriptionOverview" })

export const CheckoutView = Schema.Struct({
  session_id: Schema.String,
  url: Schema.String.annotations({ description: "Send the browser here to pay." }),
  plan: PlanView,
  trial_days: Schema.Int.annotations({
    description: "Days of trial the checkout grants (0: the trial is used)."
  })
}).annotations({ identifier: "CheckoutSession" })

export const PortalView = Schema.Struct({
  url: Schema.String.annotations({ description: "The billing portal: card, invoices, cancellation." })
}).annotations({ identifier: "PortalSession" })

export const WebhookReceipt = Schema.Struct({
  received: Schema.Literal(true),
  outcome: Schema.Literal("applied", "duplicate", "unmatched").annotations({
    description: "`duplicate`: delivered before, nothing done; `unmatched`: about no account here."
  })
}).annotations({ identifier: "WebhookReceipt" })

export const PlanStatsView = Schema.Struct({
  plan_id: Schema.NullOr(Schema.String),
  plan_name: Schema.String,
  active_subscriptions: Schema.Int,
  mrr: Schema.Number.annotations({ description: "This plan's MRR in the reporting currency, major unit." })
}).annotations({ identifier: "PlanStats" })

export const StatsView = Schema.Struct({
  total_users: Schema.Int,
  users_by_role: Schema.Struct({ user: Schema.Int, reseller: Schema.Int, admin: Schema.Int }),
  active_subscriptions: Schema.Int,
  subscriptions_by_plan: Schema.Array(PlanStatsView),
  mrr: Schema.Number.annotations({
    description:
      "Monthly recurring revenue in the reporting currency's major unit: active monthly prices, yearly ones divided by 12."
  }),
  currency: Schema.String,
  mrr_by_currency: Schema.Record({ key: Schema.String, value: Schema.Number }),
  trials_running: Schema.Int,
  past_due: Schema.Int
}).annotations({ identifier: "Stats" })

export const subscriptionOverviewView = (
  overview: SubscriptionOverview
): typeof SubscriptionOverviewView.Type => ({
  subscription: Option.getOrNull(
    Option.map(overview.subscription, (sub) => ({
      status: Option.match(overview.access, { onNone: () => sub.status, onSome: (access) => access.status }),
      source: sub.source,
      plan: Option.getOrNull(Option.map(overview.subscribedPlan, planView)),
      price_id: Option.getOrNull(sub.priceId),
      amount: toMajorUnits(sub.amountMinor),
      currency: sub.currency,
      interval: sub.interval,
      current_period_end: iso(sub.currentPeriodEnd),
      cancel_at_period_end: sub.cancelAtPeriodEnd,
      trial_ends_at: Option.getOrNull(Option.map(sub.trialEndsAt, iso)),
      grace_ends_at: Option.getOrNull(
        Option.map(
          Option.flatMap(overview.access, (access) => access.graceEndsAt),
          iso
        )
      ),
      stripe_subscription_id: Option.getOrNull(sub.providerSubscriptionId)
    }))
  ),
  trial_used: overview.account.trialUsed,
  stripe_customer_id: Option.getOrNull(overview.account.customerId),
  plan: planView(overview.entitlement.plan),
  plan_source: overview.entitlement.source
})

export const checkoutView = (session: CheckoutSession): typeof CheckoutView.Type => ({
  session_id: session.sessionId,
  url: session.url,
  plan: planView(session.plan),
  trial_days: session.trialDays
})

export const statsView = (stats: BillingStats): typeof StatsView.Type => ({
  total_users: stats.totalUsers,
  users_by_role: {
    user: stats.usersByRole.user,
    reseller: stats.usersByRole.reseller,
    admin: stats.usersByRole.admin
  },
  active_subscriptions: stats.activeSubscriptions,
  subscriptions_by_plan: stats.subscriptionsByPlan.map((plan) => ({
    plan_id: Option.getOrNull(plan.planId),
    plan_name: plan.planName,
    active_subscriptions: plan.activeSubscriptions,
    mrr: toMajorUnits(plan.mrrMinor[stats.currency] ?? 0)
  })),
  mrr: toMajorUnits(stats.mrrMinor),
  currency: stats.currency,
  mrr_by_currency: Object.fromEntries(
    Object.entries(stats.mrrByCurrencyMinor).map(([currency, minor]) => [currency, toMajorUnits(minor)])
  ),
  trials_running: stats.trialsRunning,
  past_due: stats.pastDue
})
