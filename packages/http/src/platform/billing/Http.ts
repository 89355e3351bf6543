/**
 * The billing handlers: the caller from `CurrentCaller`, the policy
 * (`requireAdult` to spend money, `requireAdmin` for the numbers), the billing
 * program, its failures as API errors. The webhook reads its raw body: the
 * signature is over the bytes Stripe sent.
 */
import { HttpApiBuilder, HttpServerRequest } from "@effect/platform"
import type { UserId } from "@org/accounts"
import { requireAdmin, requireAdult } from "@org/accounts"
import {
  billingPortal,
  billingStats,
  cancelSubscription,
  checkout,
  mySubscription,
  receiveWebhook,
  startTrial
} from "@org/billing"
import { Effect, Schedule } from "effect"
import { readBodyWithin } from "../../BodyLimit.js"
import { directRoute } from "../../DirectRoute.js"
import { apiErrors, ValidationFailed } from "../Errors.js"
import { PlatformApi } from "../PlatformApi.js"
import { CurrentCaller } from "../Security.js"
import { StripeWebhookEndpoint } from "./Api.js"
import { checkoutView, statsView, subscriptionOverviewView } from "./Views.js"

/** The largest webhook body read: Stripe's events are a few KB; a full invoice can reach a few hundred. */
export const MAX_STRIPE_WEBHOOK_BYTES = 1024 * 1024

/**
 * A new account's trial, started after signup. The account stands without it:
 * a store that fails three times is logged, and the account is on the free plan.
 */
export const trialAtSignup = (userId: UserId) =>
  startTrial(userId).pipe(
    Effect.retry({ times: 2, schedule: Schedule.exponential("100 millis") }),
    Effect.catchAll((error) =>
      Effect.logWarning("the trial could not be started").pipe(
        Effect.annotateLogs({ user_id: userId, reason: error.message })
      )
    ),
    Effect.asVoid
  )

const adult = (action: string) =>
  Effect.flatMap(CurrentCaller, (caller) => apiErrors(requireAdult(caller, action)))

export const SubscriptionsLive = HttpApiBuilder.group(PlatformApi, "subscriptions", (handlers) =>
  handlers
    .handle("checkout", ({ payload }) =>
      Effect.flatMap(adult("subscribe"), (caller) =>
        Effect.map(apiErrors(checkout(caller, payload)), checkoutView)
      )
    )
    .handle("me", () =>
      Effect.flatMap(CurrentCaller, (caller) =>
        Effect.map(apiErrors(mySubscription(caller)), subscriptionOverviewView)
      )
    )
    .handle("cancel", () =>
      Effect.flatMap(adult("cancel the subscription"), (caller) =>
        Effect.map(apiErrors(cancelSubscription(caller)), subscriptionOverviewView)
      )
    )
    .handle("portal", ({ payload }) =>
      Effect.flatMap(adult("manage billing"), (caller) => apiErrors(billingPortal(caller, payload)))
    )
)

/**
 * `POST /api/v1/webhooks/stripe` over the request: the raw body verified and
 * applied, the receipt answered. What the endpoint's handler runs, and what the
 * served app runs for that route directly (`platformAppWith`).
 */
export const stripeWebhook = Effect.gen(function* () {
  const request = yield* HttpServerRequest.HttpServerRequest
  const { body } = yield* readBodyWithin(MAX_STRIPE_WEBHOOK_BYTES, "webhook body").pipe(
    Effect.catchTag("BadRequest", (error) =>
      Effect.fail(new ValidationFailed({ error: { code: "validation_error", message: error.message } }))
    )
  )
  const signature = request.headers["stripe-signature"]
  // Recorded to the end even if Stripe hangs up meanwhile: its retry then finds a duplicate.
  const outcome = yield* apiErrors(receiveWebhook(body, signature)).pipe(Effect.uninterruptible)
  return {
    received: true as const,
    outcome:
      outcome._tag === "Applied"
        ? ("applied" as const)
        : outcome._tag === "Duplicate"
          ? ("duplicate" as const)
          : ("unmatched" as const)
  }
})

export const WebhooksLive = HttpApiBuilder.group(PlatformApi, "webhooks", (handlers) =>
  handlers.handle("stripe", () => stripeWebhook)
)

/**
 * The webhook ahead of the API's router (`platformAppWith`): Stripe sends its
 * events by the thousand, and the router's per-request work was a tenth of
 * the CPU each took. The same handler, the same answers.
 */
export const stripeWebhookRoute = directRoute(PlatformApi, StripeWebhookEndpoint, stripeWebhook)

export const StatsLive = HttpApiBuilder.group(PlatformApi, "stats", (handlers) =>
  handlers.handle("stats", () =>
    Effect.flatMap(CurrentCaller, (caller) =>
      Effect.flatMap(apiErrors(requireAdmin(caller)), (admin) =>
        Effect.map(apiErrors(billingStats(admin)), statsView)
      )
    )
  )
)
