/**
 * `@org/stripe`: `@org/billing`'s payment provider on Stripe, through the
 * official `stripe` client.
 *
 * @packageDocumentation
 */
export * from "./StripePaymentProvider.js"
