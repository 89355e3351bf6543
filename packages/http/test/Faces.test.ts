/**
 * The three faces of one surface: the Node server layer (`FamilyScrobbleHttp.serve`),
 * the Node handler and Express 5 middleware (`makeHandlers`), each over real
 * HTTP on loopback; the web handler is what the other suites use.
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { HttpServer } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { FamilyScrobbleTest, TestTrakt } from "@org/family-scrobble/testing"
import { encodeMultipartWebhook, samplePayloads } from "@org/plex/testing"
import { Effect, Layer } from "effect"
import express, { type NextFunction, type Request, type Response } from "express"
import { afterAll, beforeAll } from "vitest"
import { FamilyScrobbleHttp } from "../src/family-scrobble/index.js"
import {
  createGroup,
  expectError,
  expectSecurityHeaders,
  freshPlexUser,
  type InMemorySurface,
  inMemorySurface,
  PUBLIC_URL,
  postJson,
  postWebhook,
  stateOf,
  waitFor
} from "./helpers.js"

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}
const close = (server: Server | undefined) =>
  new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())))

/** `surface.request` over real HTTP at `base`. */
const over = (base: string) => ({
  request: (path: string, init?: RequestInit) => fetch(`${base}${path}`, init)
})

describe("FamilyScrobbleHttp.serve: the Node server layer", () => {
  it.live("answers over HTTP at the address it reports, with the headers on every response", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.HttpServer
      const address = server.address
      if (address._tag !== "TcpAddress") throw new Error("a TCP address expected")
      expect(address.port).toBeGreaterThan(0)
      const http = over(`http://127.0.0.1:${address.port}`)
      const trakt = yield* TestTrakt

      yield* Effect.promise(async () => {
        const health = await http.request("/healthz")
        expect(health.status).toBe(200)
        expectSecurityHeaders(health)
        expect(await health.json()).toEqual({ status: "ok", inbox: 0 })

        const group = await createGroup(http, freshPlexUser(), ["Mum"])
        expect(group.webhookUrl).toBe(`${PUBLIC_URL}/api?id=${group.groupId}`)
        const page = await http.request(
          `/authorize/family/member?code=${trakt.codeFor("serve-mum")}&state=${stateOf(group.members[0]?.authorizeUrl ?? "")}`
        )
        expect(page.status).toBe(200)
        expectSecurityHeaders(page)

        const landing = await http.request("/")
        expect(landing.headers.get("content-type")).toMatch(/^text\/html/)
        expectSecurityHeaders(landing)

        const unauthorized = await http.request("/admin/api/family-groups")
        expect(unauthorized.headers.get("www-authenticate")).toMatch(/^Bearer\b/)
        expectSecurityHeaders(unauthorized)
        await expectError(unauthorized, 401, "Unauthorized", /Bearer/)

        const notJson = await http.request("/oauth/family/state", postJson("{"))
        expectSecurityHeaders(notJson)
        await expectError(notJson, 400, "BadRequest", /not valid JSON/)

        const unknown = await http.request("/nowhere")
        expectSecurityHeaders(unknown)
        await expectError(unknown, 404, "RouteNotFound", /GET \/nowhere/)
      })
    }).pipe(
      Effect.provide(
        FamilyScrobbleHttp.serve({
          port: 0,
          host: "127.0.0.1",
          publicUrl: PUBLIC_URL,
          adminToken: "t0ken"
        }).pipe(Layer.provideMerge(FamilyScrobbleTest({ settings: { minPostInterval: 0 } })))
      )
    )
  )
})

describe("makeHandlers: Node handler and Express", () => {
  let surface: InMemorySurface
  let plain: Server | undefined
  let mounted: Server | undefined
  /** The base URL of the Express app with the router mounted first. */
  let mountedUrl = ""
  let afterParser: Server | undefined
  const errorsSeen: Array<unknown> = []

  beforeAll(async () => {
    surface = await inMemorySurface()
  })
  afterAll(async () => {
    await Promise.all([close(plain), close(mounted), close(afterParser)])
    await surface?.close()
  })

  it("the Node handler serves http.createServer", async () => {
    plain = createServer(surface.nodeHandler)
    const http = over(await listen(plain))
    const group = await createGroup(http, freshPlexUser(), ["Mum", "Dad"])
    const status = await http.request(`/oauth/family/${group.groupId}/status`)
    expect(status.status).toBe(200)
    expectSecurityHeaders(status)
    expect(((await status.json()) as { members: ReadonlyArray<unknown> }).members).toHaveLength(2)
  })

  it("Express: the SDK's paths are served, the app's own routes still work", async () => {
    const app = express()
    app.use(surface.router)
    app.get("/hello", (_request, response) => {
      response.type("text/plain").send("hello from the app")
    })
    app.use(express.json())
    app.post("/echo", (request, response) => {
      response.json({ echoed: request.body as unknown })
    })
    mounted = createServer(app)
    mountedUrl = await listen(mounted)
    const http = over(mountedUrl)

    const hello = await http.request("/hello")
    expect(hello.status).toBe(200)
    expect(await hello.text()).toBe("hello from the app")
    // The app's JSON routes mounted after the router get their body.
    const echo = await http.request("/echo", postJson({ a: 1 }))
    expect(await echo.json()).toEqual({ echoed: { a: 1 } })
    // Paths the SDK does not own reach Express's own 404.
    const missing = await http.request("/not-the-sdk")
    expect(missing.status).toBe(404)
    expect(await missing.text()).toContain("Cannot GET /not-the-sdk")

    const health = await http.request("/healthz")
    expect(health.status).toBe(200)
    expectSecurityHeaders(health)
    const docs = await http.request("/docs")
    expect(docs.headers.get("content-type")).toMatch(/^text\/html/)
  })

  it("Express: a Plex webhook (multipart) through the router is accepted and broadcast", async () => {
    if (mountedUrl === "") throw new Error("the Express app of the previous test is needed")
    const http = over(mountedUrl)
    const plexUser = samplePayloads.moviePlayNewAgent.Account?.title ?? "LivingRoom"
    const group = await createGroup(http, plexUser, ["Mum"])
    const username = `express-mum-${process.pid}`
    const page = await http.request(
      `/authorize/family/member?code=${surface.trakt.codeFor(username)}&state=${stateOf(group.members[0]?.authorizeUrl ?? "")}`
    )
    expect(page.status).toBe(200)

    const webhook = encodeMultipartWebhook(samplePayloads.moviePlayNewAgent, { thumb: new Uint8Array(2048) })
    const response = await http.request(`/api?id=${group.groupId}`, postWebhook(webhook))
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ status: "accepted" })
    await waitFor(
      "the member to get the scrobble",
      async () => (await Effect.runPromise(surface.trakt.scrobbles(username))).length === 1
    )
    expect((await Effect.runPromise(surface.trakt.scrobbles(username)))[0]).toMatchObject({
      action: "start",
      title: "Heat (1995)"
    })
  })

  it("Express: mounted after express.json(), a JSON POST is passed to next(error) saying to mount it first", async () => {
    const app = express()
    app.use(express.json())
    app.use(surface.router)
    app.use((error: unknown, _request: Request, response: Response, _next: NextFunction) => {
      errorsSeen.push(error)
      response.status(500).json({ error: error instanceof Error ? error.message : String(error) })
    })
    afterParser = createServer(app)
    const http = over(await listen(afterParser))
    const plexUsername = freshPlexUser("after-json")

    const response = await http.request("/oauth/family/state", postJson({ plexUsername, labels: ["Mum"] }))
    expect(response.status).toBe(500)
    expect(errorsSeen).toHaveLength(1)
    expect(errorsSeen[0]).toBeInstanceOf(Error)
    expect((errorsSeen[0] as Error).message).toMatch(
      /already read by another middleware: mount the family-scrobble router before express\.json\(\)/
    )
    // Nothing was created: the same request through the well-mounted router succeeds.
    await createGroup(over(mountedUrl), plexUsername, ["Mum"])

    // Requests whose body the parser left alone still work: pages, and the multipart webhook.
    expect((await http.request("/healthz")).status).toBe(200)
    const ignored = await http.request(
      "/api?id=00000000-0000-4000-8000-000000000000",
      postWebhook(encodeMultipartWebhook(samplePayloads.moviePlayNewAgent))
    )
    expect(ignored.status).toBe(404)
    expect(errorsSeen).toHaveLength(1)
  })
})
