/**
 * `@org/pg`: PostgreSQL for the SDK. Migrations, the family-scrobble stores on
 * `@effect/sql-pg`, OAuth tokens encrypted at rest, and embedded PGlite as the
 * default database.
 *
 * Every store port of @org/family-scrobble, cross-process group locks and
 * `FamilyScrobblePg.layer`, which provides them all; the prune engine's store
 * (`PgPruneStore`, `PrunePg.layer`).
 *
 * @packageDocumentation
 */
export * from "./FamilyScrobblePg.js"
export * from "./Migrations.js"
export * from "./PgDatabase.js"
export * from "./PgGroupStore.js"
export * from "./PgLocks.js"
export * from "./PgNotifications.js"
export * from "./PgOAuthStates.js"
export * from "./PgPruneStore.js"
export * from "./PgRetryQueue.js"
export * from "./PgStoreConfig.js"
export * from "./PgTelemetry.js"
export * from "./PgWebhookInbox.js"
export * from "./PrunePg.js"
export * from "./TokenCipher.js"
