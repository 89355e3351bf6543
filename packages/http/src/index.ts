/**
 * `@org/http`: the family-scrobble HTTP API, declared once with
 * `@effect/platform` `HttpApi` and served three ways (Node server, web-standard
 * handler, Express middleware), with its OpenAPI document, docs page,
 * onboarding wizard and admin panel.
 *
 * @packageDocumentation
 */
export * from "./AdminAuthLive.js"
export * from "./Api.js"
export * from "./createFamilyScrobble.js"
export * from "./FamilyScrobbleHttp.js"
export * from "./GroupCache.js"
export * from "./Handlers.js"
export * from "./HttpConfig.js"
export * from "./HttpErrors.js"
export * from "./Routes.js"
export * from "./Views.js"
export * from "./WebhookDispatcher.js"
