/**
 * What the API declaration does not cover: the pages, their assets, the
 * OpenAPI document and the docs page, and the headers every response carries.
 */
import {
  HttpApiBuilder,
  HttpMiddleware,
  HttpServerRequest,
  HttpServerResponse,
  OpenApi
} from "@effect/platform"
import { FamilyScrobbleConfig } from "@org/family-scrobble"
import { Effect, Layer } from "effect"
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

/**
 * Headers on every response (a strict CSP, no sniffing, no referrer: callback
 * URLs carry OAuth codes), `WWW-Authenticate` on 401, and one log line per
 * request without its query string (which can hold an OAuth code or a group id).
 */
export const securityHeaders = HttpMiddleware.make((app) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const response = yield* app
    const path = request.url.split("?")[0] ?? "/"
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
