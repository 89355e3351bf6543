/**
 * `@org/http`: the serving kit every API of the SDK shares. Node's server, a
 * web-standard handler and an Express bridge from one `HttpApp` (`serveNode`,
 * `makeHandlers`), the security headers and error answers of every response,
 * bearer tokens compared in constant time, body limits checked while reading,
 * and the errors that carry their status.
 *
 * Each domain's API is a subpath: `@org/http/family-scrobble`.
 *
 * @packageDocumentation
 */
export * from "./BearerAuth.js"
export * from "./BodyGuard.js"
export * from "./BodyLimit.js"
export * from "./DirectRoute.js"
export * from "./HttpErrors.js"
export * from "./Idempotency.js"
export * from "./OpenApiPage.js"
export * from "./RateLimit.js"
export * from "./SecurityHeaders.js"
export * from "./Serving.js"
