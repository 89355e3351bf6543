/**
 * `@org/http/platform`: the IPTV account platform's API under `/api/v1`,
 * declared once (`PlatformApi`: server, OpenAPI document, typed client), with
 * one error shape, `{ "error": { "code", "message" } }`.
 *
 * @packageDocumentation
 */
export * from "./accounts/Api.js"
export * from "./accounts/Http.js"
export * from "./accounts/Views.js"
export * from "./billing/Api.js"
export * from "./billing/Http.js"
export * from "./billing/Views.js"
export * from "./DocsPage.js"
export * from "./ErrorEnvelope.js"
export * from "./Errors.js"
export * from "./library/Api.js"
export * from "./library/Http.js"
export * from "./library/Views.js"
export * from "./PlatformApi.js"
export * from "./PlatformHttp.js"
export * from "./Security.js"
