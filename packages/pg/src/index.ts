/**
 * `@org/pg`: PostgreSQL for the SDK. Migrations, the family-scrobble stores on
 * `@effect/sql-pg`, OAuth tokens encrypted at rest, and embedded PGlite as the
 * default database.
 *
 * This release provides the group store; the retry queue, notifications,
 * OAuth states and telemetry on Postgres follow.
 *
 * @packageDocumentation
 */
export * from "./FamilyScrobblePg.js"
export * from "./Migrations.js"
export * from "./PgDatabase.js"
export * from "./PgGroupStore.js"
export * from "./PgNotifications.js"
export * from "./PgOAuthStates.js"
export * from "./PgStoreConfig.js"
export * from "./PgTelemetry.js"
export * from "./TokenCipher.js"
