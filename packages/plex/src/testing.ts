/**
 * `@org/plex/testing`: realistic Plex webhook payloads and encoders that build
 * request bodies exactly as Plex Media Server posts them, to test a webhook
 * receiver without a Plex server.
 *
 * @packageDocumentation
 */
export * from "./testing/multipart.js"
export * from "./testing/samples.js"
