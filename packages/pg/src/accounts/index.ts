/**
 * `@org/pg/accounts`: the store ports of `@org/accounts` (users, sessions and
 * refresh tokens, profiles, plans) on Postgres, in their own schema (default
 * `accounts`). `AccountsPg.layer` migrates it at start.
 *
 * @packageDocumentation
 */
export * from "./AccountsPg.js"
export * from "./Migrations.js"
export * from "./PgAccountsStores.js"
