/**
 * `@org/pg`: PostgreSQL for the SDK, the root every domain shares: the database
 * layer (a server at a URL, or embedded PGlite by default), the migrator that
 * takes the migrations of the domains an app uses, lease-row locks across
 * processes, the token cipher and the store config.
 *
 * The stores of each domain are subpaths, each with its own Postgres schema:
 * `@org/pg/family-scrobble` and `@org/pg/prune`.
 *
 * @packageDocumentation
 */
export * from "./DataDirLock.js"
export * from "./Migrations.js"
export * from "./Paging.js"
export * from "./PgDatabase.js"
export * from "./PgIdempotencyStore.js"
export * from "./PgLocks.js"
export * from "./PgStoreConfig.js"
export * from "./PgUnitOfWork.js"
export * from "./StoreErrors.js"
export * from "./TokenCipher.js"
