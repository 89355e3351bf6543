/**
 * `@org/plex`: typed decoding of Plex Media Server webhooks with `effect/Schema`.
 *
 * @packageDocumentation
 */

// The payload model
export * from "./PlexWebhook.js"
// Decoding request bodies
export * from "./WebhookDecoder.js"
// Errors
export * from "./WebhookErrors.js"
// Decoding web-standard requests
export * from "./WebhookRequest.js"
