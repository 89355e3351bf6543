import { describe, expect, it } from "@effect/vitest"
import { UserStore } from "@org/accounts"
import { DateTime, Duration, Effect, Exit, Option, TestClock } from "effect"
import {
  AlreadySubscribed,
  applyEvent,
  BillingConfig,
  billingPortal,
  billingStats,
  cancelSubscription,
  checkout,
  makeBillingSettings,
  mySubscription,
  NoBillingAccount,
  NoPaidSubscription,
  PaymentProviderRejected,
  PlanNotForSale,
  type ProviderEvent,
  RedirectNotAllowed,
  startTrial
} from "../src/index.js"
import { BillingTest, PaymentProviderInMemoryControls } from "../src/testing.js"
import { newAccount, seedCatalog } from "./helpers.js"

const origins = { allowedRedirectOrigins: ["https://app.example.com"] }
const urls = { success_url: "https://app.example.com/success", cancel_url: "https://app.example.com/pricing" }
const env = BillingTest({ billing: origins })

describe("checkout", () => {
  it.effect("an unused trial is granted at checkout; a double click makes one session", () =>
    Effect.gen(function* () {
      yield* seedCatalog
      const john = yield* newAccount()
      const controls = yield* PaymentProviderInMemoryControls
      const first = yield* checkout(john.adult, { price_id: "price_basic_monthly", ...urls })
      const second = yield* checkout(john.adult, { price_id: "price_basic_monthly", ...urls })
      expect(second.sessionId).toBe(first.sessionId)
      expect(first.trialDays).toBe(7)
      expect(controls.sessions()).toHaveLength(1)
      expect(controls.customers()).toEqual([
        expect.objectContaining({ userId: john.user.id, email: "john@example.com" })
      ])
      // Another plan is another request, for the same customer.
      yield* checkout(john.adult, { price_id: "price_family_monthly", ...urls })
      expect(controls.customers()).toHaveLength(1)
      expect(new Set(controls.sessions().map((s) => s.customerId)).size).toBe(1)
    }).pipe(Effect.provide(env))
  )

  it.effect(
    "refuses redirects outside the allowed origins, prices not on sale, and a second subscription",
    () =>
      Effect.gen(function* () {
        yield* seedCatalog
        const john = yield* newAccount()
        const controls = yield* PaymentProviderInMemoryControls
        for (const bad of [
          "https://evil.example.com/x",
          "javascript:alert(1)",
          "https://app.example.com.evil.io/",
          "/relative"
        ]) {
          const error = yield* Effect.flip(
            checkout(john.adult, { ...urls, price_id: "price_basic_monthly", success_url: bad })
          )
          expect(error).toBeInstanceOf(RedirectNotAllowed)
        }
        const unknown = yield* Effect.flip(checkout(john.adult, { ...urls, price_id: "price_nope" }))
        expect(unknown).toEqual(new PlanNotForSale({ priceId: "price_nope" }))
        const empty = yield* Effect.flip(checkout(john.adult, { ...urls, price_id: "" }))
        expect(empty._tag).toBe("InvalidInput")
        expect(controls.sessions()).toHaveLength(0)

        const session = yield* checkout(john.adult, { price_id: "price_basic_monthly", ...urls })
        yield* Effect.forEach(yield* controls.completeCheckout(session.sessionId), applyEvent)
        const again = yield* Effect.flip(checkout(john.adult, { price_id: "price_family_monthly", ...urls }))
        expect(again).toEqual(new AlreadySubscribed({ status: "trialing" }))
      }).pipe(Effect.provide(env))
  )

  it.effect("a price the provider does not know is the provider's refusal, typed", () =>
    Effect.gen(function* () {
      const { admin } = yield* seedCatalog
      const { createPlan } = yield* Effect.promise(() => import("@org/accounts"))
      yield* createPlan(admin, {
        name: "Unsold",
        stripe_price_id: "price_missing_at_provider",
        price_monthly: 1,
        max_profiles: 1,
        max_playlists: 1,
        max_favorites: 1,
        features: {}
      })
      const john = yield* newAccount()
      const error = yield* Effect.flip(
        checkout(john.adult, { price_id: "price_missing_at_provider", ...urls })
      )
      expect(error).toBeInstanceOf(PaymentProviderRejected)
    }).pipe(Effect.provide(env))
  )
})

describe("trial", () => {
  it.effect("one per account, ever: a second start and a checkout after it grant none", () =>
    Effect.gen(function* () {
      yield* seedCatalog
      const john = yield* newAccount()
      const first = yield* startTrial(john.user.id)
      const ends = Option.flatMap(first.subscription, (s) => s.trialEndsAt)
      yield* TestClock.adjust(Duration.days(1))
      const second = yield* startTrial(john.user.id)
      expect(Option.flatMap(second.subscription, (s) => s.trialEndsAt)).toEqual(ends)
      expect(Option.map(ends, (e) => DateTime.toEpochMillis(e))).toEqual(
        Option.some(Duration.toMillis("7 days"))
      )
      const session = yield* checkout(john.adult, { price_id: "price_basic_monthly", ...urls })
      expect(session.trialDays).toBe(0)
    }).pipe(Effect.provide(env))
  )

  it.effect("trials off (0 days): signup starts none and checkout grants none", () =>
    Effect.gen(function* () {
      yield* seedCatalog
      const john = yield* newAccount()
      const account = yield* startTrial(john.user.id)
      expect(Option.isNone(account.subscription)).toBe(true)
      expect((yield* checkout(john.adult, { price_id: "price_basic_monthly", ...urls })).trialDays).toBe(0)
    }).pipe(Effect.provide(BillingTest({ billing: { ...origins, trialDays: 0 } })))
  )
})

describe("cancel and portal", () => {
  it.effect("cancel takes effect at period end: the plan stays until then, the free plan after", () =>
    Effect.gen(function* () {
      yield* seedCatalog
      const john = yield* newAccount()
      const controls = yield* PaymentProviderInMemoryControls
      expect(yield* Effect.flip(cancelSubscription(john.adult))).toEqual(new NoPaidSubscription())
      expect(yield* Effect.flip(billingPortal(john.adult, {}))).toEqual(new NoBillingAccount())
      yield* startTrial(john.user.id)
      const session = yield* checkout(john.adult, { price_id: "price_basic_monthly", ...urls })
      yield* Effect.forEach(yield* controls.completeCheckout(session.sessionId), applyEvent)
      const canceled = yield* cancelSubscription(john.adult)
      expect(Option.map(canceled.subscription, (s) => [s.status, s.cancelAtPeriodEnd])).toEqual(
        Option.some(["active", true])
      )
      expect(canceled.entitlement.plan.name).toBe("Basic")
      yield* TestClock.adjust(Duration.days(29))
      expect((yield* mySubscription(john.caller)).entitlement.plan.name).toBe("Basic")
      yield* TestClock.adjust(Duration.days(3))
      const after = yield* mySubscription(john.caller)
      expect(after.entitlement.plan.name).toBe("Free")
      expect(Option.map(after.access, (a) => a.status)).toEqual(Option.some("expired"))
      const portal = yield* billingPortal(john.adult, { return_url: "https://app.example.com/account" })
      expect(portal.url).toMatch(/^https:\/\/billing\.example\.test\//)
      const refused = yield* Effect.flip(
        billingPortal(john.adult, { return_url: "https://elsewhere.example/" })
      )
      expect(refused).toBeInstanceOf(RedirectNotAllowed)
    }).pipe(Effect.provide(env))
  )
})

describe("cancel against a provider clock ahead of ours", () => {
  it.effect("the cancellation outranks every event already applied, whatever this server's clock says", () =>
    Effect.gen(function* () {
      yield* seedCatalog
      const john = yield* newAccount("ahead@example.com")
      const controls = yield* PaymentProviderInMemoryControls
      yield* startTrial(john.user.id)
      const session = yield* checkout(john.adult, { price_id: "price_basic_monthly", ...urls })
      const events = yield* controls.completeCheckout(session.sessionId)
      // The provider's events are stamped two minutes ahead of this server's clock.
      yield* Effect.forEach(events, (event) =>
        applyEvent({ ...event, createdAt: DateTime.add(event.createdAt, { minutes: 2 }) })
      )
      const canceled = yield* cancelSubscription(john.adult)
      expect(Option.map(canceled.subscription, (s) => [s.status, s.cancelAtPeriodEnd])).toEqual(
        Option.some(["active", true])
      )
    }).pipe(Effect.provide(env))
  )
})

describe("admin stats", () => {
  it.effect("users by role, active subscriptions by plan, MRR (yearly ÷ 12), trials and past due", () =>
    Effect.gen(function* () {
      const { admin } = yield* seedCatalog
      const controls = yield* PaymentProviderInMemoryControls
      const subscribe = (email: string, priceId: string) =>
        Effect.gen(function* () {
          const account = yield* newAccount(email)
          yield* startTrial(account.user.id)
          const session = yield* checkout(account.adult, { price_id: priceId, ...urls })
          const events = yield* controls.completeCheckout(session.sessionId)
          yield* Effect.forEach(events, applyEvent)
          return { account, events }
        })
      // The trial is used at signup, so these pay at once.
      for (let i = 0; i < 3; i++) yield* subscribe(`basic${i}@example.com`, "price_basic_monthly")
      for (let i = 0; i < 2; i++) yield* subscribe(`family${i}@example.com`, "price_family_monthly")
      const { createPlan } = yield* Effect.promise(() => import("@org/accounts"))
      yield* createPlan(admin, {
        name: "Family yearly",
        stripe_price_id: "price_family_yearly",
        price_monthly: 9.99,
        max_profiles: 5,
        max_playlists: 10,
        max_favorites: 500,
        features: {}
      })
      yield* subscribe("yearly@example.com", "price_family_yearly")
      const late = yield* subscribe("late@example.com", "price_basic_monthly")
      const sub = (late.events[0] as Extract<ProviderEvent, { kind: "subscription" }>).subscription
      // Two accounts on a running trial, one reseller.
      for (const email of ["t1@example.com", "t2@example.com"]) {
        const account = yield* newAccount(email)
        yield* startTrial(account.user.id)
      }
      const reseller = yield* newAccount("reseller@example.com")
      yield* Effect.flatMap(UserStore, (users) => users.setRole(reseller.user.id, "reseller"))
      yield* TestClock.adjust(Duration.days(1))
      yield* Effect.forEach(yield* controls.renew(sub.id, "failed"), applyEvent)

      const stats = yield* billingStats(admin)
      expect(stats.totalUsers).toBe(1 + 3 + 2 + 1 + 1 + 2 + 1)
      expect(stats.usersByRole).toEqual({ admin: 1, reseller: 1, user: 9 })
      expect(stats.activeSubscriptions).toBe(6)
      expect(stats.subscriptionsByPlan.map((p) => [p.planName, p.activeSubscriptions, p.mrrMinor])).toEqual([
        ["Basic", 3, { usd: 1497 }],
        ["Family", 2, { usd: 1998 }],
        ["Family yearly", 1, { usd: 833 }]
      ])
      // 3 × 4.99 + 2 × 9.99 + 99.99 / 12 = 14.97 + 19.98 + 8.3325 → 43.28
      expect(stats.mrrMinor).toBe(4328)
      expect(stats.currency).toBe("usd")
      expect(stats.trialsRunning).toBe(2)
      expect(stats.pastDue).toBe(1)
    }).pipe(Effect.provide(env))
  )
})

describe("settings", () => {
  it("validates every field and names each problem", () => {
    const exit = Effect.runSyncExit(
      makeBillingSettings({
        trialDays: 1.5,
        graceDays: -1,
        allowedRedirectOrigins: ["https://a.example/path", "ftp://x"]
      })
    )
    expect(Exit.isFailure(exit)).toBe(true)
    const message = String(Exit.isFailure(exit) ? exit.cause : "")
    for (const field of ["trialDays", "graceDays", "https://a.example/path", "ftp://x"])
      expect(message).toContain(field)
    const ok = Effect.runSync(makeBillingSettings({ allowedRedirectOrigins: ["https://app.example.com/"] }))
    expect(ok.allowedRedirectOrigins).toEqual(["https://app.example.com"])
    // Grace may be a fraction of a day (0.5: 12 hours); a trial is whole days, as Stripe's.
    expect(Effect.runSync(makeBillingSettings({ graceDays: 0.5 })).graceDays).toBe(0.5)
    expect(Effect.runSync(BillingConfig).graceDays).toBe(3)
  })
})
