/**
 * What the declaration does not cover: the OpenAPI document (a valid 3.1
 * document listing every endpoint with its error statuses), the docs page, the
 * pages and their assets, and the headers every response carries.
 */
import { describe, expect, it } from "@effect/vitest"
import { afterAll, beforeAll } from "vitest"
import { expectError, expectSecurityHeaders, type InMemorySurface, inMemorySurface } from "./helpers.js"

let surface: InMemorySurface

beforeAll(async () => {
  surface = await inMemorySurface()
})
afterAll(async () => {
  await surface?.close()
})

type Json = Record<string, unknown>

/** Every endpoint of the API with the statuses it documents (beyond its success). */
const endpoints: ReadonlyArray<
  readonly [method: string, path: string, success: string, errors: ReadonlyArray<string>]
> = [
  ["post", "/api", "200", ["400", "404", "413", "415"]],
  ["post", "/oauth/family/state", "201", ["400", "403", "404", "409"]],
  ["get", "/oauth/family/{groupId}/status", "200", ["404"]],
  ["post", "/oauth/family/{groupId}/members/{memberId}/authorization", "201", ["404", "409"]],
  ["get", "/authorize/family/member", "200", ["400"]],
  ["post", "/api/telemetry", "202", ["400"]],
  ["get", "/admin/api/family-groups", "200", ["401", "403"]],
  ["post", "/admin/api/family-groups", "201", ["400", "401", "403", "409"]],
  ["post", "/admin/api/invites", "201", ["400", "401", "403"]],
  ["get", "/admin/api/invites", "200", ["401", "403"]],
  ["delete", "/admin/api/invites/{inviteId}", "204", ["401", "403", "404"]],
  ["get", "/admin/api/family-groups/{groupId}", "200", ["401", "403", "404"]],
  ["delete", "/admin/api/family-groups/{groupId}", "204", ["401", "403", "404"]],
  ["post", "/admin/api/family-groups/{groupId}/members", "201", ["400", "401", "403", "404", "409"]],
  [
    "post",
    "/admin/api/family-groups/{groupId}/members/{memberId}/authorization",
    "201",
    ["401", "403", "404"]
  ],
  ["delete", "/admin/api/family-groups/{groupId}/members/{memberId}", "200", ["401", "403", "404", "409"]],
  ["get", "/admin/api/family-groups/{groupId}/notifications", "200", ["401", "403", "404"]],
  [
    "post",
    "/admin/api/family-groups/{groupId}/notifications/{notificationId}/dismiss",
    "204",
    ["401", "403", "404"]
  ],
  ["get", "/healthz", "200", ["503"]]
]

/** Every `$ref` in `value`. */
const refsIn = (value: unknown): Array<string> => {
  if (Array.isArray(value)) return value.flatMap(refsIn)
  if (value === null || typeof value !== "object") return []
  return Object.entries(value).flatMap(([key, inner]) =>
    key === "$ref" && typeof inner === "string" ? [inner] : refsIn(inner)
  )
}

describe("/openapi.json", () => {
  it("is an OpenAPI 3.1 document of every endpoint with its error statuses", async () => {
    const response = await surface.request("/openapi.json")
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toMatch(/^application\/json/)
    expectSecurityHeaders(response)
    const doc = (await response.json()) as {
      openapi: string
      info: { title: string; version: string }
      paths: Record<string, Record<string, Json>>
      components: { schemas: Json; securitySchemes: Json }
    }
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/)
    expect(doc.info.title).toBe("Family scrobbling")
    expect(typeof doc.info.version).toBe("string")

    const listed = Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method} ${path}`)
    )
    expect(listed.sort()).toEqual(endpoints.map(([method, path]) => `${method} ${path}`).sort())

    const operationIds = new Set<string>()
    for (const [method, path, success, errors] of endpoints) {
      const operation = doc.paths[path]?.[method] as
        | { operationId: string; responses: Json; parameters?: ReadonlyArray<{ name: string; in: string }> }
        | undefined
      if (operation === undefined) throw new Error(`${method} ${path} is not documented`)
      expect(operationIds.has(operation.operationId)).toBe(false)
      operationIds.add(operation.operationId)
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining([success, ...errors]))
      // Every `{param}` of the path is declared as a path parameter.
      for (const [, name] of path.matchAll(/\{(\w+)\}/g)) {
        expect(operation.parameters ?? []).toContainEqual(expect.objectContaining({ name, in: "path" }))
      }
      for (const status of errors) {
        const content = (operation.responses[status] as { content?: Json } | undefined)?.content
        // The callback's refusals are pages (a malformed query is still a JSON decode error).
        if (path === "/authorize/family/member") expect(Object.keys(content ?? {})).toContain("text/html")
        else expect(Object.keys(content ?? {})).toEqual(["application/json"])
      }
    }

    // The admin endpoints are behind the bearer scheme, the others are not.
    expect(doc.components.securitySchemes).toEqual({ bearer: { type: "http", scheme: "bearer" } })
    for (const [method, path] of endpoints) {
      const security = (doc.paths[path]?.[method] as { security?: unknown } | undefined)?.security
      if (path.startsWith("/admin/")) expect(security).toEqual([{ bearer: [] }])
      else expect(security ?? []).toEqual([])
    }

    // Every reference resolves.
    for (const ref of new Set(refsIn(doc))) {
      expect(ref).toMatch(/^#\/components\/schemas\//)
      expect(Object.keys(doc.components.schemas)).toContain(ref.slice("#/components/schemas/".length))
    }
    // The webhook body is documented as Plex sends it, and as relays re-post it (both are taken).
    const webhookBody = (doc.paths["/api"]?.post as { requestBody?: { content: Json } } | undefined)
      ?.requestBody
    expect(Object.keys(webhookBody?.content ?? {}).sort()).toEqual([
      "application/json",
      "application/x-www-form-urlencoded",
      "multipart/form-data"
    ])
  })
})

describe("pages", () => {
  it("/docs is the API rendered as HTML", async () => {
    const response = await surface.request("/docs")
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toMatch(/^text\/html/)
    expectSecurityHeaders(response)
    const html = await response.text()
    expect(html).toMatch(/^<!doctype html>/i)
    expect(html).toContain("/oauth/family/state")
    expect(html).toContain("/admin/api/family-groups")
    // Rendered on the server: no inline script, which the CSP would block.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)(?![^>]*type="application\/json")[^>]*>/)
  })

  const pages: ReadonlyArray<readonly [path: string, contains: string]> = [
    ["/", 'id="choose-family"'],
    ["/family", 'data-mode="family"'],
    ["/individual", 'data-mode="individual"'],
    ["/admin", 'id="sign-in-view"']
  ]
  for (const [path, contains] of pages) {
    it(`${path} is an HTML page with the security headers`, async () => {
      const response = await surface.request(path)
      expect(response.status).toBe(200)
      expect(response.headers.get("content-type")).toMatch(/^text\/html/)
      expectSecurityHeaders(response)
      const html = await response.text()
      expect(html).toContain(contains)
      // Every script and stylesheet is same-origin, as `default-src 'self'` requires.
      for (const [, src] of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
        if (src?.startsWith("/assets/")) {
          const asset = await surface.request(src)
          expect({ src, status: asset.status }).toEqual({ src, status: 200 })
        }
      }
    })
  }

  const assets: ReadonlyArray<readonly [path: string, contentType: RegExp]> = [
    ["/assets/app.css", /^text\/css/],
    ["/assets/wizard.js", /^text\/javascript/],
    ["/assets/admin.js", /^text\/javascript/],
    ["/assets/authorized.js", /^text\/javascript/],
    ["/assets/favicon.svg", /^image\/svg\+xml/]
  ]
  for (const [path, contentType] of assets) {
    it(`${path} is served as ${contentType.source.slice(1)}`, async () => {
      const response = await surface.request(path)
      expect(response.status).toBe(200)
      expect(response.headers.get("content-type")).toMatch(contentType)
      expectSecurityHeaders(response)
      expect((await response.text()).length).toBeGreaterThan(0)
    })
  }

  it("the setup pages follow the onboarding mode: a code field for invite, no form for admin", async () => {
    expect(await (await surface.request("/family")).text()).not.toContain('id="invite-code"')
    const invite = await inMemorySurface({}, { settings: { onboarding: "invite" } })
    const admin = await inMemorySurface({}, { settings: { onboarding: "admin" } })
    try {
      for (const path of ["/family", "/individual"]) {
        const withCode = await (await invite.request(`${path}?invite=abc`)).text()
        expect(withCode).toContain('id="invite-code"')
        expect(withCode).toContain('id="group-form"')
        const closed = await (await admin.request(path)).text()
        expect(closed).toContain('data-testid="onboarding-closed"')
        expect(closed).not.toContain('id="group-form"')
        expect(closed).toContain("set up by its admin")
      }
    } finally {
      await invite.close()
      await admin.close()
    }
  })

  it("an unknown asset is a 404 with the headers", async () => {
    const response = await surface.request("/assets/nope.js")
    expectSecurityHeaders(response)
    await expectError(response, 404, "RouteNotFound", /GET \/assets\/nope\.js/)
  })
})
