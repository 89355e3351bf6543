/**
 * `@org/http/family-scrobble`: the family-scrobbling HTTP API, declared once
 * with `@effect/platform` `HttpApi` and served three ways (Node server,
 * web-standard handler, Express middleware) through the serving kit, with its
 * OpenAPI document, docs page, onboarding wizard and admin panel.
 *
 * @packageDocumentation
 */
export * from "./AdminAuthLive.js"
export * from "./Api.js"
export * from "./Errors.js"
export * from "./FamilyScrobbleHttp.js"
export * from "./GroupCache.js"
export * from "./Handlers.js"
export * from "./HttpConfig.js"
export * from "./Routes.js"
export * from "./Views.js"
export * from "./WebhookDispatcher.js"
