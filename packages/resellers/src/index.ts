/**
 * `@org/resellers`: reseller accounts of the IPTV platform — credits granted by
 * admins, client accounts paid in credits, renewals — as pure Effect programs
 * over ports, on `@org/ledger`, `@org/billing` and `@org/accounts`.
 *
 * @packageDocumentation
 */

export * from "./Errors.js"
export * from "./Renewals.js"
export * from "./ResellerClient.js"
export * from "./ResellerNotices.js"
export * from "./ResellerStore.js"
export * from "./Resellers.js"
