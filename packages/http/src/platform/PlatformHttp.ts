/**
 * The platform API as layers, and the three ways to serve it: Node's server
 * (`PlatformHttp.serve`), a web-standard handler and Node / Express handlers
 * (`makePlatformHandlers`). The body limits, security headers and error
 * answers are the serving kit's, in the API's error shape (`ErrorEnvelope`).
 */
import { type HttpApi, HttpApiBuilder, type HttpServer, HttpServerResponse, OpenApi } from "@effect/platform"
import type { Entitlements, PlanStore, ProfileStore, SessionStore, UserStore } from "@org/accounts"
import { authenticate, UserId, UserStore as UserStoreTag } from "@org/accounts"
import type { BillingStore, PaymentProvider } from "@org/billing"
import type { IdempotencyStore, PasswordHasher, SecureRandom, TokenSigner, UnitOfWork } from "@org/core"
import type { LedgerStore } from "@org/ledger"
import type { FavoriteStore, PlaylistStore, ProgressStore } from "@org/library"
import type { ResellerStore } from "@org/resellers"
import { Effect, Layer, type LogLevel, Option } from "effect"
import { makeBodyGuard } from "../BodyGuard.js"
import { withDirectRoutes } from "../DirectRoute.js"
import { type IdempotencyMode, makeIdempotency } from "../Idempotency.js"
import { makeRateLimit } from "../RateLimit.js"
import { makeSecurityHeaders } from "../SecurityHeaders.js"
import { type Handlers, makeHandlers, type ServedApp, serveNode } from "../Serving.js"
import { AdminLive, AuthLive, PlansLive, ProfilesLive } from "./accounts/Http.js"
import {
  MAX_STRIPE_WEBHOOK_BYTES,
  StatsLive,
  SubscriptionsLive,
  stripeWebhookRoute,
  WebhooksLive
} from "./billing/Http.js"
import { docsStylesheet, platformDocsPage } from "./DocsPage.js"
import { errorEnvelope } from "./ErrorEnvelope.js"
import { Unavailable } from "./Errors.js"
import { FavoritesLive, PlaylistsLive, ProgressLive } from "./library/Http.js"
import { PlatformApi } from "./PlatformApi.js"
import { CreditsLive, ResellerLive } from "./resellers/Http.js"
import { AuthenticationLive } from "./Security.js"

/**
 * What the platform API runs on: the accounts, library, billing, ledger and
 * resellers stores, entitlements, the payment provider, the unit of work and
 * the idempotency keys, hashing, signing, randomness.
 */
export type PlatformServices =
  | UserStore
  | SessionStore
  | ProfileStore
  | PlanStore
  | Entitlements
  | PasswordHasher
  | TokenSigner
  | SecureRandom
  | PlaylistStore
  | FavoriteStore
  | ProgressStore
  | BillingStore
  | PaymentProvider
  | LedgerStore
  | ResellerStore
  | UnitOfWork
  | IdempotencyStore

export interface PlatformRateLimits {
  /** Sign-ins, sign-ups and refreshes per client per minute. Default 30. */
  readonly auth?: number | undefined
  /** Take the client from `X-Forwarded-For`: only behind a proxy you run. Default false. */
  readonly trustProxy?: boolean | undefined
}

export interface PlatformHttpOptions {
  /** The largest request body, in bytes. Default 64 KB. */
  readonly maxJsonBytes?: number | undefined
  /** Per-client limits of the sign-in endpoints (`false`: none, behind a proxy that limits). */
  readonly rateLimits?: PlatformRateLimits | false | undefined
  /** The least severe log level written (`makePlatformHandlers` only). Default `Info`. */
  readonly logLevel?: LogLevel.Literal | undefined
}

const NO_USER = UserId.make("00000000-0000-4000-8000-000000000000")

const SystemLive = HttpApiBuilder.group(PlatformApi, "system", (handlers) =>
  handlers.handle("health", () =>
    Effect.flatMap(UserStoreTag, (users) => users.findUser(NO_USER)).pipe(
      Effect.timeout("3 seconds"),
      Effect.as({ status: "ok" as const }),
      Effect.catchAll(() =>
        Effect.fail(
          new Unavailable({
            error: {
              code: "service_unavailable",
              message: "The database did not answer within 3 seconds.",
              retry_after: 5
            }
          })
        )
      )
    )
  )
)

/**
 * The document as clients see the answers: errors are `{ error }` without the
 * tag the encoder uses, and a malformed request is the API's `ValidationFailed`.
 */
const asAnswered = (document: OpenApi.OpenAPISpec): OpenApi.OpenAPISpec => {
  const text = JSON.stringify(document).replaceAll(
    '"#/components/schemas/HttpApiDecodeError"',
    '"#/components/schemas/ValidationFailed"'
  )
  const dedupe = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(dedupe)
    if (typeof value !== "object" || value === null) return value
    const out: Record<string, unknown> = {}
    for (const [key, field] of Object.entries(value)) {
      if (key === "anyOf" && Array.isArray(field)) {
        const unique = [...new Map(field.map((item) => [JSON.stringify(item), dedupe(item)])).values()]
        if (unique.length === 1) Object.assign(out, unique[0] as object)
        else out.anyOf = unique
      } else out[key] = dedupe(field)
    }
    return out
  }
  const cleaned = dedupe(JSON.parse(text)) as OpenApi.OpenAPISpec & {
    components: {
      schemas: Record<string, { properties?: Record<string, unknown>; required?: Array<string> }>
    }
  }
  for (const [name, schema] of Object.entries(cleaned.components.schemas)) {
    if (name === "HttpApiDecodeError" || name === "Issue" || name === "PropertyKey") {
      delete cleaned.components.schemas[name]
      continue
    }
    if (schema.properties?.error !== undefined && schema.properties._tag !== undefined) {
      delete schema.properties._tag
      schema.required = (schema.required ?? []).filter((field) => field !== "_tag")
    }
  }
  return cleaned
}

/** The OpenAPI document of `PlatformApi`, as the API answers. */
export const platformOpenApi = asAnswered(OpenApi.fromApi(PlatformApi))

const DocsLive = HttpApiBuilder.Router.use((router) =>
  Effect.gen(function* () {
    yield* router.get("/api/v1/openapi.json", HttpServerResponse.unsafeJson(platformOpenApi))
    yield* router.get(
      "/api/v1/docs",
      HttpServerResponse.html(platformDocsPage(platformOpenApi)).pipe(
        HttpServerResponse.setHeader("cache-control", "no-cache")
      )
    )
    yield* router.get(
      "/api/v1/docs.css",
      HttpServerResponse.text(docsStylesheet, { contentType: "text/css" })
    )
  })
)

/** The API with its handlers, over the platform's services. */
const layer: Layer.Layer<HttpApi.Api | HttpApiBuilder.Router, never, PlatformServices> = HttpApiBuilder.api(
  PlatformApi
).pipe(
  Layer.provide([
    SystemLive,
    AuthLive,
    ProfilesLive,
    PlansLive,
    AdminLive,
    PlaylistsLive,
    FavoritesLive,
    ProgressLive,
    SubscriptionsLive,
    WebhooksLive,
    StatsLive,
    CreditsLive,
    ResellerLive
  ]),
  Layer.provide(AuthenticationLive),
  Layer.merge(DocsLive.pipe(Layer.provideMerge(HttpApiBuilder.Router.Live)))
)

const securityHeaders = makeSecurityHeaders({
  noStore: (path) =>
    path.startsWith("/api/v1/auth/") ||
    path.startsWith("/api/v1/profiles") ||
    path.startsWith("/api/v1/admin/") ||
    path.startsWith("/api/v1/subscriptions/") ||
    path.startsWith("/api/v1/playlists"),
  bearerRealm: "platform"
})

const authLimits = (limits: PlatformRateLimits) =>
  makeRateLimit({
    trustProxy: limits.trustProxy,
    rules: [
      {
        name: "sign-in",
        match: (method, path) =>
          method === "POST" &&
          (path === "/api/v1/auth/login" ||
            path === "/api/v1/auth/signup" ||
            path === "/api/v1/auth/refresh"),
        limit: limits.auth ?? 30,
        window: "1 minute"
      }
    ]
  })

/**
 * Which requests take an `Idempotency-Key`: every mutating endpoint but
 * sign-in (its answer holds tokens, never stored) and Stripe's webhook (its
 * events carry their own ids). Those that call Stripe claim the key first;
 * the rest commit it with their writes.
 */
export const platformIdempotencyMode = (method: string, path: string): IdempotencyMode | undefined => {
  if (method === "GET" || !path.startsWith("/api/v1/")) return undefined
  if (path.startsWith("/api/v1/auth/") || path.startsWith("/api/v1/webhooks/")) return undefined
  if (path.startsWith("/api/v1/subscriptions/")) return "separate"
  return "transaction"
}

const idempotency = makeIdempotency({
  mode: platformIdempotencyMode,
  scope: (request) => {
    const header = request.headers.authorization ?? ""
    const token = header.toLowerCase().startsWith("bearer ") ? header.slice(7).trim() : ""
    return token === ""
      ? Effect.succeed(Option.none())
      : authenticate(token).pipe(
          Effect.map((caller) => Option.some(caller.userId as string)),
          Effect.orElseSucceed(() => Option.none<string>())
        )
  }
})

/** The whole API as one `HttpApp`: limits, guards, headers, and every error in the API's shape. */
export const platformAppWith = (
  options: PlatformHttpOptions = {}
): ServedApp<HttpApi.Api | HttpApiBuilder.Router | HttpApiBuilder.Middleware | KitServices, KitServices> => {
  // JSON only: a body without a content type (or fetch's text/plain) is JSON, an empty one `{}`.
  const guard = makeBodyGuard({
    maxBytes: options.maxJsonBytes,
    jsonByDefault: true,
    // Stripe signs the exact bytes it sends: the webhook reads them itself.
    rawBodies: (path) =>
      path === stripeWebhookRoute.path ? { limit: MAX_STRIPE_WEBHOOK_BYTES, name: "webhook body" } : undefined
  })
  const limits = options.rateLimits === false ? undefined : authLimits(options.rateLimits ?? {})
  return Effect.gen(function* () {
    const app = withDirectRoutes([stripeWebhookRoute])(yield* HttpApiBuilder.httpApp)
    // The kit's services come from the context each request is served in.
    const keyed = idempotency(app)
    return errorEnvelope(securityHeaders(limits === undefined ? guard(keyed) : limits(guard(keyed))))
  })
}

/**
 * What requests use of the services outside the API's handlers: the kit's
 * middleware (idempotency keys) and the routes served ahead of the router
 * (Stripe's webhook). They are in the context every request is served in.
 */
type KitServices = IdempotencyStore | UnitOfWork | TokenSigner | BillingStore | PaymentProvider

const served = Layer.mergeAll(layer, HttpApiBuilder.Middleware.layer, Layer.context<KitServices>())

/** Serve on Node's HTTP server at `port` (0: any free port) and `host`. */
const serve = (
  options: PlatformHttpOptions & { readonly port: number; readonly host?: string | undefined }
): Layer.Layer<HttpServer.HttpServer, unknown, PlatformServices> =>
  serveNode(platformAppWith(options), served, options)

export const PlatformHttp = { layer, serve }

/** Whether a request path belongs to the platform API (Express passes everything else on). */
export const ownsPlatformPath = (path: string): boolean => path === "/api/v1" || path.startsWith("/api/v1/")

/** The API over `services` as a web handler, a Node handler and Express middleware. */
export const makePlatformHandlers = <E>(
  options: PlatformHttpOptions,
  services: Layer.Layer<PlatformServices, E>
): Promise<Handlers> =>
  makeHandlers(platformAppWith(options), served.pipe(Layer.provide(services)), {
    owns: ownsPlatformPath,
    name: "platform",
    logLevel: options.logLevel
  })
