/**
 * Payment-provider events, in the domain's words. The provider adapter
 * verifies and decodes its webhooks into these; the lifecycle decides from
 * them alone.
 */
import type { DateTime, Option } from "effect"
import type { BillingInterval } from "./Subscription.js"

/** A provider subscription's status, as the provider names it. */
export type ProviderStatus =
  | "trialing"
  | "active"
  | "past_due"
  | "unpaid"
  | "canceled"
  | "incomplete"
  | "incomplete_expired"
  | "paused"

/** A subscription as the provider described it in (or just after) an event. */
export interface ProviderSubscription {
  readonly id: string
  readonly customerId: string
  /** When the provider created the subscription. */
  readonly createdAt: DateTime.Utc
  readonly status: ProviderStatus
  readonly priceId: string
  readonly amountMinor: number
  readonly currency: string
  readonly interval: BillingInterval
  readonly currentPeriodStart: DateTime.Utc
  readonly currentPeriodEnd: DateTime.Utc
  readonly cancelAtPeriodEnd: boolean
  readonly trialEnd: Option.Option<DateTime.Utc>
  /** The account id written into the subscription's metadata at checkout. */
  readonly userId: Option.Option<string>
}

interface EventBase {
  /** The provider's event id (`evt_…`): recorded once, so a duplicate has no effect. */
  readonly id: string
  /** The provider's event type (`invoice.paid`). */
  readonly type: string
  readonly createdAt: DateTime.Utc
}

export type ProviderEvent =
  /** A checkout finished: links the account (its reference) to the customer. */
  | (EventBase & {
      readonly kind: "checkout_completed"
      readonly customerId: string
      readonly userId: Option.Option<string>
      readonly subscription: Option.Option<ProviderSubscription>
    })
  /** `customer.subscription.created | updated | deleted`, with the object's snapshot. */
  | (EventBase & {
      readonly kind: "subscription"
      readonly deleted: boolean
      readonly subscription: ProviderSubscription
    })
  /** An invoice of the subscription was paid or its payment failed. */
  | (EventBase & {
      readonly kind: "invoice_paid" | "invoice_payment_failed"
      readonly invoiceId: string
      readonly amountMinor: number
      /** The service period the invoice bills. */
      readonly periodStart: DateTime.Utc
      readonly periodEnd: DateTime.Utc
      readonly subscription: ProviderSubscription
    })
  /** Any other event: recorded, without effect. */
  | (EventBase & { readonly kind: "other" })

/** The customer and the account an event is about, when it names them. */
export const eventParties = (
  event: ProviderEvent
): { readonly customerId: string | undefined; readonly userId: Option.Option<string> | undefined } => {
  switch (event.kind) {
    case "checkout_completed":
      return { customerId: event.customerId, userId: event.userId }
    case "subscription":
    case "invoice_paid":
    case "invoice_payment_failed":
      return { customerId: event.subscription.customerId, userId: event.subscription.userId }
    case "other":
      return { customerId: undefined, userId: undefined }
  }
}
