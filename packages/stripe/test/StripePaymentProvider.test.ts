import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import type { UserId } from "@org/accounts"
import {
  PaymentProvider,
  PaymentProviderRejected,
  PaymentProviderUnavailable,
  type ProviderEvent,
  WebhookRejected
} from "@org/billing"
import { DateTime, Effect, Option, Redacted } from "effect"
import { InvalidStripeConfig, StripePaymentProvider, type StripeSettings } from "../src/index.js"
import { FakeStripe, type StripeEventJson, signPayload } from "../src/testing.js"

const webhookSecret = "whsec_test_secret"
const userId = "6b9064e7-d8c9-4260-8927-2c38f58a44d3" as UserId
let fake: FakeStripe

beforeAll(async () => {
  fake = await FakeStripe.start({ secretKey: "sk_test_123" })
  fake.addPrice({ id: "price_family_monthly", unitAmount: 999 })
  fake.addPrice({ id: "price_family_yearly", unitAmount: 9999, interval: "year" })
})
afterAll(() => fake.close())

const settings = (overrides: Partial<StripeSettings> = {}): StripeSettings => ({
  secretKey: Redacted.make("sk_test_123"),
  webhookSecret: Redacted.make(webhookSecret),
  apiUrl: fake.url,
  maxNetworkRetries: 0,
  ...overrides
})

const provider = (overrides: Partial<StripeSettings> = {}) =>
  Effect.provide(PaymentProvider, StripePaymentProvider.layer(settings(overrides)))

const body = (event: StripeEventJson) => JSON.stringify(event)
const bytes = (text: string) => new TextEncoder().encode(text)

const checkoutFor = (stripe: PaymentProvider["Type"], key: string, trialDays = Option.none<number>()) =>
  Effect.gen(function* () {
    const customerId = yield* stripe.createCustomer({
      userId,
      email: "john@example.com",
      requestKey: `customer:${key}`
    })
    const session = yield* stripe.createCheckout({
      userId,
      customerId,
      priceId: "price_family_monthly",
      successUrl: "https://app.example.com/success",
      cancelUrl: "https://app.example.com/pricing",
      trialDays,
      requestKey: `checkout:${key}`
    })
    return { customerId, session }
  })

describe("checkout, portal and cancel through the real stripe client", () => {
  it.effect(
    "a double click makes one customer and one session; the session carries the account and the trial",
    () =>
      Effect.gen(function* () {
        const stripe = yield* provider()
        const first = yield* checkoutFor(stripe, "double", Option.some(7))
        const second = yield* checkoutFor(stripe, "double", Option.some(7))
        expect(second).toEqual(first)
        expect(first.session.url).toBe(`${fake.url}/checkout/${first.session.id}`)
        const stored = fake.sessions.get(first.session.id) as Record<string, unknown>
        expect(stored).toMatchObject({
          mode: "subscription",
          customer: first.customerId,
          client_reference_id: userId,
          _trial_days: 7,
          _subscription_metadata: { user_id: userId }
        })
        const keys = fake.requests
          .filter((r) => r.path === "/v1/checkout/sessions")
          .map((r) => r.idempotencyKey)
        expect(keys.length).toBeGreaterThanOrEqual(2)
        expect(new Set(keys).size).toBe(1)
        expect(keys[0]).toMatch(/^org-sdk-[0-9a-f]{64}$/)
      })
  )

  it.effect("an unknown price is Stripe's refusal; a 5xx and a closed port are unavailability", () =>
    Effect.gen(function* () {
      const stripe = yield* provider()
      const customerId = yield* stripe.createCustomer({
        userId,
        email: "a@example.com",
        requestKey: "c:unknown"
      })
      const request = {
        userId,
        customerId,
        priceId: "price_nope",
        successUrl: "https://app.example.com/s",
        cancelUrl: "https://app.example.com/c",
        trialDays: Option.none<number>(),
        requestKey: "unknown-price"
      }
      const refused = yield* Effect.flip(stripe.createCheckout(request))
      expect(refused).toBeInstanceOf(PaymentProviderRejected)
      expect(refused.message).toContain("price_nope")
      fake.failNext(1, 500, /checkout/)
      const down = yield* Effect.flip(
        stripe.createCheckout({ ...request, priceId: "price_family_monthly", requestKey: "x" })
      )
      expect(down).toBeInstanceOf(PaymentProviderUnavailable)
      fake.failNext(1, 429, /customers/)
      expect(
        yield* Effect.flip(stripe.createCustomer({ userId, email: "b@example.com", requestKey: "k" }))
      ).toBeInstanceOf(PaymentProviderUnavailable)
      const closed = yield* provider({ apiUrl: "http://127.0.0.1:1" })
      expect(
        yield* Effect.flip(closed.createCustomer({ userId, email: "c@example.com", requestKey: "k2" }))
      ).toBeInstanceOf(PaymentProviderUnavailable)
      const wrongKey = yield* provider({ secretKey: Redacted.make("sk_test_wrong") })
      const unauthorized = yield* Effect.flip(
        wrongKey.createCustomer({ userId, email: "d@example.com", requestKey: "k3" })
      )
      expect(unauthorized).toBeInstanceOf(PaymentProviderRejected)
      expect(unauthorized.message).not.toContain("sk_test_wrong")
    })
  )

  it.effect("the client's retries reuse the idempotency key, so a 5xx then a success makes one object", () =>
    Effect.gen(function* () {
      const stripe = yield* provider({ maxNetworkRetries: 2 })
      const before = fake.customers.size
      fake.failNext(2, 503, /customers/)
      const id = yield* stripe.createCustomer({ userId, email: "retry@example.com", requestKey: "retry" })
      expect(fake.customers.size).toBe(before + 1)
      expect(fake.customers.has(id)).toBe(true)
    })
  )

  it.effect("cancel at period end and the billing portal", () =>
    Effect.gen(function* () {
      const stripe = yield* provider()
      const { customerId, session } = yield* checkoutFor(stripe, "cancel")
      const subscription = fake.completeCheckout(session.id)
      const canceled = yield* stripe.cancelAtPeriodEnd(String(subscription.id))
      expect(canceled).toMatchObject({
        id: subscription.id,
        status: "active",
        cancelAtPeriodEnd: true,
        customerId
      })
      const portal = yield* stripe.createPortal({ customerId, returnUrl: "https://app.example.com/account" })
      expect(portal.url.startsWith(`${fake.url}/billing/`)).toBe(true)
      expect(yield* Effect.flip(stripe.cancelAtPeriodEnd("sub_missing"))).toBeInstanceOf(
        PaymentProviderRejected
      )
    })
  )

  it.effect("configuration mistakes are one typed error naming each", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        provider({
          secretKey: Redacted.make("pk_live_x"),
          webhookSecret: Redacted.make(""),
          apiUrl: "ftp://x/y"
        })
      )
      expect(error).toBeInstanceOf(InvalidStripeConfig)
      expect(error.message).toMatch(/sk_ or rk_.*webhook secret.*http or https/)
    })
  )
})

describe("webhooks", () => {
  const story = Effect.gen(function* () {
    const stripe = yield* provider()
    const { session } = yield* checkoutFor(stripe, `story-${Math.random()}`)
    const from = fake.events.length
    const subscription = fake.completeCheckout(session.id)
    fake.renew(String(subscription.id), "failed")
    fake.payOpenInvoice(String(subscription.id))
    fake.endSubscription(String(subscription.id))
    return { stripe, events: fake.events.slice(from), subscription }
  })

  it.effect("verifies over the raw bytes and decodes each event of a subscription's life", () =>
    Effect.gen(function* () {
      const { stripe, events, subscription } = yield* story
      const decoded: Array<ProviderEvent> = []
      for (const event of events) {
        const payload = body(event)
        decoded.push(yield* stripe.parseWebhook(bytes(payload), signPayload(payload, webhookSecret)))
      }
      expect(decoded.map((e) => [e.type, e.kind])).toEqual([
        ["customer.subscription.created", "subscription"],
        ["invoice.paid", "invoice_paid"],
        ["checkout.session.completed", "checkout_completed"],
        ["invoice.payment_failed", "invoice_payment_failed"],
        ["customer.subscription.updated", "subscription"],
        ["invoice.paid", "invoice_paid"],
        ["customer.subscription.updated", "subscription"],
        ["customer.subscription.deleted", "subscription"]
      ])
      const created = decoded[0] as Extract<ProviderEvent, { kind: "subscription" }>
      expect(created.subscription).toMatchObject({
        id: subscription.id,
        status: "active",
        priceId: "price_family_monthly",
        amountMinor: 999,
        currency: "usd",
        interval: "month",
        cancelAtPeriodEnd: false,
        userId: Option.some(userId)
      })
      const failed = decoded[3] as Extract<ProviderEvent, { kind: "invoice_paid" | "invoice_payment_failed" }>
      expect(failed.amountMinor).toBe(999)
      expect(DateTime.toEpochMillis(failed.periodStart)).toBe(
        DateTime.toEpochMillis(created.subscription.currentPeriodEnd)
      )
      const checkout = decoded[2] as Extract<ProviderEvent, { kind: "checkout_completed" }>
      expect(checkout.userId).toEqual(Option.some(userId))
      expect(Option.map(checkout.subscription, (s) => s.id)).toEqual(Option.some(subscription.id))
      expect((decoded[7] as Extract<ProviderEvent, { kind: "subscription" }>).deleted).toBe(true)
    })
  )

  it.effect("refuses a missing, forged or stale signature and a body changed after signing", () =>
    Effect.gen(function* () {
      const { stripe, events } = yield* story
      const payload = body(events[0] as StripeEventJson)
      const now = Math.floor(Date.now() / 1000)
      const attempts: Array<[string, Uint8Array, string | undefined]> = [
        ["missing", bytes(payload), undefined],
        ["forged", bytes(payload), signPayload(payload, "whsec_someone_else")],
        ["stale", bytes(payload), signPayload(payload, webhookSecret, now - 301)],
        ["changed", bytes(payload.replace('"active"', '"canceled"')), signPayload(payload, webhookSecret)],
        ["garbage header", bytes(payload), "t=abc,v1=def"]
      ]
      for (const [name, raw, signature] of attempts) {
        const error = yield* Effect.flip(stripe.parseWebhook(raw, signature))
        expect(error, name).toBeInstanceOf(WebhookRejected)
        expect(error.message).not.toContain(webhookSecret)
      }
      // Within the tolerance it verifies.
      expect(
        (yield* stripe.parseWebhook(bytes(payload), signPayload(payload, webhookSecret, now - 290))).id
      ).toBe((events[0] as StripeEventJson).id)
    })
  )

  it.effect(
    "an event of another kind is recorded as other; a verified event of an unexpected shape is refused",
    () =>
      Effect.gen(function* () {
        const stripe = yield* provider()
        const other = JSON.stringify({
          id: "evt_1",
          object: "event",
          type: "charge.succeeded",
          created: 1,
          data: { object: {} }
        })
        expect((yield* stripe.parseWebhook(bytes(other), signPayload(other, webhookSecret))).kind).toBe(
          "other"
        )
        const odd = JSON.stringify({
          id: "evt_2",
          object: "event",
          type: "customer.subscription.updated",
          created: 1,
          data: { object: { id: "sub_1" } }
        })
        const error = yield* Effect.flip(stripe.parseWebhook(bytes(odd), signPayload(odd, webhookSecret)))
        expect(error).toBeInstanceOf(WebhookRejected)
      })
  )
})
