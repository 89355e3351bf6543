/**
 * `@org/server`: the composition root of the SDK, the one package that depends on
 * every adapter. Promise facades for people who do not use Effect, each a thin
 * wrapper over the same layers an Effect user composes:
 *
 * - `createFamilyScrobble(options)`: the family-scrobbling server (handlers for
 *   Node, Express and web-standard runtimes, workers, Postgres or embedded PGlite).
 * - `createPrune(options)`: the prune engine (plan, one cycle, or passes on a
 *   schedule) over plex.tv, Tautulli, the database, SMTP and Discord.
 * - `createPlatform(options)`: the IPTV account platform's API (`/api/v1`):
 *   accounts, sessions, profiles and plans on Postgres or embedded PGlite.
 *
 * @packageDocumentation
 */
export * from "./createFamilyScrobble.js"
export * from "./createPlatform.js"
export * from "./createPrune.js"
