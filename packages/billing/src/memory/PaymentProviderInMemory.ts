/**
 * A payment provider in memory: customers, checkout sessions and
 * subscriptions, with test controls that move a subscription through its life
 * and answer the events the provider would send, in the order it sends them.
 * Times come from the Effect `Clock`, so `TestClock` drives periods.
 */
import type { UserId } from "@org/accounts"
import { Context, DateTime, Effect, Layer, Option } from "effect"
import { PaymentProviderRejected, WebhookRejected } from "../Errors.js"
import { PaymentProvider, type PaymentProviderService } from "../PaymentProvider.js"
import type { ProviderEvent, ProviderSubscription } from "../ProviderEvent.js"
import type { BillingInterval } from "../Subscription.js"

export interface InMemoryPrice {
  readonly id: string
  readonly amountMinor: number
  readonly currency: string
  readonly interval: BillingInterval
}

interface Session {
  readonly id: string
  readonly url: string
  readonly customerId: string
  readonly userId: UserId
  readonly priceId: string
  readonly trialDays: Option.Option<number>
  completed: boolean
}

export interface PaymentProviderControls {
  readonly addPrice: (price: InMemoryPrice) => void
  readonly sessions: () => ReadonlyArray<Omit<Session, "completed"> & { readonly completed: boolean }>
  readonly customers: () => ReadonlyArray<{
    readonly id: string
    readonly userId: UserId
    readonly email: string
  }>
  /** The customer paid at checkout: the subscription starts (a trial if granted). */
  readonly completeCheckout: (sessionId: string) => Effect.Effect<ReadonlyArray<ProviderEvent>>
  /** The period ends and the next is billed: paid or failed. */
  readonly renew: (
    subscriptionId: string,
    outcome: "paid" | "failed"
  ) => Effect.Effect<ReadonlyArray<ProviderEvent>>
  /** A retry of the open invoice succeeds. */
  readonly payOpenInvoice: (subscriptionId: string) => Effect.Effect<ReadonlyArray<ProviderEvent>>
  /** The subscription ends now (after a cancellation or unpaid retries). */
  readonly endSubscription: (subscriptionId: string) => Effect.Effect<ReadonlyArray<ProviderEvent>>
  readonly subscription: (subscriptionId: string) => Option.Option<ProviderSubscription>
  /** A delivery the in-memory `parseWebhook` accepts. */
  readonly sign: (event: ProviderEvent) => { readonly body: Uint8Array; readonly signature: string }
}

export class PaymentProviderInMemoryControls extends Context.Tag(
  "@org/billing/PaymentProviderInMemoryControls"
)<PaymentProviderInMemoryControls, PaymentProviderControls>() {}

export const makePaymentProviderInMemory = () => {
  const prices = new Map<string, InMemoryPrice>()
  const customers = new Map<string, { id: string; userId: UserId; email: string }>()
  const sessions = new Map<string, Session>()
  const subscriptions = new Map<string, ProviderSubscription>()
  const openInvoices = new Map<string, { id: string; start: DateTime.Utc; end: DateTime.Utc }>()
  const idempotent = new Map<string, unknown>()
  const signed = new Map<string, ProviderEvent>()
  let counter = 0
  const nextId = (prefix: string) => `${prefix}_${(++counter).toString().padStart(8, "0")}`

  const once = <A>(key: string, make: () => A): A => {
    if (!idempotent.has(key)) idempotent.set(key, make())
    return idempotent.get(key) as A
  }

  const event = (
    type: string,
    now: DateTime.Utc,
    body: Omit<Extract<ProviderEvent, { kind: K }>, "id" | "type" | "createdAt">,
    _kind?: K
  ) => ({ id: nextId("evt"), type, createdAt: now, ...body }) as unknown as ProviderEvent
  type K = ProviderEvent["kind"]

  const periodEnd = (start: DateTime.Utc, interval: BillingInterval) =>
    DateTime.add(start, interval === "year" ? { years: 1 } : { months: 1 })

  const invoiceEvent = (
    kind: "invoice_paid" | "invoice_payment_failed",
    sub: ProviderSubscription,
    now: DateTime.Utc,
    invoice: { id: string; start: DateTime.Utc; end: DateTime.Utc },
    amountMinor: number
  ) =>
    event(kind === "invoice_paid" ? "invoice.paid" : "invoice.payment_failed", now, {
      kind,
      invoiceId: invoice.id,
      amountMinor,
      periodStart: invoice.start,
      periodEnd: invoice.end,
      subscription: sub
    } as never)

  const snapshotEvent = (type: string, sub: ProviderSubscription, now: DateTime.Utc, deleted = false) =>
    event(type, now, { kind: "subscription", deleted, subscription: sub } as never)

  const service: PaymentProviderService = {
    createCustomer: ({ userId, email, requestKey }) =>
      Effect.sync(() =>
        once(requestKey, () => {
          const id = nextId("cus")
          customers.set(id, { id, userId, email })
          return id
        })
      ),
    createCheckout: (request) =>
      Effect.suspend(() => {
        if (!prices.has(request.priceId))
          return Effect.fail(new PaymentProviderRejected({ reason: `No such price: '${request.priceId}'` }))
        return Effect.succeed(
          once(request.requestKey, () => {
            const id = nextId("cs")
            const session: Session = {
              id,
              url: `https://checkout.example.test/c/pay/${id}`,
              customerId: request.customerId,
              userId: request.userId,
              priceId: request.priceId,
              trialDays: request.trialDays,
              completed: false
            }
            sessions.set(id, session)
            return { id, url: session.url }
          })
        )
      }),
    createPortal: ({ customerId }) =>
      customers.has(customerId)
        ? Effect.succeed({ url: `https://billing.example.test/p/session/${nextId("bps")}` })
        : Effect.fail(new PaymentProviderRejected({ reason: `No such customer: '${customerId}'` })),
    cancelAtPeriodEnd: (subscriptionId) =>
      Effect.suspend(() => {
        const sub = subscriptions.get(subscriptionId)
        if (sub === undefined)
          return Effect.fail(
            new PaymentProviderRejected({ reason: `No such subscription: '${subscriptionId}'` })
          )
        const next = { ...sub, cancelAtPeriodEnd: true }
        subscriptions.set(subscriptionId, next)
        return Effect.succeed(next)
      }),
    parseWebhook: (body, signature) =>
      Effect.suspend(() => {
        const text = new TextDecoder().decode(body)
        const found = signature === undefined ? undefined : signed.get(signature)
        if (found === undefined || JSON.stringify({ id: found.id }) !== text)
          return Effect.fail(new WebhookRejected({ reason: "the signature does not match the body" }))
        return Effect.succeed(found)
      })
  }

  const controls: PaymentProviderControls = {
    addPrice: (price) => void prices.set(price.id, price),
    sessions: () => [...sessions.values()].map((s) => ({ ...s })),
    customers: () => [...customers.values()],
    completeCheckout: (sessionId) =>
      Effect.map(DateTime.now, (now) => {
        const session = sessions.get(sessionId)
        const price = session === undefined ? undefined : prices.get(session.priceId)
        if (session === undefined || price === undefined || session.completed) return []
        session.completed = true
        const trialEnd = Option.map(session.trialDays, (days) => DateTime.add(now, { days }))
        const sub: ProviderSubscription = {
          id: nextId("sub"),
          customerId: session.customerId,
          createdAt: now,
          status: Option.isSome(trialEnd) ? "trialing" : "active",
          priceId: price.id,
          amountMinor: price.amountMinor,
          currency: price.currency,
          interval: price.interval,
          currentPeriodStart: now,
          currentPeriodEnd: Option.getOrElse(trialEnd, () => periodEnd(now, price.interval)),
          cancelAtPeriodEnd: false,
          trialEnd,
          userId: Option.some(session.userId)
        }
        subscriptions.set(sub.id, sub)
        const invoice = { id: nextId("in"), start: now, end: sub.currentPeriodEnd }
        return [
          snapshotEvent("customer.subscription.created", sub, now),
          invoiceEvent("invoice_paid", sub, now, invoice, Option.isSome(trialEnd) ? 0 : price.amountMinor),
          event("checkout.session.completed", now, {
            kind: "checkout_completed",
            customerId: session.customerId,
            userId: Option.some(session.userId),
            subscription: Option.some(sub)
          } as never)
        ]
      }),
    renew: (subscriptionId, outcome) =>
      Effect.map(DateTime.now, (now) => {
        const sub = subscriptions.get(subscriptionId)
        if (sub === undefined) return []
        const start = sub.currentPeriodEnd
        const next: ProviderSubscription = {
          ...sub,
          status: outcome === "paid" ? "active" : "past_due",
          currentPeriodStart: start,
          currentPeriodEnd: periodEnd(start, sub.interval)
        }
        subscriptions.set(sub.id, next)
        const invoice = { id: nextId("in"), start, end: next.currentPeriodEnd }
        if (outcome === "failed") openInvoices.set(sub.id, invoice)
        return [
          invoiceEvent(
            outcome === "paid" ? "invoice_paid" : "invoice_payment_failed",
            next,
            now,
            invoice,
            sub.amountMinor
          ),
          snapshotEvent("customer.subscription.updated", next, now)
        ]
      }),
    payOpenInvoice: (subscriptionId) =>
      Effect.map(DateTime.now, (now) => {
        const sub = subscriptions.get(subscriptionId)
        const invoice = openInvoices.get(subscriptionId)
        if (sub === undefined || invoice === undefined) return []
        openInvoices.delete(subscriptionId)
        const next: ProviderSubscription = { ...sub, status: "active" }
        subscriptions.set(sub.id, next)
        return [
          invoiceEvent("invoice_paid", next, now, invoice, sub.amountMinor),
          snapshotEvent("customer.subscription.updated", next, now)
        ]
      }),
    endSubscription: (subscriptionId) =>
      Effect.map(DateTime.now, (now) => {
        const sub = subscriptions.get(subscriptionId)
        if (sub === undefined) return []
        const next: ProviderSubscription = { ...sub, status: "canceled" }
        subscriptions.set(sub.id, next)
        return [snapshotEvent("customer.subscription.deleted", next, now, true)]
      }),
    subscription: (subscriptionId) => Option.fromNullable(subscriptions.get(subscriptionId)),
    sign: (event) => {
      const signature = `inmemory:${event.id}`
      signed.set(signature, event)
      return { body: new TextEncoder().encode(JSON.stringify({ id: event.id })), signature }
    }
  }
  return { service, controls }
}

/** The in-memory provider and its test controls, fresh for each layer build. */
export const PaymentProviderInMemory: Layer.Layer<PaymentProvider | PaymentProviderInMemoryControls> =
  Layer.effectContext(
    Effect.sync(() => {
      const { service, controls } = makePaymentProviderInMemory()
      return Context.make(PaymentProvider, service).pipe(
        Context.add(PaymentProviderInMemoryControls, controls)
      )
    })
  )
