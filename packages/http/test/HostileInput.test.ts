/**
 * Hostile bodies on the public endpoints, answered with a 4xx that says why and
 * nothing written: a body far over the limit is refused while it is read (over a
 * real socket, chunked, with no length declared), text Postgres cannot store (a
 * NUL, a lone surrogate) and deep nesting are 400s, in onboarding bodies and in
 * webhooks alike.
 */
import { createServer, request as httpRequest, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { encodeJsonWebhook, samplePayloads } from "@org/plex/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  ADMIN_TOKEN,
  createGroup,
  expectError,
  expectSecurityHeaders,
  freshPlexUser,
  type InMemorySurface,
  inMemorySurface,
  postJson,
  postWebhook
} from "./helpers.js"

let surface: InMemorySurface
let server: Server
let port: number

beforeAll(async () => {
  surface = await inMemorySurface()
  server = createServer(surface.nodeHandler)
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  port = (server.address() as AddressInfo).port
})
afterAll(async () => {
  server?.closeAllConnections()
  await new Promise<void>((resolve) => server?.close(() => resolve()))
  await surface?.close()
})

const groupNames = async () => {
  const response = await surface.request("/admin/api/family-groups", {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` }
  })
  const body = (await response.json()) as { groups: ReadonlyArray<{ plexUsername: string }> }
  return body.groups.map((g) => g.plexUsername)
}

/**
 * POST `total` bytes to `path` over a socket, chunked (no Content-Length), and
 * stop writing as soon as the server answers; resolves with the status and how
 * much was written by then.
 */
const streamBody = (path: string, total: number, contentType = "application/json") =>
  new Promise<{ readonly status: number; readonly body: string; readonly written: number }>(
    (resolve, reject) => {
      const chunk = Buffer.alloc(64 * 1024, "a")
      let written = 0
      let answered = false
      const req = httpRequest({
        host: "127.0.0.1",
        port,
        path,
        method: "POST",
        headers: { "content-type": contentType, "transfer-encoding": "chunked" }
      })
      req.on("response", (response) => {
        answered = true
        let body = ""
        response.on("data", (data: Buffer) => {
          body += data.toString()
        })
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body, written }))
      })
      req.on("error", (error) => {
        if (!answered) reject(error)
      })
      const pump = () => {
        while (!answered && written < total) {
          written += chunk.length
          if (!req.write(chunk)) return req.once("drain", pump)
        }
        if (!answered) req.end()
      }
      pump()
    }
  )

describe("body limits on the JSON endpoints", () => {
  for (const path of ["/api/telemetry", "/oauth/family/state"]) {
    it(`${path}: a 100 MB chunked body is refused with 413 long before it is read in full`, async () => {
      const result = await streamBody(path, 100 * 1024 * 1024)
      expect(result.status).toBe(413)
      expect(JSON.parse(result.body)).toMatchObject({ _tag: "PayloadTooLarge", limit: 64 * 1024 })
      expect(result.written).toBeLessThan(40 * 1024 * 1024)
    }, 60_000)
  }

  it("a webhook streamed past its own limit (maxWebhookBytes) gets its 413 too, not a reset connection", async () => {
    const group = await createGroup(surface, freshPlexUser(), ["Mum"])
    const result = await streamBody(
      `/api?id=${group.groupId}`,
      100 * 1024 * 1024,
      "multipart/form-data; boundary=x"
    )
    expect(result.status).toBe(413)
    expect(JSON.parse(result.body)).toMatchObject({
      _tag: "PayloadTooLarge",
      message: `The webhook body is larger than ${10 * 1024 * 1024} bytes.`
    })
    expect(result.written).toBeLessThan(40 * 1024 * 1024)
    expect(await surface.inboxSize()).toBe(0)
  }, 60_000)

  it("a declared length over the limit is refused before reading, with the security headers", async () => {
    const response = await surface.request(
      "/oauth/family/state",
      postJson({ plexUsername: freshPlexUser(), labels: ["x".repeat(70 * 1024)] })
    )
    expectSecurityHeaders(response)
    await expectError(response, 413, "PayloadTooLarge", /larger than 65536 bytes/)
  })

  it("the limit is the server's to set (maxJsonBytes)", async () => {
    const small = await inMemorySurface({ maxJsonBytes: 100 })
    try {
      const ok = await small.request("/oauth/family/state", postJson({ plexUsername: "p", labels: ["a"] }))
      expect(ok.status).toBe(201)
      const refused = await small.request(
        "/oauth/family/state",
        postJson({ plexUsername: "q", labels: ["a".repeat(100)] })
      )
      await expectError(refused, 413, "PayloadTooLarge", /larger than 100 bytes/)
    } finally {
      await small.close()
    }
  })
})

describe("text the database cannot store, and deep nesting", () => {
  it("a NUL in a label is a 400 that names where, and no group is created", async () => {
    const plexUsername = freshPlexUser()
    const response = await surface.request(
      "/oauth/family/state",
      postJson({ plexUsername, labels: ["Mum", "Da\u0000d"] })
    )
    await expectError(response, 400, "BadRequest", /\$\.labels\[1\] holds a NUL character/)
    expect(await groupNames()).not.toContain(plexUsername)
  })

  it("a lone surrogate is a 400 too, in a value or in a key", async () => {
    const plexUsername = `${freshPlexUser()}\ud800`
    const inValue = await surface.request("/oauth/family/state", postJson({ plexUsername, labels: ["Mum"] }))
    await expectError(inValue, 400, "BadRequest", /\$\.plexUsername holds a lone UTF-16 surrogate/)
    const inKey = await surface.request(
      "/api/telemetry",
      postJson('{"name":"webhook_copied","groupId":"x","\\udc00":1}')
    )
    await expectError(inKey, 400, "BadRequest", /a key of \$ holds a lone UTF-16 surrogate/)
  })

  it("arrays nested 5,000 deep (10 KB) are a 400, not a stack overflow", async () => {
    const deep = `${"[".repeat(5000)}${"]".repeat(5000)}`
    const response = await surface.request(
      "/oauth/family/state",
      postJson(`{"plexUsername":"${freshPlexUser()}","labels":${deep}}`)
    )
    await expectError(response, 400, "BadRequest", /nested deeper than 32 levels/)
  })

  it("a webhook with a NUL or a lone surrogate in a string is a 400 and nothing is recorded", async () => {
    const group = await createGroup(surface, "LivingRoom", ["Mum"])
    for (const title of ["He\u0000at", "Heat \udfff"]) {
      const webhook = encodeJsonWebhook({
        ...samplePayloads.moviePlayNewAgent,
        Metadata: { ...samplePayloads.moviePlayNewAgent.Metadata, title }
      })
      const response = await surface.request(`/api?id=${group.groupId}`, postWebhook(webhook))
      await expectError(response, 400, "BadRequest", /The webhook cannot be stored: the event\.\S+ holds/)
    }
    expect(await surface.inboxSize()).toBe(0)
    // The same webhook with clean text is accepted.
    const clean = await surface.request(
      `/api?id=${group.groupId}`,
      postWebhook(encodeJsonWebhook(samplePayloads.moviePlayNewAgent))
    )
    expect(clean.status).toBe(200)
  })
})

describe("fields the document does not declare", () => {
  it("are refused with a 400 that names them, and nothing is created", async () => {
    const plexUsername = freshPlexUser()
    const create = await surface.request(
      "/oauth/family/state",
      postJson({ plexUsername, labels: ["Mum"], isAdmin: true })
    )
    const body = await expectError(create, 400, "HttpApiDecodeError", /isAdmin/)
    expect(body.message).toMatch(/unexpected/i)
    expect(await groupNames()).not.toContain(plexUsername)

    const group = await createGroup(surface, freshPlexUser(), ["Mum"])
    const add = await surface.request(
      `/admin/api/family-groups/${group.groupId}/members`,
      postJson({ label: "Dad", role: "owner" }, { authorization: `Bearer ${ADMIN_TOKEN}` })
    )
    await expectError(add, 400, "HttpApiDecodeError", /role/)
    const details = await surface.request(`/admin/api/family-groups/${group.groupId}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` }
    })
    expect(((await details.json()) as { members: ReadonlyArray<unknown> }).members).toHaveLength(1)
  })
})

describe("what the fuzz test found", () => {
  it("a multipart body (no boundary) to a JSON endpoint is a 400, not a 500", async () => {
    for (const contentType of ["multipart/form-data", "multipart/form-data; boundary=x"]) {
      const response = await surface.request("/oauth/family/state", {
        method: "POST",
        headers: { "content-type": contentType },
        body: '{"plexUsername":"p","labels":["a"]}'
      })
      expect(response.status).toBe(400)
      expectSecurityHeaders(response)
    }
  })

  it("a webhook payload nested 5,000 deep is a 400, not a stack overflow", async () => {
    const group = await createGroup(surface, freshPlexUser(), ["Mum"])
    const deep = `${"[".repeat(5000)}${"]".repeat(5000)}`
    for (const webhook of [
      { contentType: "application/json", body: deep },
      {
        contentType: "application/x-www-form-urlencoded",
        body: new URLSearchParams({ payload: deep }).toString()
      }
    ]) {
      const response = await surface.request(`/api?id=${group.groupId}`, postWebhook(webhook as never))
      await expectError(response, 400, "BadRequest", /Nested deeper than 32 levels/)
    }
  })
})
