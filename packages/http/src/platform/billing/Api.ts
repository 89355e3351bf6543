/**
 * The billing part of the platform API, declared once: checkout, the caller's
 * subscription, cancellation, the billing portal, Stripe's webhook and the
 * admin's numbers. Paths and fields are the product's
 * (`POST /api/v1/subscriptions/checkout {price_id, success_url, cancel_url}`).
 */
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { PayloadTooLarge } from "../../HttpErrors.js"
import { BadGateway, Conflict, Forbidden, NotFound, Unavailable, ValidationFailed } from "../Errors.js"
import { Authentication } from "../Security.js"
import { CheckoutView, PortalView, StatsView, SubscriptionOverviewView, WebhookReceipt } from "./Views.js"

const strict = { onExcessProperty: "error" } as const

export const CheckoutRequest = Schema.Struct({
  price_id: Schema.String.annotations({
    description: "A plan's `stripe_price_id` (GET /subscriptions/plans)."
  }),
  success_url: Schema.String.annotations({ description: "Must start with an allowed origin." }),
  cancel_url: Schema.String.annotations({ description: "Must start with an allowed origin." })
}).annotations({ identifier: "CheckoutRequest", parseOptions: strict })

export const PortalRequest = Schema.Struct({
  return_url: Schema.optional(
    Schema.String.annotations({ description: "Where the portal returns; default the first allowed origin." })
  )
}).annotations({ identifier: "PortalRequest", parseOptions: strict })

export class SubscriptionsGroup extends HttpApiGroup.make("subscriptions")
  .add(
    HttpApiEndpoint.post("checkout", "/subscriptions/checkout")
      .setPayload(CheckoutRequest)
      .addSuccess(CheckoutView)
      .addError(Conflict.schema)
      .addError(NotFound.schema)
      .addError(BadGateway.schema)
      .annotate(
        OpenApi.Summary,
        "A Stripe Checkout session for a plan on sale (adult session); the same request twice makes one session"
      )
  )
  .add(
    HttpApiEndpoint.get("me", "/subscriptions/me")
      .addSuccess(SubscriptionOverviewView)
      .annotate(OpenApi.Summary, "The account's subscription and the plan whose limits apply now")
  )
  .add(
    HttpApiEndpoint.post("cancel", "/subscriptions/cancel")
      .addSuccess(SubscriptionOverviewView)
      .addError(Conflict.schema)
      .addError(BadGateway.schema)
      .annotate(
        OpenApi.Summary,
        "Cancel at the end of the paid period (adult session); the plan stays until then"
      )
  )
  .add(
    HttpApiEndpoint.post("portal", "/subscriptions/portal")
      .setPayload(PortalRequest)
      .addSuccess(PortalView)
      .addError(Conflict.schema)
      .addError(BadGateway.schema)
      .annotate(OpenApi.Summary, "A Stripe billing-portal session: card, invoices, plan (adult session)")
  )
  .addError(ValidationFailed.schema)
  .addError(Forbidden.schema)
  .addError(Unavailable.schema)
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Subscriptions") {}

/** `POST /webhooks/stripe`: also served ahead of the router (`stripeWebhookRoute`). */
export const StripeWebhookEndpoint = HttpApiEndpoint.post("stripe", "/webhooks/stripe")
  .addSuccess(WebhookReceipt)
  .addError(ValidationFailed.schema)
  .addError(PayloadTooLarge)
  .addError(BadGateway.schema)
  .addError(Unavailable.schema)
  .annotate(
    OpenApi.Summary,
    "Stripe's events, verified over the raw body with the `Stripe-Signature` header; 400 (`invalid_signature`) records nothing, a duplicate answers 200 and does nothing"
  )

export class WebhooksGroup extends HttpApiGroup.make("webhooks")
  .add(StripeWebhookEndpoint)
  .annotate(OpenApi.Title, "Webhooks") {}

export class StatsGroup extends HttpApiGroup.make("stats")
  .add(
    HttpApiEndpoint.get("stats", "/admin/stats")
      .addSuccess(StatsView)
      .annotate(
        OpenApi.Summary,
        "Users by role, active subscriptions by plan, MRR, trials running, past due (admin)"
      )
  )
  .addError(Forbidden.schema)
  .addError(Unavailable.schema)
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Stats") {}
