/**
 * `@org/billing`: subscriptions of the IPTV account platform — trials, a
 * provider-event state machine decided by version, grace periods,
 * entitlements from the subscription, admin stats — as pure Effect programs
 * over ports.
 *
 * @packageDocumentation
 */

export * from "./BillingEntitlements.js"
export * from "./BillingStore.js"
export * from "./Config.js"
export * from "./Errors.js"
export * from "./Lifecycle.js"
export * from "./PaymentProvider.js"
export * from "./ProviderEvent.js"
export * from "./Stats.js"
export * from "./Subscription.js"
export * from "./Subscriptions.js"
