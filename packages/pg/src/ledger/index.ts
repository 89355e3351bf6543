/**
 * `@org/pg/ledger`: `@org/ledger`'s store on Postgres, in its own schema
 * (default `ledger`). `LedgerPg.layer` migrates it.
 *
 * @packageDocumentation
 */
export * from "./LedgerPg.js"
export * from "./Migrations.js"
export * from "./PgLedgerStore.js"
