/**
 * A route served ahead of the API's router answers exactly as the API answers
 * the same endpoint with the same handler: the success and every declared
 * error with their schemas and statuses, an undeclared failure as a 500; the
 * query does not matter; another method on the path, or another path, goes
 * to the API.
 */
import {
  HttpApi,
  HttpApiBuilder,
  HttpApiEndpoint,
  HttpApiGroup,
  HttpApiSchema,
  HttpServerRequest
} from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { afterAll, beforeAll } from "vitest"
import { BadRequest, directRoute, type Handlers, makeHandlers, withDirectRoutes } from "../src/index.js"

class Teapot extends Schema.TaggedError<Teapot>()(
  "Teapot",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 418 })
) {}

/** An error whose wire form drops its tag, as the platform API's errors do. */
class Taken extends Schema.TaggedError<Taken>()("Taken", { error: Schema.Struct({ code: Schema.String }) }) {
  static readonly schema = Schema.transform(
    Schema.Struct({ error: Schema.Struct({ code: Schema.String }) }),
    Taken,
    {
      strict: false,
      decode: ({ error }) => ({ _tag: "Taken" as const, error }),
      encode: (taken) => ({ error: taken.error })
    }
  ).annotations(HttpApiSchema.annotations({ status: 409 }))
}

class Undeclared extends Schema.TaggedError<Undeclared>()("Undeclared", { message: Schema.String }) {}

const Hook = HttpApiEndpoint.post("hook", "/hook")
  .addSuccess(Schema.Struct({ ok: Schema.Literal(true), at: Schema.DateFromNumber }))
  .addError(Teapot)
  .addError(Taken.schema)
  .addError(BadRequest)

const Api = HttpApi.make("direct")
  .add(
    HttpApiGroup.make("hooks")
      .add(Hook)
      .add(HttpApiEndpoint.get("peek", "/hook").addSuccess(Schema.Struct({ peeked: Schema.Boolean })))
  )
  .prefix("/api")

/** What the request's `x-outcome` header asks for. */
const hook = Effect.gen(function* () {
  const request = yield* HttpServerRequest.HttpServerRequest
  switch (request.headers["x-outcome"]) {
    case "teapot":
      return yield* new Teapot({ message: "short and stout" })
    case "taken":
      return yield* new Taken({ error: { code: "taken" } })
    case "bad":
      return yield* new BadRequest({ message: "no" })
    case "undeclared":
      return yield* Effect.fail(new Undeclared({ message: "not declared" }) as unknown as Teapot)
    default:
      return { ok: true as const, at: new Date(1_700_000_000_000) }
  }
})

const layer = Layer.merge(
  HttpApiBuilder.api(Api).pipe(
    Layer.provide(
      HttpApiBuilder.group(Api, "hooks", (handlers) =>
        handlers.handle("hook", () => hook).handle("peek", () => Effect.succeed({ peeked: true }))
      )
    )
  ),
  HttpApiBuilder.Middleware.layer
).pipe(Layer.provideMerge(HttpApiBuilder.Router.Live))

const owns = (path: string) => path.startsWith("/api/")

const answerOf = async (response: Response) => ({
  status: response.status,
  contentType: response.headers.get("content-type"),
  body: await response.text()
})

describe("a route served ahead of the API's router", () => {
  let viaApi: Handlers
  let direct: Handlers
  let hits = 0
  beforeAll(async () => {
    viaApi = await makeHandlers(HttpApiBuilder.httpApp, layer, { owns })
    const counted = Effect.zipRight(
      Effect.sync(() => hits++),
      hook
    )
    direct = await makeHandlers(
      Effect.map(HttpApiBuilder.httpApp, withDirectRoutes([directRoute(Api, Hook, counted)])),
      layer,
      { owns }
    )
  })
  afterAll(async () => {
    await viaApi?.dispose()
    await direct?.dispose()
  })

  const send = (handlers: Handlers, outcome: string, path = "/api/hook", method = "POST") =>
    handlers.handler(new Request(`http://direct.test${path}`, { method, headers: { "x-outcome": outcome } }))

  it("answers each outcome as the API does", async () => {
    const expected = {
      ok: 200,
      teapot: 418,
      taken: 409,
      bad: 400,
      undeclared: 500
    }
    for (const [outcome, status] of Object.entries(expected)) {
      const before = hits
      const fromApi = await answerOf(await send(viaApi, outcome))
      const fromRoute = await answerOf(await send(direct, outcome))
      expect(hits, outcome).toBe(before + 1)
      expect(fromRoute, outcome).toEqual(fromApi)
      expect(fromRoute.status, outcome).toBe(status)
    }
    const ok = await (await send(direct, "ok")).json()
    expect(ok).toEqual({ ok: true, at: 1_700_000_000_000 })
    const taken = await (await send(direct, "taken")).json()
    expect(taken).toEqual({ error: { code: "taken" } })
  })

  it("takes the route with a query, and leaves other methods and paths to the API", async () => {
    const before = hits
    expect((await send(direct, "ok", "/api/hook?attempt=2")).status).toBe(200)
    expect(hits).toBe(before + 1)
    const peek = await send(direct, "ok", "/api/hook", "GET")
    expect(peek.status).toBe(200)
    expect(await peek.json()).toEqual({ peeked: true })
    expect((await send(direct, "ok", "/api/hook/", "POST")).status).toBe(
      (await send(viaApi, "ok", "/api/hook/", "POST")).status
    )
    expect(hits).toBe(before + 1)
  })

  it("refuses an endpoint the API does not hold", () => {
    const Stray = HttpApiEndpoint.post("stray", "/stray").addSuccess(Schema.Struct({ ok: Schema.Boolean }))
    expect(() => directRoute(Api, Stray, Effect.succeed({ ok: true }))).toThrow(/not an endpoint of the API/)
  })
})
