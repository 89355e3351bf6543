/**
 * The billing store in JavaScript Maps. Each operation runs synchronously, so
 * recording an event and applying it are one atomic step.
 */
import { type PlanId, PlanStore, type PlanStoreService, type UserId } from "@org/accounts"
import { DateTime, Effect, Layer, Option } from "effect"
import {
  type ActiveGroup,
  BillingStore,
  type BillingStoreService,
  type EventOutcome,
  type EventParties
} from "../BillingStore.js"
import { emptyAccount } from "../Lifecycle.js"
import type { BillingAccount } from "../Subscription.js"

/** The store; `plans` resolves an event's price to its catalog plan. */
export const makeBillingInMemory = (plans?: PlanStoreService) => {
  const accounts = new Map<string, BillingAccount>()
  const events = new Set<string>()

  const write = (userId: UserId, f: (account: BillingAccount) => BillingAccount, now: DateTime.Utc) => {
    const next = f(accounts.get(userId) ?? emptyAccount(userId, now))
    accounts.set(userId, next)
    return next
  }

  /** Synchronous, so recording and applying are one atomic step. */
  const record = (
    eventId: string,
    parties: EventParties,
    f: (account: BillingAccount) => BillingAccount,
    now: DateTime.Utc
  ): EventOutcome => {
    if (events.has(eventId)) return { _tag: "Duplicate" }
    events.add(eventId)
    const byCustomer =
      parties.customerId === undefined
        ? undefined
        : [...accounts.values()].find((a) => Option.contains(a.customerId, parties.customerId as string))
    const userId = byCustomer?.userId ?? parties.userId
    if (userId === undefined) return { _tag: "Unmatched" }
    return { _tag: "Applied", account: write(userId, f, now) }
  }

  const store: BillingStoreService = {
    find: (userId) => Effect.sync(() => Option.fromNullable(accounts.get(userId))),
    update: (userId, f) => Effect.map(DateTime.now, (now) => write(userId, f, now)),
    recordEvent: (event, parties, f) =>
      Effect.gen(function* () {
        const priceId = event.priceId
        const planId: Option.Option<PlanId> =
          priceId === undefined || plans === undefined
            ? Option.none()
            : Option.map(
                Option.fromNullable(
                  (yield* plans.list({ activeOnly: false })).find((plan) =>
                    Option.contains(plan.stripePriceId, priceId)
                  )
                ),
                (plan) => plan.id
              )
        const now = yield* DateTime.now
        return record(event.id, parties, (account) => f(account, planId), now)
      }),
    totals: (now) =>
      Effect.sync(() => {
        const groups = new Map<string, ActiveGroup>()
        let trialsRunning = 0
        let pastDue = 0
        for (const account of accounts.values()) {
          if (Option.isNone(account.subscription)) continue
          const sub = account.subscription.value
          if (sub.status === "past_due") pastDue += 1
          if (
            sub.status === "trialing" &&
            DateTime.lessThan(
              now,
              Option.getOrElse(sub.trialEndsAt, () => sub.currentPeriodEnd)
            )
          )
            trialsRunning += 1
          if (sub.status !== "active") continue
          const key = [Option.getOrElse(sub.planId, () => ""), sub.currency, sub.interval].join("\u0000")
          const group = groups.get(key)
          groups.set(key, {
            planId: sub.planId,
            currency: sub.currency,
            interval: sub.interval,
            count: (group?.count ?? 0) + 1,
            amountMinor: (group?.amountMinor ?? 0) + sub.amountMinor
          })
        }
        return { active: [...groups.values()], trialsRunning, pastDue }
      })
  }
  return store
}

/** The billing store in memory, fresh for each layer build, over the catalog's plans. */
export const BillingInMemory: Layer.Layer<BillingStore, never, PlanStore> = Layer.effect(
  BillingStore,
  Effect.map(PlanStore, (plans) => makeBillingInMemory(plans))
)
