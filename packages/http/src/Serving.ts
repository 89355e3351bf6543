/**
 * Serving an API three ways from one `HttpApp`: Node's HTTP server (`serveNode`),
 * and, sharing one runtime, a web-standard `(Request) => Promise<Response>`
 * handler, a Node `(req, res)` handler and Express middleware (`makeHandlers`).
 * Every domain's API is served through these; a domain brings its app, its
 * layer and the paths it owns.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { HttpApp, HttpMiddleware, type HttpRouter, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer, Logger, LogLevel, ManagedRuntime, Runtime, type Tracer } from "effect"
import { urlPath } from "./UrlPath.js"

/** A Node request handler: `http.createServer(handler)` or Express. */
export type NodeHandler = (request: IncomingMessage, response: ServerResponse) => void

/** Express-compatible middleware: handles the API's paths, passes the rest to `next`. */
export type ExpressMiddleware = (
  request: IncomingMessage & { readonly body?: unknown },
  response: ServerResponse,
  next: (error?: unknown) => void
) => void

/**
 * The app an API serves, built over the services of its layer (`R`); each
 * request may use `AppR` of them too, from the context it is served in.
 */
export type ServedApp<R, AppR = never> = Effect.Effect<
  HttpApp.Default<never, HttpRouter.HttpRouter.DefaultServices | AppR>,
  never,
  R
>

/** Effect's own tracer, in place while no other is installed: it exports nothing. */
const builtInTracer: Tracer.Tracer = Effect.runSync(Effect.tracer)

/**
 * Whether requests get spans: only under a tracer that exports them (an
 * OpenTelemetry layer, say). Under the built-in one a span per request is
 * made, filled with the request's headers and dropped, for nothing.
 */
const requestSpansWanted = Effect.map(Effect.tracer, (tracer) => tracer !== builtInTracer)
const noSpans = () => true

export interface Handlers {
  /** Web-standard: `(Request) => Promise<Response>` (Deno, Bun, Hono, workers, tests). */
  readonly handler: (request: Request) => Promise<Response>
  /** Node's `(req, res)`: for `http.createServer`. */
  readonly nodeHandler: NodeHandler
  /** Mount with `app.use(router)` in Express 4 or 5, before any body parser. */
  readonly router: ExpressMiddleware
  /** Stop: the layer's finalizers run (a domain drains its work there), then everything is released. */
  readonly dispose: () => Promise<void>
}

export interface ExpressMountOptions {
  /** Whether a path belongs to the API; Express passes every other path on. */
  readonly owns: (path: string) => boolean
  /** How the API is named in the message for a body already read by a parser. */
  readonly name?: string | undefined
}

/** Express middleware over a Node handler; paths the API does not own go to `next`. */
export const expressMiddleware =
  (nodeHandler: NodeHandler, options: ExpressMountOptions): ExpressMiddleware =>
  (request, response, next) => {
    const path = urlPath(request.url ?? "/")
    if (!options.owns(path)) return next()
    if (request.readableEnded && request.method !== "GET" && request.method !== "HEAD") {
      return next(
        new Error(
          `The request body was already read by another middleware: mount the ${options.name ?? "SDK"} router before express.json() or other body parsers.`
        )
      )
    }
    nodeHandler(request, response)
  }

/**
 * Serve `app` on Node's HTTP server at `port` (0: any free port) and `host`
 * (default all interfaces), over `layer`. Stops with its scope.
 */
export const serveNode = <R, E, RIn, AppR extends R = never>(
  app: ServedApp<R, AppR>,
  layer: Layer.Layer<R, E, RIn>,
  options: { readonly port: number; readonly host?: string | undefined }
): Layer.Layer<HttpServer.HttpServer, unknown, Exclude<RIn, HttpServer.HttpServer>> =>
  Layer.unwrapEffect(
    Effect.zipWith(app, requestSpansWanted, (served, spans) =>
      spans
        ? HttpServer.serve(served)
        : HttpMiddleware.withTracerDisabledWhen(HttpServer.serve(served), noSpans)
    )
  ).pipe(
    Layer.provide(layer),
    HttpServer.withLogAddress,
    Layer.provideMerge(
      NodeHttpServer.layer(createServer, {
        port: options.port,
        ...(options.host === undefined ? {} : { host: options.host })
      })
    )
  ) as Layer.Layer<HttpServer.HttpServer, unknown, Exclude<RIn, HttpServer.HttpServer>>

/**
 * Build `layer` once and return `app` as a web handler, a Node handler and
 * Express middleware sharing one runtime; `dispose` releases it.
 */
export const makeHandlers = async <R, E, AppR extends R = never>(
  app: ServedApp<R, AppR>,
  layer: Layer.Layer<R, E>,
  options: ExpressMountOptions & { readonly logLevel?: LogLevel.Literal | undefined }
): Promise<Handlers> => {
  const runtime = ManagedRuntime.make(
    Layer.mergeAll(
      layer,
      NodeHttpServer.layerContext,
      Logger.minimumLogLevel(LogLevel.fromLiteral(options.logLevel ?? "Info"))
    )
  )
  const served = await runtime.runPromise(app)
  const spans = await runtime.runPromise(requestSpansWanted)
  const built = await runtime.runtime()
  const rt = spans ? built : Runtime.setFiberRef(built, HttpMiddleware.currentTracerDisabledWhen, noSpans)
  const handler = HttpApp.toWebHandlerRuntime(rt)(served)
  const nodeHandler = await runtime.runPromise(
    spans
      ? NodeHttpServer.makeHandler(served)
      : Effect.locally(NodeHttpServer.makeHandler(served), HttpMiddleware.currentTracerDisabledWhen, noSpans)
  )
  return {
    handler: (request) => handler(request),
    nodeHandler,
    router: expressMiddleware(nodeHandler, options),
    dispose: () => runtime.dispose()
  }
}
