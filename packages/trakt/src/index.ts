/**
 * `@org/trakt`: the Trakt port of `@org/family-scrobble` over undici. The Trakt
 * sandbox server lives in `@org/trakt/sandbox`.
 *
 * @packageDocumentation
 */
export * from "./TraktApiLive.js"
export * from "./TraktBodies.js"
export * from "./TraktConfig.js"
export * from "./TraktHttp.js"
