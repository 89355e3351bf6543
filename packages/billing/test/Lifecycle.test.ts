import { describe, expect, it } from "@effect/vitest"
import { createProfile, listProfiles, PlanLimitReached } from "@org/accounts"
import { Duration, Effect, Option, TestClock } from "effect"
import {
  applyEvent,
  BillingStore,
  checkout,
  mySubscription,
  type ProviderEvent,
  receiveWebhook,
  startTrial
} from "../src/index.js"
import { BillingTest, PaymentProviderInMemoryControls } from "../src/testing.js"
import { newAccount, seedCatalog, seeded, shuffle } from "./helpers.js"

const origins = { allowedRedirectOrigins: ["https://app.example.com"] }
const urls = { success_url: "https://app.example.com/success", cancel_url: "https://app.example.com/pricing" }

const world = Effect.gen(function* () {
  const catalog = yield* seedCatalog
  const john = yield* newAccount()
  return { ...catalog, john }
})

const deliver = (event: ProviderEvent) =>
  Effect.gen(function* () {
    const controls = yield* PaymentProviderInMemoryControls
    const { body, signature } = controls.sign(event)
    return yield* receiveWebhook(body, signature)
  })

const deliverAll = (events: ReadonlyArray<ProviderEvent>) =>
  Effect.forEach(events, deliver, { discard: true })

const status = (caller: Parameters<typeof mySubscription>[0]) =>
  Effect.map(mySubscription(caller), (me) => ({
    status: Option.map(me.access, (a) => a.status),
    plan: me.entitlement.plan.name,
    source: me.entitlement.source
  }))

/**
 * The story at the in-memory provider: trial, checkout, paid, failed
 * renewal (grace), grace over, paid again. Answers every event the provider
 * sent, in its order; `check` runs at each step.
 */
const story = (check: boolean) =>
  Effect.gen(function* () {
    const { john } = yield* world
    const controls = yield* PaymentProviderInMemoryControls
    const sent: Array<ProviderEvent> = []
    const send = (events: ReadonlyArray<ProviderEvent>) =>
      Effect.gen(function* () {
        sent.push(...events)
        if (check) yield* deliverAll(events)
      })

    yield* startTrial(john.user.id)
    if (check)
      expect(yield* status(john.caller)).toEqual({
        status: Option.some("trialing"),
        plan: "Family",
        source: "subscription"
      })
    yield* TestClock.adjust(Duration.days(8))
    if (check)
      expect(yield* status(john.caller)).toEqual({
        status: Option.some("expired"),
        plan: "Free",
        source: "default"
      })

    const session = yield* checkout(john.adult, { price_id: "price_family_monthly", ...urls })
    expect(session.trialDays).toBe(0)
    yield* send(yield* controls.completeCheckout(session.sessionId))
    if (check) {
      expect(yield* status(john.caller)).toEqual({
        status: Option.some("active"),
        plan: "Family",
        source: "subscription"
      })
      for (const name of ["Jane", "Kid", "Guest"]) yield* createProfile(john.adult, { name })
      expect((yield* listProfiles(john.caller)).length).toBe(4)
    }
    const subscriptionId = Option.getOrThrow(
      Option.flatMap(
        Option.flatMap(
          yield* Effect.flatMap(BillingStore, (s) => s.find(john.user.id)),
          (a) => a.subscription
        ),
        (s) => s.providerSubscriptionId
      ).pipe(Option.orElse(() => Option.some(controls.sessions()[0]?.id ?? "")))
    )

    yield* TestClock.adjust(Duration.days(30))
    const subId = check
      ? subscriptionId
      : (sent[0] as Extract<ProviderEvent, { kind: "subscription" }>).subscription.id
    yield* send(yield* controls.renew(subId, "failed"))
    if (check) {
      const me = yield* mySubscription(john.caller)
      expect(Option.map(me.access, (a) => a.status)).toEqual(Option.some("past_due"))
      expect(me.entitlement.plan.name).toBe("Family")
      expect(Option.isSome(Option.flatMap(me.access, (a) => a.graceEndsAt))).toBe(true)
    }

    yield* TestClock.adjust(Duration.days(4))
    if (check) {
      expect(yield* status(john.caller)).toEqual({
        status: Option.some("past_due"),
        plan: "Free",
        source: "default"
      })
      // Nothing is deleted: the four profiles stay, but a fifth is refused by the free plan's limit.
      expect((yield* listProfiles(john.caller)).length).toBe(4)
      const refused = yield* Effect.flip(createProfile(john.adult, { name: "Fifth" }))
      expect(refused).toBeInstanceOf(PlanLimitReached)
    }

    yield* send(yield* controls.payOpenInvoice(subId))
    if (check)
      expect(yield* status(john.caller)).toEqual({
        status: Option.some("active"),
        plan: "Family",
        source: "subscription"
      })
    return { sent, userId: john.user.id }
  })

describe("the subscription story", () => {
  it.effect(
    "trial → expired → checkout → active → past due (plan kept) → grace over (free) → paid → active",
    () => story(true).pipe(Effect.provide(BillingTest({ billing: origins })))
  )

  it.effect("every event twice, in 25 seeded shuffled orders, ends where the in-order delivery ends", () =>
    Effect.gen(function* () {
      const { sent, userId } = yield* story(false).pipe(Effect.provide(BillingTest({ billing: origins })))
      const finalState = (events: ReadonlyArray<ProviderEvent>) =>
        Effect.gen(function* () {
          yield* world
          yield* Effect.forEach(events, applyEvent, { discard: true })
          const account = Option.getOrThrow(yield* Effect.flatMap(BillingStore, (s) => s.find(userId)))
          return {
            subscription: account.subscription,
            customerId: account.customerId,
            trialUsed: account.trialUsed
          }
        }).pipe(Effect.provide(BillingTest({ billing: origins })))
      const inOrder = yield* finalState(sent)
      expect(Option.map(inOrder.subscription, (s) => s.status)).toEqual(Option.some("active"))
      for (let seed = 1; seed <= 25; seed++) {
        const order = shuffle([...sent, ...sent], seeded(seed))
        const result = yield* finalState(order)
        expect(result, `shuffled order with seed ${seed}: ${order.map((e) => e.type).join(", ")}`).toEqual(
          inOrder
        )
      }
    })
  )
})

describe("decided by version, not arrival", () => {
  const setup = Effect.gen(function* () {
    const { john } = yield* world
    const controls = yield* PaymentProviderInMemoryControls
    const session = yield* checkout(john.adult, { price_id: "price_basic_monthly", ...urls })
    const created = yield* controls.completeCheckout(session.sessionId)
    const sub = (created[0] as Extract<ProviderEvent, { kind: "subscription" }>).subscription
    return { john, controls, created, sub }
  })
  const subscriptionOf = (userId: Parameters<BillingStore["Type"]["find"]>[0]) =>
    Effect.map(
      Effect.flatMap(BillingStore, (s) => s.find(userId)),
      (a) => Option.getOrThrow(Option.flatMap(a, (x) => x.subscription))
    )

  it.effect("a late customer.subscription.created after …updated changes nothing", () =>
    Effect.gen(function* () {
      const { john, controls, created, sub } = yield* setup
      yield* TestClock.adjust(Duration.days(2))
      const updated = yield* controls.renew(sub.id, "paid")
      yield* deliverAll(updated)
      const before = yield* subscriptionOf(john.user.id)
      yield* deliverAll(created)
      expect(yield* subscriptionOf(john.user.id)).toEqual(before)
      expect(before.status).toBe("active")
    }).pipe(Effect.provide(BillingTest({ billing: origins })))
  )

  it.effect("a replayed invoice.paid extends nothing twice; a duplicate event id is not applied again", () =>
    Effect.gen(function* () {
      const { john, controls, created, sub } = yield* setup
      yield* deliverAll(created)
      yield* TestClock.adjust(Duration.days(30))
      const renewal = yield* controls.renew(sub.id, "paid")
      yield* deliverAll(renewal)
      const once = yield* subscriptionOf(john.user.id)
      const outcomes = yield* Effect.forEach(renewal, deliver)
      expect(outcomes.map((o) => o._tag)).toEqual(["Duplicate", "Duplicate"])
      // The same invoice under a new event id (a provider resend) extends nothing either.
      yield* Effect.forEach(renewal, (e) => applyEvent({ ...e, id: `${e.id}_resend` }))
      expect(yield* subscriptionOf(john.user.id)).toEqual(
        expect.objectContaining({ currentPeriodEnd: once.currentPeriodEnd, status: "active" })
      )
    }).pipe(Effect.provide(BillingTest({ billing: origins })))
  )

  it.effect("customer.subscription.deleted cancels at once, to the free plan's limits", () =>
    Effect.gen(function* () {
      const { john, controls, created, sub } = yield* setup
      yield* deliverAll(created)
      expect((yield* status(john.caller)).plan).toBe("Basic")
      yield* deliverAll(yield* controls.endSubscription(sub.id))
      expect(yield* status(john.caller)).toEqual({
        status: Option.some("canceled"),
        plan: "Free",
        source: "default"
      })
      // An older event arriving after the deletion does not revive it.
      yield* deliverAll(created.map((e) => ({ ...e, id: `${e.id}_late` })))
      expect((yield* status(john.caller)).status).toEqual(Option.some("canceled"))
    }).pipe(Effect.provide(BillingTest({ billing: origins })))
  )

  it.effect("a newer subscription replaces an older one; the old one's late deletion leaves it alone", () =>
    Effect.gen(function* () {
      const { john, controls, created, sub } = yield* setup
      yield* deliverAll(created)
      const ended = yield* controls.endSubscription(sub.id)
      yield* deliverAll(ended)
      yield* TestClock.adjust(Duration.hours(1))
      const again = yield* checkout(john.adult, { price_id: "price_family_monthly", ...urls })
      const second = yield* controls.completeCheckout(again.sessionId)
      yield* deliverAll(second)
      yield* deliverAll(ended.map((e) => ({ ...e, id: `${e.id}_again` })))
      yield* deliverAll(created.map((e) => ({ ...e, id: `${e.id}_again` })))
      expect(yield* status(john.caller)).toEqual({
        status: Option.some("active"),
        plan: "Family",
        source: "subscription"
      })
    }).pipe(Effect.provide(BillingTest({ billing: origins })))
  )

  it.effect("an event about no known account is recorded and changes nothing", () =>
    Effect.gen(function* () {
      const { created } = yield* setup
      const stray = created.map((e) =>
        e.kind === "subscription"
          ? {
              ...e,
              id: "evt_stray",
              subscription: { ...e.subscription, customerId: "cus_other", userId: Option.none() }
            }
          : e
      )[0] as ProviderEvent
      expect((yield* applyEvent(stray))._tag).toBe("Unmatched")
      expect((yield* applyEvent(stray))._tag).toBe("Duplicate")
    }).pipe(Effect.provide(BillingTest({ billing: origins })))
  )
})
