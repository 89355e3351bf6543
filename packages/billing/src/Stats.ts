/**
 * The admin's numbers: users (by role), active subscriptions (by plan),
 * monthly recurring revenue, trials running and past-due subscriptions.
 */
import { type AdminCaller, type PlanId, PlanStore, type Role, UserStore } from "@org/accounts"
import { DateTime, Effect, Option } from "effect"
import { type ActiveGroup, BillingStore } from "./BillingStore.js"
import { BillingConfig } from "./Config.js"

export interface PlanStats {
  /** None: a price that is not in the catalog. */
  readonly planId: Option.Option<PlanId>
  readonly planName: string
  readonly activeSubscriptions: number
  /** This plan's monthly recurring revenue, minor units, per currency. */
  readonly mrrMinor: Readonly<Record<string, number>>
}

export interface BillingStats {
  readonly totalUsers: number
  readonly usersByRole: Readonly<Record<Role, number>>
  readonly activeSubscriptions: number
  readonly subscriptionsByPlan: ReadonlyArray<PlanStats>
  /** Monthly recurring revenue in minor units of the reporting currency. */
  readonly mrrMinor: number
  readonly currency: string
  /** Every currency's MRR, minor units (one entry per currency billed). */
  readonly mrrByCurrencyMinor: Readonly<Record<string, number>>
  readonly trialsRunning: number
  readonly pastDue: number
}

/**
 * One period's price as a month's: monthly as is, yearly divided by 12. Kept
 * exact (fractions of a minor unit) until the total is rounded.
 */
const monthly = (group: ActiveGroup) =>
  group.interval === "year" ? group.amountMinor / 12 : group.amountMinor

export const billingStats = (_admin: AdminCaller) =>
  Effect.gen(function* () {
    const settings = yield* BillingConfig
    const now = yield* DateTime.now
    const [byRole, totals, plans] = yield* Effect.all(
      [
        Effect.flatMap(UserStore, (users) => users.countByRole()),
        Effect.flatMap(BillingStore, (store) => store.totals(now)),
        Effect.flatMap(PlanStore, (store) => store.list({ activeOnly: false }))
      ],
      { concurrency: "unbounded" }
    )
    const byPlan = new Map<
      string,
      { planId: Option.Option<PlanId>; count: number; mrr: Record<string, number> }
    >()
    const mrrByCurrency: Record<string, number> = {}
    for (const group of totals.active) {
      const key = Option.getOrElse(group.planId, () => "")
      const entry = byPlan.get(key) ?? { planId: group.planId, count: 0, mrr: {} }
      entry.count += group.count
      entry.mrr[group.currency] = (entry.mrr[group.currency] ?? 0) + monthly(group)
      byPlan.set(key, entry)
      mrrByCurrency[group.currency] = (mrrByCurrency[group.currency] ?? 0) + monthly(group)
    }
    const round = (record: Record<string, number>) =>
      Object.fromEntries(Object.entries(record).map(([currency, amount]) => [currency, Math.round(amount)]))
    const subscriptionsByPlan: Array<PlanStats> = [...byPlan.values()]
      .map((entry) => ({
        planId: entry.planId,
        planName: Option.match(entry.planId, {
          onNone: () => "(price not in the catalog)",
          onSome: (id) => plans.find((plan) => plan.id === id)?.name ?? "(removed plan)"
        }),
        activeSubscriptions: entry.count,
        mrrMinor: round(entry.mrr)
      }))
      .sort((a, b) => b.activeSubscriptions - a.activeSubscriptions || a.planName.localeCompare(b.planName))
    const mrr = round(mrrByCurrency)
    const stats: BillingStats = {
      totalUsers: byRole.user + byRole.reseller + byRole.admin,
      usersByRole: byRole,
      activeSubscriptions: subscriptionsByPlan.reduce((sum, plan) => sum + plan.activeSubscriptions, 0),
      subscriptionsByPlan,
      mrrMinor: mrr[settings.reportingCurrency] ?? 0,
      currency: settings.reportingCurrency,
      mrrByCurrencyMinor: mrr,
      trialsRunning: totals.trialsRunning,
      pastDue: totals.pastDue
    }
    return stats
  })
