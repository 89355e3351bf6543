/**
 * `@org/pg/resellers`: `@org/resellers`' store on Postgres, in its own schema
 * (default `resellers`) over the accounts schema. `ResellersPg.layer` migrates it.
 *
 * @packageDocumentation
 */
export * from "./Migrations.js"
export * from "./PgResellerStore.js"
export * from "./ResellersPg.js"
