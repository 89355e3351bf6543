/**
 * The expected failures of billing. Each carries what a caller needs and a
 * `message` a person can act on; the HTTP API gives each a code and a status.
 */
import { Schema } from "effect"

/** The price is not one the catalog sells. */
export class PlanNotForSale extends Schema.TaggedError<PlanNotForSale>()("PlanNotForSale", {
  priceId: Schema.String
}) {
  override get message(): string {
    return `No plan on sale has the price ${this.priceId}: choose one from GET /api/v1/subscriptions/plans.`
  }
}

/** A success, cancel or return URL outside the configured origins. */
export class RedirectNotAllowed extends Schema.TaggedError<RedirectNotAllowed>()("RedirectNotAllowed", {
  field: Schema.String,
  allowed: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return this.allowed.length === 0
      ? `${this.field} is not allowed: no redirect origins are configured (ALLOWED_REDIRECT_ORIGINS).`
      : `${this.field} must start with one of: ${this.allowed.join(", ")}.`
  }
}

/** A checkout while a paid subscription still runs: change it in the billing portal instead. */
export class AlreadySubscribed extends Schema.TaggedError<AlreadySubscribed>()("AlreadySubscribed", {
  status: Schema.String
}) {
  override get message(): string {
    return `This account already has a subscription (${this.status}); change or cancel it in the billing portal.`
  }
}

/** Nothing the provider bills to cancel or manage. */
export class NoPaidSubscription extends Schema.TaggedError<NoPaidSubscription>()("NoPaidSubscription", {}) {
  override get message(): string {
    return "This account has no paid subscription to cancel."
  }
}

/** No customer at the payment provider yet: subscribe first. */
export class NoBillingAccount extends Schema.TaggedError<NoBillingAccount>()("NoBillingAccount", {}) {
  override get message(): string {
    return "This account has never subscribed, so it has no billing portal yet."
  }
}

/** A webhook whose signature is missing, forged, stale, or whose body changed after signing. */
export class WebhookRejected extends Schema.TaggedError<WebhookRejected>()("WebhookRejected", {
  reason: Schema.String
}) {
  override get message(): string {
    return `Webhook rejected: ${this.reason}`
  }
}

/** The payment provider could not be reached or failed; safe to retry later. */
export class PaymentProviderUnavailable extends Schema.TaggedError<PaymentProviderUnavailable>()(
  "PaymentProviderUnavailable",
  { retryAfterSeconds: Schema.Int }
) {
  override get message(): string {
    return "The payment provider is not reachable right now; try again shortly."
  }
}

/** The payment provider refused the request (a price it does not know, a key without rights). */
export class PaymentProviderRejected extends Schema.TaggedError<PaymentProviderRejected>()(
  "PaymentProviderRejected",
  { reason: Schema.String }
) {
  override get message(): string {
    return `The payment provider refused the request: ${this.reason}`
  }
}

export class InvalidBillingConfig extends Schema.TaggedError<InvalidBillingConfig>()("InvalidBillingConfig", {
  issues: Schema.String
}) {
  override get message(): string {
    return `Invalid billing configuration: ${this.issues}`
  }
}
