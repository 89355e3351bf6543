/**
 * `@org/ledger`: a double-entry credit ledger, TigerBeetle-style — immutable
 * transfers whose ids are idempotency keys, accounts that cannot be overdrawn
 * by construction, linked transfers, balances, history and sums by kind — as
 * pure Effect programs over a store port.
 *
 * @packageDocumentation
 */

export * from "./Errors.js"
export * from "./Ledger.js"
export * from "./LedgerStore.js"
export * from "./Model.js"
