/**
 * The family-scrobble HTTP surface as layers, and the three ways to serve it:
 * the Node server (`serve`), a web-standard handler and a Node / Express
 * handler (`makeHandlers`).
 */
import {
  type HttpApi,
  HttpApiBuilder,
  type HttpApp,
  type HttpRouter,
  type HttpServer
} from "@effect/platform"
import type { OAuthStates, Telemetry } from "@org/family-scrobble"
import { type Duration, Effect, Layer, type LogLevel } from "effect"
import { makeBodyGuard } from "../BodyGuard.js"
import { makeRateLimit } from "../RateLimit.js"
import {
  type ExpressMiddleware,
  expressMiddleware,
  type Handlers,
  makeHandlers as makeServedHandlers,
  type NodeHandler,
  serveNode
} from "../Serving.js"
import { AdminAuthLive } from "./AdminAuthLive.js"
import { FamilyScrobbleApi } from "./Api.js"
import { GroupCache } from "./GroupCache.js"
import { handlerGroups } from "./Handlers.js"
import { FamilyHttpConfig, type FamilyHttpOptions, type FamilyRateLimits } from "./HttpConfig.js"
import { PagesLive, securityHeaders } from "./Routes.js"
import { type BroadcastServices, WebhookDispatcher } from "./WebhookDispatcher.js"

/**
 * The domain services the HTTP surface runs on: a storage adapter, Trakt and
 * randomness (settings come from `FamilyScrobbleConfig`, defaults otherwise).
 */
export type FamilyScrobbleServices = BroadcastServices | OAuthStates | Telemetry

export interface FamilyScrobbleHttpOptions extends FamilyHttpOptions {
  /** On shutdown, how long broadcasts under way may take to finish. Default 10 s. */
  readonly drainTimeout?: Duration.DurationInput | undefined
  /** The least severe log level written (`makeHandlers` only). Default `Info`. */
  readonly logLevel?: LogLevel.Literal | undefined
}

/**
 * The API with its handlers and pages, and the dispatcher that broadcasts
 * after each webhook's answer. Serve it with `HttpApiBuilder.serve()` or use
 * `FamilyScrobbleHttp.serve` / `makeHandlers`.
 */
const layer = (
  options: FamilyScrobbleHttpOptions
): Layer.Layer<HttpApi.Api | HttpApiBuilder.Router, never, FamilyScrobbleServices> => {
  const { WebhookLive, OnboardingLive, AdminLive, SystemLive } = handlerGroups
  const api = HttpApiBuilder.api(FamilyScrobbleApi).pipe(
    Layer.provide([WebhookLive, OnboardingLive, AdminLive, SystemLive]),
    Layer.provide(AdminAuthLive)
  )
  return Layer.mergeAll(api, PagesLive.pipe(Layer.provideMerge(HttpApiBuilder.Router.Live))).pipe(
    Layer.provide(
      WebhookDispatcher.layer(
        options.drainTimeout === undefined ? {} : { drainTimeout: options.drainTimeout }
      )
    ),
    Layer.provide(GroupCache.layer()),
    Layer.provide(FamilyHttpConfig.layer(options))
  )
}

/**
 * The whole surface as one `HttpApp`: the security headers on every response,
 * and every body but the webhook's (which has its own limit, `maxWebhookBytes`)
 * guarded: at most `maxJsonBytes`, no text Postgres cannot store, no deep nesting.
 */
export const familyScrobbleAppWith = (
  options: {
    readonly maxJsonBytes?: number | undefined
    readonly maxWebhookBytes?: number | undefined
    readonly rateLimits?: FamilyRateLimits | false | undefined
  } = {}
): Effect.Effect<
  HttpApp.Default<never, HttpRouter.HttpRouter.DefaultServices>,
  never,
  HttpApi.Api | HttpApiBuilder.Router | HttpApiBuilder.Middleware
> => {
  const guard = makeBodyGuard({
    maxBytes: options.maxJsonBytes,
    rawBodies: (path) =>
      path === "/api"
        ? { limit: options.maxWebhookBytes ?? 10 * 1024 * 1024, name: "webhook body" }
        : undefined
  })
  const limits = options.rateLimits === false ? undefined : familyRateLimits(options.rateLimits ?? {})
  return Effect.map(HttpApiBuilder.httpApp, (app) =>
    securityHeaders(limits === undefined ? guard(app) : limits(guard(app)))
  )
}

/** The public endpoints' per-client limits, per minute. */
const familyRateLimits = (limits: FamilyRateLimits) =>
  makeRateLimit({
    trustProxy: limits.trustProxy,
    rules: [
      {
        name: "onboarding",
        match: (method, path) => method === "POST" && path.startsWith("/oauth/family/"),
        limit: limits.onboarding ?? 20,
        window: "1 minute"
      },
      {
        name: "onboarding status",
        match: (method, path) => method === "GET" && path.startsWith("/oauth/family/"),
        limit: limits.status ?? 120,
        window: "1 minute"
      },
      {
        name: "Trakt callback",
        match: (_, path) => path === "/authorize/family/member",
        limit: limits.callback ?? 30,
        window: "1 minute"
      },
      {
        name: "telemetry",
        match: (method, path) => method === "POST" && path === "/api/telemetry",
        limit: limits.telemetry ?? 60,
        window: "1 minute"
      }
    ]
  })

/** `familyScrobbleAppWith()` with the default limits. */
export const familyScrobbleApp = familyScrobbleAppWith()

/** The surface with what serving it needs, over the domain's services. */
const served = (options: FamilyScrobbleHttpOptions) =>
  Layer.merge(layer(options), HttpApiBuilder.Middleware.layer)

/**
 * Serve on Node's HTTP server at `port` (0: any free port) and `host` (default
 * all interfaces). Stops with its scope, after broadcasts under way finish.
 */
const serve = (
  options: FamilyScrobbleHttpOptions & { readonly port: number; readonly host?: string }
): Layer.Layer<HttpServer.HttpServer, unknown, FamilyScrobbleServices> =>
  // The headers are applied to the app: as `HttpServer.serve`'s middleware they
  // would run after the response was written, and never reach the client.
  serveNode(familyScrobbleAppWith(options), served(options), options)

export const FamilyScrobbleHttp = { layer, serve }

export type { ExpressMiddleware, NodeHandler }

/** The surface as handlers; `dispose` lets broadcasts under way finish (up to `drainTimeout`), then releases everything. */
export type FamilyScrobbleHandlers = Handlers

const exactPaths = new Set([
  "/",
  "/family",
  "/individual",
  "/admin",
  "/docs",
  "/openapi.json",
  "/healthz",
  "/api"
])
const pathPrefixes = ["/api/", "/assets/", "/oauth/family/", "/authorize/family/", "/admin/api/"]

/** Whether a request path belongs to the family-scrobbling API (so Express passes everything else on). */
export const ownsPath = (path: string): boolean =>
  exactPaths.has(path) || pathPrefixes.some((prefix) => path.startsWith(prefix))

/** Express middleware over a Node handler; paths the API does not serve go to `next`. */
export const toExpressMiddleware = (nodeHandler: NodeHandler): ExpressMiddleware =>
  expressMiddleware(nodeHandler, { owns: ownsPath, name: "family-scrobble" })

/**
 * Build the surface over `services` (for example `FamilyScrobblePg.layer(…)`
 * with a Trakt client and randomness) and return it as a web handler, a Node
 * handler and Express middleware sharing one runtime.
 */
export const makeHandlers = <E>(
  options: FamilyScrobbleHttpOptions,
  services: Layer.Layer<FamilyScrobbleServices, E>
): Promise<FamilyScrobbleHandlers> =>
  makeServedHandlers(familyScrobbleAppWith(options), served(options).pipe(Layer.provide(services)), {
    owns: ownsPath,
    name: "family-scrobble",
    logLevel: options.logLevel
  })
