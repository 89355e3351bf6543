/**
 * What the API declaration does not cover: the pages, their assets, the
 * OpenAPI document and the docs page, and the headers every response carries.
 */
import {
  HttpApiBuilder,
  HttpMiddleware,
  HttpServerError,
  HttpServerRequest,
  HttpServerResponse,
  OpenApi
} from "@effect/platform"
import { FamilyScrobbleConfig } from "@org/family-scrobble"
import { Cause, Effect, type Layer, Option } from "effect"
import { FamilyScrobbleApi } from "./Api.js"
import { adminPage, assets, docsPage, landingPage, wizardPage } from "./pages/index.js"

const html = (body: string) =>
  HttpServerResponse.html(body).pipe(HttpServerResponse.setHeader("cache-control", "no-cache"))

/** The OpenAPI document of `FamilyScrobbleApi`. */
export const openApiDocument = OpenApi.fromApi(FamilyScrobbleApi)

/** The pages, assets, `/openapi.json` and `/docs`. */
export const PagesLive = HttpApiBuilder.Router.use((router) =>
  Effect.gen(function* () {
    const settings = yield* FamilyScrobbleConfig
    const docs = docsPage(openApiDocument)
    yield* router.get("/", html(landingPage()))
    yield* router.get("/family", html(wizardPage({ mode: "family", maxMembers: settings.maxMembers })))
    yield* router.get("/individual", html(wizardPage({ mode: "individual", maxMembers: 1 })))
    yield* router.get("/admin", html(adminPage()))
    yield* router.get("/docs", html(docs))
    yield* router.get("/openapi.json", HttpServerResponse.unsafeJson(openApiDocument))
    for (const [path, asset] of Object.entries(assets)) {
      yield* router.get(
        path as `/${string}`,
        HttpServerResponse.text(asset.body, { contentType: asset.contentType }).pipe(
          HttpServerResponse.setHeader("cache-control", "public, max-age=300")
        )
      )
    }
  })
)

const contentSecurityPolicy =
  "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

const jsonError = (status: number, tag: string, message: string) =>
  HttpServerResponse.unsafeJson({ _tag: tag, message }, { status })

/**
 * What the API's own error encoding does not cover, as a response: an unknown
 * route (404) and a body that cannot be parsed (400) get a JSON `{ _tag, message }`;
 * anything else gets the platform's response, and a 5xx is logged with its cause.
 */
const failureResponse =
  (request: HttpServerRequest.HttpServerRequest, path: string) => (cause: Cause.Cause<unknown>) =>
    Effect.gen(function* () {
      const failure = Cause.failureOption(cause)
      if (Option.isSome(failure) && HttpServerError.isServerError(failure.value)) {
        if (failure.value._tag === "RouteNotFound") {
          return jsonError(
            404,
            "RouteNotFound",
            `Nothing is served at ${request.method} ${path}; the API is described at /docs.`
          )
        }
      }
      const error = Option.orElse(failure, () => Cause.dieOption(cause))
      if (
        Option.isSome(error) &&
        HttpServerError.isServerError(error.value) &&
        error.value._tag === "RequestError" &&
        error.value.reason === "Decode"
      ) {
        const contentType = request.headers["content-type"] ?? "application/json"
        return jsonError(
          400,
          "BadRequest",
          contentType.includes("json")
            ? "The request body is not valid JSON."
            : `The request body could not be read as ${contentType}.`
        )
      }
      const [response] = yield* HttpServerError.causeResponse(cause)
      if (response.status >= 500 && !Cause.isInterruptedOnly(cause)) {
        yield* Effect.logError("request failed", cause).pipe(
          Effect.annotateLogs({ method: request.method, path, status: response.status })
        )
      }
      return response
    })

/**
 * Headers on every response (a strict CSP, no sniffing, no referrer: callback
 * URLs carry OAuth codes), `WWW-Authenticate` on 401, and one log line per
 * request without its query string (which can hold an OAuth code or a group id).
 * Failures are turned into responses here, so error responses carry the
 * headers too. Apply it to the app (`familyScrobbleApp`), not as a server
 * middleware: a server middleware runs after the response is written.
 */
export const securityHeaders = HttpMiddleware.make((app) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const path = request.url.split("?")[0] ?? "/"
    const response = yield* Effect.catchAllCause(app, failureResponse(request, path))
    const withHeaders = response.pipe(
      HttpServerResponse.setHeaders({
        "content-security-policy": contentSecurityPolicy,
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        "x-frame-options": "DENY"
      }),
      (r) =>
        r.status === 401 ? HttpServerResponse.setHeader(r, "www-authenticate", 'Bearer realm="admin"') : r,
      (r) =>
        path.startsWith("/admin/api") || path.startsWith("/oauth/")
          ? HttpServerResponse.setHeader(r, "cache-control", "no-store")
          : r
    )
    yield* Effect.logDebug("http request").pipe(
      Effect.annotateLogs({ method: request.method, path, status: withHeaders.status })
    )
    return withHeaders
  })
)

/** The middleware as a layer of the API. */
export const SecurityHeadersLive: Layer.Layer<never> = HttpApiBuilder.middleware(securityHeaders)
