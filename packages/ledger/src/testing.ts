/**
 * `@org/ledger/testing`: the ledger store in memory, the reference the
 * Postgres store is checked against.
 *
 * @packageDocumentation
 */

export * from "./memory/LedgerInMemory.js"
