/**
 * What the API declaration does not cover: the pages, their assets, the
 * OpenAPI document and the docs page, and the headers of every response.
 */
import { HttpApiBuilder, HttpServerResponse, OpenApi } from "@effect/platform"
import { FamilyScrobbleConfig } from "@org/family-scrobble"
import { Effect, type Layer } from "effect"
import { makeSecurityHeaders } from "../SecurityHeaders.js"
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
    const onboarding = settings.onboarding
    yield* router.get(
      "/family",
      html(wizardPage({ mode: "family", maxMembers: settings.maxMembers, onboarding }))
    )
    yield* router.get("/individual", html(wizardPage({ mode: "individual", maxMembers: 1, onboarding })))
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

/**
 * The serving kit's headers (`@org/http`'s `makeSecurityHeaders`) as this API
 * wants them: the admin API and the OAuth endpoints are never cached, and a 401
 * names the admin realm.
 */
export const securityHeaders = makeSecurityHeaders({
  noStore: (path) => path.startsWith("/admin/api") || path.startsWith("/oauth/"),
  bearerRealm: "admin"
})

/** The middleware as a layer of the API. */
export const SecurityHeadersLive: Layer.Layer<never> = HttpApiBuilder.middleware(securityHeaders)
