/**
 * `@org/pg/family-scrobble`: every store port of `@org/family-scrobble` on
 * Postgres, in its own schema (default `family_scrobble`): groups and members
 * (OAuth tokens encrypted at rest), the durable retry queue, the webhook inbox,
 * notifications, telemetry and OAuth states; `FamilyScrobblePg.layer` provides
 * them all with cross-process group locks, and migrates the schema at start.
 *
 * @packageDocumentation
 */
export * from "./FamilyScrobblePg.js"
export * from "./Migrations.js"
export * from "./PgGroupStore.js"
export * from "./PgNotifications.js"
export * from "./PgOAuthStates.js"
export * from "./PgRetryQueue.js"
export * from "./PgTelemetry.js"
export * from "./PgWebhookInbox.js"
