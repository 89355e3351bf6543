/**
 * `@org/billing`'s `PaymentProvider` port over the official `stripe` client:
 * customers, Checkout Sessions in subscription mode, Billing Portal sessions,
 * cancellation at period end, and webhooks verified over their raw bytes with
 * `stripe.webhooks.constructEvent` and decoded into `ProviderEvent`s. Where an
 * event alone does not describe the subscription (a completed checkout, an
 * invoice), the subscription is read from Stripe.
 */
import { createHash } from "node:crypto"
import {
  PaymentProvider,
  PaymentProviderRejected,
  type PaymentProviderService,
  PaymentProviderUnavailable,
  type ProviderEvent,
  type ProviderStatus,
  type ProviderSubscription,
  WebhookRejected
} from "@org/billing"
import { DateTime, Effect, Either, Layer, Option, ParseResult, Redacted, Schema } from "effect"
import Stripe from "stripe"

export interface StripeSettings {
  /** `sk_live_…` / `sk_test_…` (or a restricted key with the rights below). */
  readonly secretKey: Redacted.Redacted<string>
  /** The webhook endpoint's signing secret, `whsec_…`. */
  readonly webhookSecret: Redacted.Redacted<string>
  /** The base URL of the Stripe API. Default `https://api.stripe.com`. */
  readonly apiUrl?: string | undefined
  /** Per request. Default 20 s. */
  readonly timeoutMs?: number | undefined
  /** Retries of failed requests (Stripe's client backs off and reuses idempotency keys). Default 2. */
  readonly maxNetworkRetries?: number | undefined
  /** Oldest signature timestamp accepted, seconds. Default 300 (Stripe's). */
  readonly toleranceSeconds?: number | undefined
}

export class InvalidStripeConfig extends Schema.TaggedError<InvalidStripeConfig>()("InvalidStripeConfig", {
  issues: Schema.String
}) {
  override get message(): string {
    return `Invalid Stripe configuration: ${this.issues}`
  }
}

// ---- the parts of Stripe's objects this adapter reads ----

const Id = Schema.Union(Schema.String, Schema.Struct({ id: Schema.String }))
const idOf = (value: typeof Id.Type): string => (typeof value === "string" ? value : value.id)

const SubscriptionJson = Schema.Struct({
  id: Schema.String,
  customer: Id,
  created: Schema.Number,
  status: Schema.Literal(
    "trialing",
    "active",
    "past_due",
    "unpaid",
    "canceled",
    "incomplete",
    "incomplete_expired",
    "paused"
  ),
  cancel_at_period_end: Schema.Boolean,
  trial_end: Schema.NullOr(Schema.Number),
  metadata: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.String }), {
    default: () => ({})
  }),
  items: Schema.Struct({
    data: Schema.NonEmptyArray(
      Schema.Struct({
        current_period_start: Schema.Number,
        current_period_end: Schema.Number,
        price: Schema.Struct({
          id: Schema.String,
          unit_amount: Schema.NullOr(Schema.Number),
          currency: Schema.String,
          recurring: Schema.NullOr(Schema.Struct({ interval: Schema.String }))
        })
      })
    )
  })
})

const SessionJson = Schema.Struct({
  mode: Schema.String,
  customer: Schema.NullOr(Id),
  client_reference_id: Schema.NullOr(Schema.String),
  subscription: Schema.NullOr(Id)
})

const InvoiceJson = Schema.Struct({
  id: Schema.String,
  amount_paid: Schema.Number,
  amount_due: Schema.Number,
  parent: Schema.NullishOr(
    Schema.Struct({
      subscription_details: Schema.NullishOr(Schema.Struct({ subscription: Id }))
    })
  ),
  lines: Schema.Struct({
    data: Schema.Array(Schema.Struct({ period: Schema.Struct({ start: Schema.Number, end: Schema.Number }) }))
  })
})

const EventJson = Schema.Struct({
  id: Schema.String,
  type: Schema.String,
  created: Schema.Number,
  data: Schema.Struct({ object: Schema.Unknown })
})

const at = (seconds: number) => DateTime.unsafeMake(seconds * 1000)

const snapshotOf = (subscription: typeof SubscriptionJson.Type): ProviderSubscription => {
  const item = subscription.items.data[0]
  return {
    id: subscription.id,
    customerId: idOf(subscription.customer),
    createdAt: at(subscription.created),
    status: subscription.status as ProviderStatus,
    priceId: item.price.id,
    amountMinor: item.price.unit_amount ?? 0,
    currency: item.price.currency.toLowerCase(),
    interval: item.price.recurring?.interval === "year" ? "year" : "month",
    currentPeriodStart: at(item.current_period_start),
    currentPeriodEnd: at(item.current_period_end),
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    trialEnd: subscription.trial_end === null ? Option.none() : Option.some(at(subscription.trial_end)),
    userId: Option.fromNullable(subscription.metadata.user_id)
  }
}

const decode =
  <A, I>(schema: Schema.Schema<A, I>, what: string) =>
  (value: unknown) =>
    Either.mapLeft(
      Schema.decodeUnknownEither(schema, { onExcessProperty: "ignore" })(value),
      (error) =>
        new WebhookRejected({
          reason: `the ${what} is not in the shape this version expects: ${ParseResult.TreeFormatter.formatErrorSync(error).split("\n")[0]}`
        })
    )

/** An idempotency key Stripe accepts (≤ 255 characters) from any request key. */
const idempotencyKey = (requestKey: string) =>
  `org-sdk-${createHash("sha256").update(requestKey, "utf8").digest("hex")}`

const failure = (error: unknown): PaymentProviderUnavailable | PaymentProviderRejected => {
  if (error instanceof Stripe.errors.StripeError) {
    const retryable =
      error instanceof Stripe.errors.StripeConnectionError ||
      error instanceof Stripe.errors.StripeAPIError ||
      error instanceof Stripe.errors.StripeRateLimitError ||
      (error.statusCode ?? 0) >= 500 ||
      error.statusCode === 429
    if (retryable) return new PaymentProviderUnavailable({ retryAfterSeconds: 5 })
    return new PaymentProviderRejected({ reason: error.message })
  }
  return new PaymentProviderUnavailable({ retryAfterSeconds: 5 })
}

const validate = (settings: StripeSettings) => {
  const issues: Array<string> = []
  if (!/^(sk|rk)_/.test(Redacted.value(settings.secretKey)))
    issues.push("the secret key starts with sk_ or rk_")
  if (Redacted.value(settings.webhookSecret).length === 0)
    issues.push("the webhook secret is required (whsec_…)")
  let api: URL | undefined
  if (settings.apiUrl !== undefined) {
    if (!URL.canParse(settings.apiUrl))
      issues.push(`the API URL ${JSON.stringify(settings.apiUrl)} is not a URL`)
    else {
      api = new URL(settings.apiUrl)
      if (api.protocol !== "http:" && api.protocol !== "https:") issues.push("the API URL is http or https")
      if (api.pathname !== "/" && api.pathname !== "") issues.push("the API URL is a base URL without a path")
    }
  }
  return issues.length > 0
    ? Effect.fail(new InvalidStripeConfig({ issues: issues.join("; ") }))
    : Effect.succeed(api)
}

/** The provider over a `stripe` client. */
export const makeStripePaymentProvider = (settings: StripeSettings) =>
  Effect.gen(function* () {
    const api = yield* validate(settings)
    const protocol = api?.protocol === "http:" ? "http" : "https"
    const stripe = new Stripe(Redacted.value(settings.secretKey), {
      ...(api === undefined
        ? {}
        : {
            host: api.hostname,
            port: api.port === "" ? (protocol === "http" ? 80 : 443) : Number(api.port),
            protocol
          }),
      maxNetworkRetries: settings.maxNetworkRetries ?? 2,
      timeout: settings.timeoutMs ?? 20_000,
      appInfo: { name: "@org/stripe" }
    })
    const call = <A>(run: () => Promise<A>) => Effect.tryPromise({ try: run, catch: failure })
    const tolerance = settings.toleranceSeconds ?? 300

    const retrieveSubscription = (id: string) =>
      Effect.flatMap(
        call(() => stripe.subscriptions.retrieve(id)),
        (raw) =>
          Either.match(decode(SubscriptionJson, "subscription")(raw), {
            onLeft: (error) => Effect.fail(error),
            onRight: (subscription) => Effect.succeed(snapshotOf(subscription))
          })
      )

    const subscriptionEvent = (event: typeof EventJson.Type): Either.Either<ProviderEvent, WebhookRejected> =>
      Either.map(decode(SubscriptionJson, "subscription")(event.data.object), (subscription) => ({
        id: event.id,
        type: event.type,
        createdAt: at(event.created),
        kind: "subscription",
        deleted: event.type === "customer.subscription.deleted",
        subscription: snapshotOf(subscription)
      }))

    const toEvent = (
      event: typeof EventJson.Type
    ): Effect.Effect<
      ProviderEvent,
      WebhookRejected | PaymentProviderUnavailable | PaymentProviderRejected
    > => {
      if (
        event.type === "customer.subscription.created" ||
        event.type === "customer.subscription.updated" ||
        event.type === "customer.subscription.deleted"
      ) {
        const mapped = subscriptionEvent(event)
        return Either.isLeft(mapped) ? Effect.fail(mapped.left) : Effect.succeed(mapped.right)
      }
      return otherEvent(event)
    }

    const otherEvent = (event: typeof EventJson.Type) =>
      Effect.gen(function* () {
        const base = { id: event.id, type: event.type, createdAt: at(event.created) }
        const object = event.data.object
        switch (event.type) {
          case "checkout.session.completed": {
            const session = yield* decode(SessionJson, "checkout session")(object)
            if (session.mode !== "subscription" || session.customer === null)
              return { ...base, kind: "other" as const }
            const subscription =
              session.subscription === null
                ? Option.none()
                : Option.some(yield* retrieveSubscription(idOf(session.subscription)))
            const result: ProviderEvent = {
              ...base,
              kind: "checkout_completed",
              customerId: idOf(session.customer),
              userId: Option.fromNullable(session.client_reference_id),
              subscription
            }
            return result
          }
          case "invoice.paid":
          case "invoice.payment_failed": {
            const invoice = yield* decode(InvoiceJson, "invoice")(object)
            const subscriptionId = invoice.parent?.subscription_details?.subscription
            const line = invoice.lines.data[0]
            if (subscriptionId === undefined || subscriptionId === null || line === undefined)
              return { ...base, kind: "other" as const }
            const result: ProviderEvent = {
              ...base,
              kind: event.type === "invoice.paid" ? "invoice_paid" : "invoice_payment_failed",
              invoiceId: invoice.id,
              amountMinor: event.type === "invoice.paid" ? invoice.amount_paid : invoice.amount_due,
              periodStart: at(line.period.start),
              periodEnd: at(line.period.end),
              subscription: yield* retrieveSubscription(idOf(subscriptionId))
            }
            return result
          }
          default:
            return { ...base, kind: "other" as const }
        }
      })

    const service: PaymentProviderService = {
      createCustomer: ({ userId, email, requestKey }) =>
        Effect.map(
          call(() =>
            stripe.customers.create(
              { email, metadata: { user_id: userId } },
              { idempotencyKey: idempotencyKey(`${requestKey}\n${email}`) }
            )
          ),
          (customer) => customer.id
        ),
      createCheckout: (request) =>
        Effect.flatMap(
          call(() =>
            stripe.checkout.sessions.create(
              {
                mode: "subscription",
                customer: request.customerId,
                client_reference_id: request.userId,
                line_items: [{ price: request.priceId, quantity: 1 }],
                success_url: request.successUrl,
                cancel_url: request.cancelUrl,
                metadata: { user_id: request.userId },
                subscription_data: {
                  metadata: { user_id: request.userId },
                  ...Option.match(request.trialDays, {
                    onNone: () => ({}),
                    onSome: (days) => ({ trial_period_days: days })
                  })
                }
              },
              { idempotencyKey: idempotencyKey(request.requestKey) }
            )
          ),
          (session) =>
            session.url === null
              ? Effect.fail(
                  new PaymentProviderRejected({ reason: "Stripe answered a session without a URL" })
                )
              : Effect.succeed({ id: session.id, url: session.url })
        ),
      createPortal: ({ customerId, returnUrl }) =>
        Effect.map(
          call(() => stripe.billingPortal.sessions.create({ customer: customerId, return_url: returnUrl })),
          (session) => ({ url: session.url })
        ),
      cancelAtPeriodEnd: (subscriptionId) =>
        Effect.flatMap(
          call(() => stripe.subscriptions.update(subscriptionId, { cancel_at_period_end: true })),
          (raw) =>
            Either.match(decode(SubscriptionJson, "subscription")(raw), {
              onLeft: (error) => Effect.fail(new PaymentProviderRejected({ reason: error.reason })),
              onRight: (subscription) => Effect.succeed(snapshotOf(subscription))
            })
        ),
      // One step for the common case (a subscription event, all of it in the body): verified,
      // decoded and mapped without a step per stage (`toEvent`); the others go on to `otherEvent`.
      parseWebhook: (body, signature) =>
        Effect.suspend(() => {
          if (signature === undefined || signature.trim() === "")
            return Effect.fail(new WebhookRejected({ reason: "the Stripe-Signature header is missing" }))
          let verified: unknown
          try {
            verified = stripe.webhooks.constructEvent(
              Buffer.from(body.buffer, body.byteOffset, body.byteLength),
              signature,
              Redacted.value(settings.webhookSecret),
              tolerance
            )
          } catch (error) {
            return Effect.fail(
              new WebhookRejected({
                reason:
                  error instanceof Stripe.errors.StripeSignatureVerificationError
                    ? `the signature does not verify (${error.message.split(".")[0]})`
                    : "the body is not a Stripe event"
              })
            )
          }
          const event = decode(EventJson, "event")(verified)
          return Either.isLeft(event) ? Effect.fail(event.left) : toEvent(event.right)
        })
    }
    return service
  })

/** The `PaymentProvider` port on Stripe. */
export const StripePaymentProvider = {
  make: makeStripePaymentProvider,
  layer: (settings: StripeSettings): Layer.Layer<PaymentProvider, InvalidStripeConfig> =>
    Layer.effect(PaymentProvider, makeStripePaymentProvider(settings))
}
