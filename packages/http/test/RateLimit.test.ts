/**
 * Per-client rate limits on the public endpoints, over a real socket (the client
 * is the connection's address): a burst from one client gets 429s with
 * `Retry-After` and no 5xx, the admin API and other clients are not limited, and
 * the window passes.
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { HttpServerResponse } from "@effect/platform"
import { Effect, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeHandlers, makeRateLimit } from "../src/index.js"
import {
  ADMIN_TOKEN,
  expectSecurityHeaders,
  freshPlexUser,
  type InMemorySurface,
  inMemorySurface
} from "./helpers.js"

let surface: InMemorySurface
let server: Server
let base: string

beforeAll(async () => {
  surface = await inMemorySurface({ rateLimits: { onboarding: 5, telemetry: 3 } })
  server = createServer(surface.nodeHandler)
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server?.closeAllConnections()
  await new Promise<void>((resolve) => server?.close(() => resolve()))
  await surface?.close()
})

const createGroupOverSocket = (headers: Record<string, string> = {}) =>
  fetch(`${base}/oauth/family/state`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ plexUsername: freshPlexUser("burst"), labels: ["Mum"] })
  })

describe("rate limits on the public endpoints", () => {
  it("100 onboarding requests in a row from one client: the first pass, the rest get 429 with Retry-After, none 5xx", async () => {
    const statuses: Array<number> = []
    for (let i = 0; i < 100; i++) {
      const response = await createGroupOverSocket()
      statuses.push(response.status)
      if (response.status === 429) {
        expectSecurityHeaders(response)
        const retryAfter = Number(response.headers.get("retry-after"))
        expect(retryAfter).toBeGreaterThanOrEqual(1)
        expect(retryAfter).toBeLessThanOrEqual(60)
        const body = (await response.json()) as { _tag: string; message: string; retryAfter: number }
        expect(body).toMatchObject({ _tag: "TooManyRequests", retryAfter })
        expect(body.message).toMatch(/onboarding: 5 per 1m/)
      } else await response.arrayBuffer()
    }
    expect(statuses.slice(0, 5)).toEqual([201, 201, 201, 201, 201])
    expect(statuses.slice(5).every((status) => status === 429)).toBe(true)

    // A refused request created nothing: exactly five groups came from the burst.
    const groups = (await (
      await fetch(`${base}/admin/api/family-groups`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    ).json()) as { groups: ReadonlyArray<{ plexUsername: string }> }
    expect(groups.groups.filter((g) => g.plexUsername.startsWith("burst-"))).toHaveLength(5)
  })

  it("each endpoint family counts apart: telemetry has its own limit", async () => {
    const statuses: Array<number> = []
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${base}/api/telemetry`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "webhook_copied", groupId: "00000000-0000-4000-8000-000000000000" })
      })
      statuses.push(response.status)
      await response.arrayBuffer()
    }
    expect(statuses.slice(0, 3).every((status) => status !== 429)).toBe(true)
    expect(statuses.slice(3)).toEqual([429, 429])
  })

  it("a web-standard request with no client address is not limited", async () => {
    for (let i = 0; i < 8; i++) {
      const response = await surface.request("/api/telemetry", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "webhook_copied", groupId: "00000000-0000-4000-8000-000000000000" })
      })
      expect(response.status).not.toBe(429)
    }
  })
})

describe("makeRateLimit", () => {
  const serveLimited = async (trustProxy: boolean) => {
    const limit = makeRateLimit({
      trustProxy,
      rules: [{ name: "tiny", match: (method) => method === "GET", limit: 2, window: "300 millis" }]
    })
    const handlers = await makeHandlers(
      Effect.succeed(limit(Effect.succeed(HttpServerResponse.text("ok")))),
      Layer.empty,
      {
        owns: () => true
      }
    )
    const node = createServer(handlers.nodeHandler)
    await new Promise<void>((resolve) => node.listen(0, "127.0.0.1", resolve))
    const url = `http://127.0.0.1:${(node.address() as AddressInfo).port}/`
    const get = async (forwardedFor?: string) => {
      const response = await fetch(
        url,
        forwardedFor === undefined ? {} : { headers: { "x-forwarded-for": forwardedFor } }
      )
      await response.arrayBuffer()
      return response.status
    }
    const close = async () => {
      node.closeAllConnections()
      await new Promise<void>((resolve) => node.close(() => resolve()))
      await handlers.dispose()
    }
    return { get, close }
  }

  it("behind a trusted proxy, counts each forwarded client apart; without trust, the header changes nothing", async () => {
    const trusted = await serveLimited(true)
    try {
      expect([
        await trusted.get("203.0.113.1"),
        await trusted.get("203.0.113.1"),
        await trusted.get("203.0.113.1")
      ]).toEqual([200, 200, 429])
      expect(await trusted.get("203.0.113.2, 10.0.0.1")).toBe(200)
    } finally {
      await trusted.close()
    }
    const direct = await serveLimited(false)
    try {
      expect([
        await direct.get("203.0.113.1"),
        await direct.get("203.0.113.2"),
        await direct.get("203.0.113.3")
      ]).toEqual([200, 200, 429])
    } finally {
      await direct.close()
    }
  })

  it("lets the client through again once its window has passed", async () => {
    const served = await serveLimited(false)
    try {
      expect([await served.get(), await served.get(), await served.get()]).toEqual([200, 200, 429])
      await new Promise((resolve) => setTimeout(resolve, 400))
      expect(await served.get()).toBe(200)
    } finally {
      await served.close()
    }
  })
})
