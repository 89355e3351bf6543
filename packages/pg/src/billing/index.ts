/**
 * `@org/pg/billing`: `@org/billing`'s store on Postgres, in its own schema
 * (default `billing`) over the accounts schema. `BillingPg.layer` migrates it.
 *
 * @packageDocumentation
 */
export * from "./BillingPg.js"
export * from "./Migrations.js"
export * from "./PgBillingStore.js"
