/**
 * The serving kit on an API of its own (the README's): every answer carries the
 * security headers, unknown routes and unreadable bodies get JSON errors, errors
 * answer with the status they carry, bearer checks are closed without a token,
 * and bodies over the limit are refused while read.
 */
import { createServer } from "node:http"
import {
  HttpApi,
  HttpApiBuilder,
  HttpApiEndpoint,
  HttpApiGroup,
  HttpServer,
  HttpServerRequest
} from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Exit, Layer, Option, Redacted, Schema, Scope, Tracer } from "effect"
import { afterAll, beforeAll } from "vitest"
import {
  BadRequest,
  checkBearer,
  Forbidden,
  type Handlers,
  makeBodyGuard,
  makeHandlers,
  makeSecurityHeaders,
  PayloadTooLarge,
  readBodyWithin,
  serveNode,
  Unauthorized
} from "../src/index.js"

const Api = HttpApi.make("hello").add(
  HttpApiGroup.make("greetings")
    .add(
      HttpApiEndpoint.get("greet", "/hello/:name")
        .setPath(Schema.Struct({ name: Schema.String }))
        .addSuccess(Schema.Struct({ greeting: Schema.String }))
    )
    .add(
      HttpApiEndpoint.post("echo", "/hello/echo")
        .addSuccess(Schema.Struct({ bytes: Schema.Int }))
        .addError(PayloadTooLarge)
        .addError(BadRequest)
    )
    .add(
      HttpApiEndpoint.get("secret", "/hello/secret")
        .addSuccess(Schema.Struct({ ok: Schema.Boolean }))
        .addError(Unauthorized)
        .addError(Forbidden)
    )
)

const tokenOf = Effect.map(HttpServerRequest.HttpServerRequest, (request) =>
  Redacted.make((request.headers.authorization ?? "").replace(/^Bearer /, ""))
)

const layerFor = (expected: Option.Option<Redacted.Redacted<string>>) => {
  const GreetingsLive = HttpApiBuilder.group(Api, "greetings", (handlers) =>
    handlers
      .handle("greet", ({ path }) => Effect.succeed({ greeting: `Hello, ${path.name}` }))
      .handle("echo", () =>
        Effect.map(readBodyWithin(16, "greeting"), ({ body }) => ({ bytes: body.length }))
      )
      .handle("secret", () =>
        Effect.flatMap(tokenOf, (presented) =>
          checkBearer(expected, presented, { closed: "closed here", rejected: "send the token" })
        ).pipe(Effect.as({ ok: true }))
      )
  )
  return Layer.merge(
    HttpApiBuilder.api(Api).pipe(Layer.provide(GreetingsLive)),
    HttpApiBuilder.Middleware.layer
  ).pipe(Layer.provideMerge(HttpApiBuilder.Router.Live))
}

const headers = makeSecurityHeaders({ bearerRealm: "hello", noStore: (path) => path === "/hello/secret" })
const app = Effect.map(HttpApiBuilder.httpApp, (served) => headers(served))

const expectHeaders = (response: Response) => {
  expect(response.headers.get("content-security-policy")).toContain("default-src 'self'")
  expect(response.headers.get("x-content-type-options")).toBe("nosniff")
  expect(response.headers.get("referrer-policy")).toBe("no-referrer")
  expect(response.headers.get("x-frame-options")).toBe("DENY")
}

describe("the serving kit", () => {
  let open: Handlers
  let closed: Handlers
  const url = (path: string) => `http://kit.test${path}`

  beforeAll(async () => {
    open = await makeHandlers(app, layerFor(Option.some(Redacted.make("s3cret-token"))), {
      owns: (path) => path.startsWith("/hello/")
    })
    closed = await makeHandlers(app, layerFor(Option.none()), { owns: (path) => path.startsWith("/hello/") })
  })
  afterAll(async () => {
    await open?.dispose()
    await closed?.dispose()
  })

  it("answers an API's endpoints with the security headers", async () => {
    const response = await open.handler(new Request(url("/hello/ada")))
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ greeting: "Hello, ada" })
    expectHeaders(response)
    expect(response.headers.get("cache-control")).toBeNull()
  })

  it("answers an unknown route with a JSON 404 that carries the headers too", async () => {
    const response = await open.handler(new Request(url("/nothing/here")))
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({ _tag: "RouteNotFound" })
    expectHeaders(response)
  })

  it("refuses a body over the limit with a 413 naming it, and reads one within", async () => {
    const small = await open.handler(new Request(url("/hello/echo"), { method: "POST", body: "0123456789" }))
    expect(await small.json()).toEqual({ bytes: 10 })
    const big = await open.handler(new Request(url("/hello/echo"), { method: "POST", body: "x".repeat(17) }))
    expect(big.status).toBe(413)
    expect(await big.json()).toMatchObject({
      _tag: "PayloadTooLarge",
      limit: 16,
      message: "The greeting is larger than 16 bytes."
    })
  })

  it("checks bearer tokens: 401 with WWW-Authenticate when wrong, 403 when none is configured", async () => {
    const right = await open.handler(
      new Request(url("/hello/secret"), { headers: { authorization: "Bearer s3cret-token" } })
    )
    expect(right.status).toBe(200)
    expect(right.headers.get("cache-control")).toBe("no-store")
    for (const sent of ["", "Bearer s3cret-tokeN", "Bearer s3cret-token-and-more"]) {
      const wrong = await open.handler(
        new Request(url("/hello/secret"), { headers: sent === "" ? {} : { authorization: sent } })
      )
      expect(wrong.status).toBe(401)
      expect(wrong.headers.get("www-authenticate")).toBe('Bearer realm="hello"')
      expect(await wrong.json()).toEqual({ _tag: "Unauthorized", message: "send the token" })
    }
    const shut = await closed.handler(
      new Request(url("/hello/secret"), { headers: { authorization: "Bearer s3cret-token" } })
    )
    expect(shut.status).toBe(403)
    expect(await shut.json()).toEqual({ _tag: "Forbidden", message: "closed here" })
  })

  it("the Express bridge passes the paths the API does not own to next()", async () => {
    let passed = false
    const request = { url: "/elsewhere", method: "GET" } as Parameters<Handlers["router"]>[0]
    open.router(request, {} as Parameters<Handlers["router"]>[1], () => {
      passed = true
    })
    expect(passed).toBe(true)
  })
})

/** A tracer that records the spans it is asked for, as an exporter would receive them. */
const recordingTracer = () => {
  const spans: Array<{ name: string; kind: Tracer.SpanKind; attributes: Map<string, unknown> }> = []
  let next = 0
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind) => {
      const attributes = new Map<string, unknown>()
      spans.push({ name, kind, attributes })
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId: `span${++next}`,
        traceId: "trace",
        parent,
        context,
        status: { _tag: "Started", startTime },
        attributes,
        links: [...links],
        sampled: true,
        kind,
        end: () => undefined,
        attribute: (key, value) => {
          attributes.set(key, value)
        },
        event: () => undefined,
        addLinks: () => undefined
      }
      return span
    },
    context: (f) => f()
  })
  return { spans, tracer }
}

describe("request spans", () => {
  const served = (spans: ReturnType<typeof recordingTracer>["spans"]) =>
    spans.filter((span) => span.kind === "server").map((span) => span.attributes.get("url.path"))

  it("a request gets a server span when a tracer is installed (web and Node handlers)", async () => {
    const { spans, tracer } = recordingTracer()
    const handlers = await makeHandlers(app, Layer.merge(layerFor(Option.none()), Layer.setTracer(tracer)), {
      owns: (path) => path.startsWith("/hello/")
    })
    try {
      const response = await handlers.handler(new Request("http://kit.test/hello/ada"))
      expect(response.status).toBe(200)
      expect(served(spans)).toEqual(["/hello/ada"])
      const server = createServer(handlers.nodeHandler)
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
      const address = server.address() as { port: number }
      const viaNode = await fetch(`http://127.0.0.1:${address.port}/hello/grace`)
      expect(viaNode.status).toBe(200)
      await new Promise((resolve) => server.close(resolve))
      expect(served(spans)).toEqual(["/hello/ada", "/hello/grace"])
    } finally {
      await handlers.dispose()
    }
  })

  it("Node's server makes request spans under an installed tracer, and serves without one", async () => {
    const { spans, tracer } = recordingTracer()
    const serveWith = async (tracing: boolean) => {
      const scope = Effect.runSync(Scope.make())
      const served = serveNode(app, layerFor(Option.none()), { port: 0, host: "127.0.0.1" })
      const context = await Effect.runPromise(
        Layer.buildWithScope(tracing ? served.pipe(Layer.provide(Layer.setTracer(tracer))) : served, scope)
      )
      const address = Context.get(context, HttpServer.HttpServer).address
      if (address._tag !== "TcpAddress") throw new Error("no TCP address")
      const response = await fetch(`http://127.0.0.1:${address.port}/hello/${tracing ? "traced" : "plain"}`)
      expect(response.status).toBe(200)
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
    await serveWith(true)
    await serveWith(false)
    expect(served(spans)).toEqual(["/hello/traced"])
  })
})

describe("a handler's own body limit behind the body guard", () => {
  it("holds on the guard's copy of the body, read once", async () => {
    const guard = makeBodyGuard({ maxBytes: 1024 })
    const guarded = Effect.map(HttpApiBuilder.httpApp, (served) => headers(guard(served)))
    const handlers = await makeHandlers(guarded, layerFor(Option.none()), {
      owns: (path) => path.startsWith("/hello/")
    })
    const server = createServer(handlers.nodeHandler)
    try {
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
      const { port } = server.address() as { port: number }
      const echo = (body: string) =>
        fetch(`http://127.0.0.1:${port}/hello/echo`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body
        })
      const small = await echo(JSON.stringify({ a: 1234 }))
      expect(small.status).toBe(200)
      expect(await small.json()).toEqual({ bytes: 10 })
      // Within the guard's 1,024 bytes, over the handler's 16, sent chunked (no declared length).
      const large = await fetch(`http://127.0.0.1:${port}/hello/echo`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: new Blob([JSON.stringify({ text: "x".repeat(40) })]).stream(),
        duplex: "half"
      } as RequestInit)
      expect(large.status).toBe(413)
      expect(await large.json()).toMatchObject({ _tag: "PayloadTooLarge", limit: 16 })
    } finally {
      await new Promise((resolve) => server.close(resolve))
      await handlers.dispose()
    }
  })
})
