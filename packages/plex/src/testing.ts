/**
 * `@org/plex/testing`: realistic Plex webhook payloads and encoders that build
 * request bodies exactly as Plex Media Server posts them, and fake plex.tv and
 * Tautulli servers on loopback to run the prune adapters against.
 *
 * @packageDocumentation
 */
export * from "./testing/FakePlexTv.js"
export * from "./testing/FakeTautulli.js"
export * from "./testing/multipart.js"
export * from "./testing/samples.js"
