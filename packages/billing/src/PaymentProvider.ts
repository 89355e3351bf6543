/**
 * Port: the payment provider (Stripe in `@org/stripe`). Checkout and portal
 * sessions, cancellation, and webhook verification that turns a signed
 * delivery into a `ProviderEvent`.
 */
import type { UserId } from "@org/accounts"
import { Context, Effect, Layer, type Option } from "effect"
import { PaymentProviderRejected, type PaymentProviderUnavailable, WebhookRejected } from "./Errors.js"
import type { ProviderEvent, ProviderSubscription } from "./ProviderEvent.js"

export type ProviderFailure = PaymentProviderUnavailable | PaymentProviderRejected

export interface CheckoutRequest {
  readonly userId: UserId
  readonly customerId: string
  readonly priceId: string
  readonly successUrl: string
  readonly cancelUrl: string
  /** Days of trial to grant; none when the account used its trial. */
  readonly trialDays: Option.Option<number>
  /**
   * The same key for the same account and request: the provider makes one
   * session however often it is sent (a double click).
   */
  readonly requestKey: string
}

export interface PaymentProviderService {
  readonly createCustomer: (input: {
    readonly userId: UserId
    readonly email: string
    readonly requestKey: string
  }) => Effect.Effect<string, ProviderFailure>
  readonly createCheckout: (
    request: CheckoutRequest
  ) => Effect.Effect<{ readonly id: string; readonly url: string }, ProviderFailure>
  readonly createPortal: (input: {
    readonly customerId: string
    readonly returnUrl: string
  }) => Effect.Effect<{ readonly url: string }, ProviderFailure>
  /** Cancel at the end of the paid period; the subscription as it now stands. */
  readonly cancelAtPeriodEnd: (subscriptionId: string) => Effect.Effect<ProviderSubscription, ProviderFailure>
  /**
   * Verify a webhook delivery over its raw bytes and decode it. Reads the
   * provider where the event alone does not describe the subscription.
   */
  readonly parseWebhook: (
    body: Uint8Array,
    signature: string | undefined
  ) => Effect.Effect<ProviderEvent, WebhookRejected | ProviderFailure>
}

export class PaymentProvider extends Context.Tag("@org/billing/PaymentProvider")<
  PaymentProvider,
  PaymentProviderService
>() {}

/**
 * No payment provider: a server without Stripe keys. Every payment refuses
 * with a message that says so (502 `payment_provider_error`), and a webhook is
 * rejected (400) without anything recorded.
 */
export const PaymentProviderDisabled: Layer.Layer<PaymentProvider> = Layer.succeed(
  PaymentProvider,
  PaymentProvider.of({
    createCustomer: () => Effect.fail(disabled()),
    createCheckout: () => Effect.fail(disabled()),
    createPortal: () => Effect.fail(disabled()),
    cancelAtPeriodEnd: () => Effect.fail(disabled()),
    parseWebhook: () =>
      Effect.fail(new WebhookRejected({ reason: "no payment provider is configured on this server" }))
  })
)

const disabled = () =>
  new PaymentProviderRejected({ reason: "no payment provider is configured on this server" })
