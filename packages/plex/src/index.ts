/**
 * `@org/plex`: typed decoding of Plex Media Server webhooks with `effect/Schema`,
 * and the plex.tv and Tautulli adapters of the prune engine (`@org/prune`).
 *
 * @packageDocumentation
 */

// plex.tv users and sharing: the PlexAccount port
export * from "./PlexTv.js"
// The payload model
export * from "./PlexWebhook.js"
// Tautulli: the ActivitySource port
export * from "./Tautulli.js"
// Decoding request bodies
export * from "./WebhookDecoder.js"
// Errors
export * from "./WebhookErrors.js"
// Decoding web-standard requests
export * from "./WebhookRequest.js"
