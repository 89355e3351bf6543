/**
 * `@org/stripe/testing`: a fake Stripe API server on loopback that the real
 * `stripe` client talks to, and a sender that signs events as Stripe does.
 *
 * @packageDocumentation
 */
export * from "./testing/FakeStripe.js"
export * from "./testing/WebhookSender.js"
