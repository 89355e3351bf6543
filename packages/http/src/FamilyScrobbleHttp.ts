/**
 * The family-scrobble HTTP surface as layers, and the three ways to serve it:
 * the Node server (`serve`), a web-standard handler and a Node / Express
 * handler (`makeHandlers`).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { type HttpApi, HttpApiBuilder, HttpApp, type HttpRouter, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import type { OAuthStates, Telemetry } from "@org/family-scrobble"
import { type Duration, Effect, Layer, Logger, LogLevel, ManagedRuntime } from "effect"
import { AdminAuthLive } from "./AdminAuthLive.js"
import { FamilyScrobbleApi } from "./Api.js"
import { GroupCache } from "./GroupCache.js"
import { handlerGroups } from "./Handlers.js"
import { FamilyHttpConfig, type FamilyHttpOptions } from "./HttpConfig.js"
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

/** The whole surface as one `HttpApp`, with the security headers of every response. */
export const familyScrobbleApp: Effect.Effect<
  HttpApp.Default<never, HttpRouter.HttpRouter.DefaultServices>,
  never,
  HttpApi.Api | HttpApiBuilder.Router | HttpApiBuilder.Middleware
> = Effect.map(HttpApiBuilder.httpApp, (app) => securityHeaders(app))

/**
 * Serve on Node's HTTP server at `port` (0: any free port) and `host` (default
 * all interfaces). Stops with its scope, after broadcasts under way finish.
 */
const serve = (
  options: FamilyScrobbleHttpOptions & { readonly port: number; readonly host?: string }
): Layer.Layer<HttpServer.HttpServer, unknown, FamilyScrobbleServices> =>
  // The headers are applied to the app: as `HttpServer.serve`'s middleware they
  // would run after the response was written, and never reach the client.
  Layer.unwrapEffect(Effect.map(familyScrobbleApp, (app) => HttpServer.serve(app))).pipe(
    Layer.provide(layer(options)),
    HttpServer.withLogAddress,
    Layer.provideMerge(
      NodeHttpServer.layer(createServer, {
        port: options.port,
        ...(options.host === undefined ? {} : { host: options.host })
      })
    ),
    Layer.provide(HttpApiBuilder.Middleware.layer)
  )

export const FamilyScrobbleHttp = { layer, serve }

/** A Node request handler: `http.createServer(handler)` or Express. */
export type NodeHandler = (request: IncomingMessage, response: ServerResponse) => void

/** Express-compatible middleware: handles the SDK's paths, passes the rest to `next`. */
export type ExpressMiddleware = (
  request: IncomingMessage & { readonly body?: unknown },
  response: ServerResponse,
  next: (error?: unknown) => void
) => void

export interface FamilyScrobbleHandlers {
  /** Web-standard: `(Request) => Promise<Response>` (Deno, Bun, Hono, workers, tests). */
  readonly handler: (request: Request) => Promise<Response>
  /** Node's `(req, res)`: for `http.createServer`. */
  readonly nodeHandler: NodeHandler
  /** Mount with `app.use(router)` in Express 4 or 5, before any body parser. */
  readonly router: ExpressMiddleware
  /** Stop: broadcasts under way finish (up to `drainTimeout`), then everything is released. */
  readonly dispose: () => Promise<void>
}

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

/** Whether a request path belongs to the SDK (so Express passes everything else on). */
export const ownsPath = (path: string): boolean =>
  exactPaths.has(path) || pathPrefixes.some((prefix) => path.startsWith(prefix))

/** Express middleware over a Node handler; paths the SDK does not serve go to `next`. */
export const toExpressMiddleware =
  (nodeHandler: NodeHandler): ExpressMiddleware =>
  (request, response, next) => {
    const path = (request.url ?? "/").split("?")[0] ?? "/"
    if (!ownsPath(path)) return next()
    if (request.readableEnded && request.method !== "GET" && request.method !== "HEAD") {
      return next(
        new Error(
          "The request body was already read by another middleware: mount the family-scrobble router before express.json() or other body parsers."
        )
      )
    }
    nodeHandler(request, response)
  }

/**
 * Build the surface over `services` (for example `FamilyScrobblePg.layer(…)`
 * with a Trakt client and randomness) and return it as a web handler, a Node
 * handler and Express middleware sharing one runtime.
 */
export const makeHandlers = async <E>(
  options: FamilyScrobbleHttpOptions,
  services: Layer.Layer<FamilyScrobbleServices, E>
): Promise<FamilyScrobbleHandlers> => {
  const runtime = ManagedRuntime.make(
    Layer.mergeAll(
      layer(options),
      HttpApiBuilder.Middleware.layer,
      NodeHttpServer.layerContext,
      Logger.minimumLogLevel(LogLevel.fromLiteral(options.logLevel ?? "Info"))
    ).pipe(Layer.provide(services))
  )
  const app = await runtime.runPromise(familyScrobbleApp)
  const rt = await runtime.runtime()
  const handler = HttpApp.toWebHandlerRuntime(rt)(app)
  const nodeHandler = await runtime.runPromise(NodeHttpServer.makeHandler(app))
  return {
    handler: (request) => handler(request),
    nodeHandler,
    router: toExpressMiddleware(nodeHandler),
    dispose: () => runtime.dispose()
  }
}
