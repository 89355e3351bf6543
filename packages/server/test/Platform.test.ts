/**
 * `createPlatform`: the platform API as a Promise facade on embedded PGlite,
 * with real argon2id and JWTs; as a web handler and mounted in Express.
 */
import { once } from "node:events"
import type { AddressInfo } from "node:net"
import express from "express"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createPlatform, type Platform } from "../src/index.js"

const jwtSecret = "a-test-secret-of-at-least-thirty-two-bytes"
let platform: Platform

beforeAll(async () => {
  platform = createPlatform({
    database: { memory: true },
    jwtSecret,
    admin: { email: "admin@example.com", password: "adminPass123" },
    logLevel: "None"
  })
  expect(await platform.start()).toEqual({ adminCreated: true })
  // Starting again changes nothing.
  expect(await platform.start()).toEqual({ adminCreated: true })
}, 60_000)

afterAll(async () => {
  await platform?.stop()
})

const call = async (method: string, path: string, body?: unknown, token?: string) => {
  const headers: Record<string, string> = {}
  if (body !== undefined) headers["content-type"] = "application/json"
  if (token !== undefined) headers.authorization = `Bearer ${token}`
  const response = await platform.handler(
    new Request(`http://platform.test${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
  )
  const text = await response.text()
  return { status: response.status, body: text === "" ? undefined : JSON.parse(text) }
}

describe("createPlatform", () => {
  it("signs the admin in, who sees the users; a user signs up and gets a JWT", async () => {
    const admin = await call("POST", "/api/v1/auth/login", {
      email: "admin@example.com",
      password: "adminPass123"
    })
    expect(admin.status).toBe(200)
    expect(admin.body.user.role).toBe("admin")
    expect(admin.body.access_token.split(".")).toHaveLength(3)
    const user = await call("POST", "/api/v1/auth/signup", {
      email: "john@example.com",
      password: "securePass123",
      full_name: "John Doe"
    })
    expect(user.status).toBe(201)
    const users = await call("GET", "/api/v1/admin/users?search=john", undefined, admin.body.access_token)
    expect(users.body).toMatchObject({ total: 1, users: [{ email: "john@example.com" }] })
  })

  it("mounts in Express: its paths are served, every other one goes on", async () => {
    const app = express()
    app.use(platform.router)
    app.get("/other", (_request, response) => {
      response.json({ from: "express" })
    })
    const server = app.listen(0, "127.0.0.1")
    await once(server, "listening")
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      expect(await (await fetch(`${base}/api/v1/health`)).json()).toEqual({ status: "ok" })
      expect(await (await fetch(`${base}/other`)).json()).toEqual({ from: "express" })
      const missing = await fetch(`${base}/api/v1/nope`)
      expect(missing.status).toBe(404)
      expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("not_found")
    } finally {
      server.close()
    }
  })

  it("refuses a JWT secret shorter than 32 bytes", async () => {
    const weak = createPlatform({ database: { memory: true }, jwtSecret: "short", logLevel: "None" })
    await expect(weak.start()).rejects.toThrow(/at least 32/)
    await weak.stop().catch(() => undefined)
  })
})
