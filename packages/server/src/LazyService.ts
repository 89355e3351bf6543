/**
 * What every Promise facade shares: the service starts once (on `start()` or
 * the first request), its handlers serve the web, Node and Express, and
 * `stop()` closes its scope (the handlers first, then what they run on).
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import type { ExpressMiddleware, Handlers, NodeHandler } from "@org/http"
import { Effect, Exit, Scope } from "effect"

export interface LazyServiceOptions<A> {
  /** Build the service in `scope`: its handlers, and what `start()` answers. */
  readonly boot: (
    scope: Scope.CloseableScope
  ) => Effect.Effect<{ readonly handlers: Handlers; readonly value: A }>
  /** The 503 body a Node request gets when the service could not start. */
  readonly unavailableBody: (message: string) => unknown
  readonly router: (nodeHandler: NodeHandler) => ExpressMiddleware
  /** Named in the error of a request to a stopped service. */
  readonly name: string
}

export interface LazyService<A> {
  readonly handler: (request: Request) => Promise<Response>
  readonly nodeHandler: NodeHandler
  readonly router: ExpressMiddleware
  readonly start: () => Promise<A>
  readonly stop: () => Promise<void>
}

export const lazyService = <A>(options: LazyServiceOptions<A>): LazyService<A> => {
  let started:
    | Promise<{ readonly handlers: Handlers; readonly scope: Scope.CloseableScope; readonly value: A }>
    | undefined

  const start = () => {
    started ??= Effect.runPromise(
      Effect.gen(function* () {
        const scope = yield* Scope.make()
        const { handlers, value } = yield* options.boot(scope)
        // Closing: the handlers first (work under way drains), then what they run on.
        yield* Scope.addFinalizer(
          scope,
          Effect.promise(() => handlers.dispose())
        )
        return { handlers, scope, value }
      })
    )
    return started.then(({ value }) => value)
  }

  const stop = async () => {
    if (started === undefined) return
    const { scope } = await started
    started = undefined
    await Effect.runPromise(Scope.close(scope, Exit.void))
  }

  const nodeHandler: NodeHandler = (request: IncomingMessage, response: ServerResponse) => {
    start()
      .then(() => started)
      .then((s) => s?.handlers.nodeHandler(request, response))
      .catch((error: unknown) => {
        response.statusCode = 503
        response.setHeader("content-type", "application/json")
        response.setHeader("retry-after", "5")
        response.end(JSON.stringify(options.unavailableBody(`The service could not start: ${String(error)}`)))
      })
  }

  return {
    handler: async (request) => {
      await start()
      const s = await started
      if (s === undefined) throw new Error(`${options.name} was stopped`)
      return s.handlers.handler(request)
    },
    nodeHandler,
    router: options.router(nodeHandler),
    start,
    stop
  }
}
