/**
 * The example as a user runs it: a child process on embedded PGlite (and on the
 * Postgres server when there is one), reached over HTTP. It prints
 * `Listening on` once it accepts requests, creates the admin once, keeps its
 * data and JWT secret across a restart, refuses a bad configuration by name,
 * and stops on SIGTERM.
 */
import { randomUUID } from "node:crypto"
import { mkdtemp, readFile, rm, stat } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { failedStart, postgresServerAnswers, startChild } from "./child.js"

let dataDir: string

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "platform-example-"))
})
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true })
})

const json = async (url: string, method = "GET", body?: unknown, token?: string) => {
  const response = await fetch(url, {
    method,
    headers: {
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` })
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  const text = await response.text()
  return { status: response.status, body: text === "" ? undefined : JSON.parse(text) }
}

const admin = { ADMIN_EMAIL: "admin@example.com", ADMIN_PASSWORD: "adminPass123" }

describe("the platform server on embedded PGlite", () => {
  it("serves /api/v1, creates the admin once, and keeps data and sessions across a restart", async () => {
    const first = await startChild({ DATA_DIR: dataDir, ...admin, LOG_LEVEL: "warning" })
    let accessToken: string
    try {
      expect(first.output()).toContain("Created the admin account admin@example.com.")
      // No STRIPE_SECRET_KEY: the built-in fake Stripe, its URL and webhook secret printed.
      expect(first.output()).toMatch(
        /Stripe: the built-in fake at http:\/\/127\.0\.0\.1:\d+ \(no STRIPE_SECRET_KEY\), webhook secret whsec_\S+/
      )
      expect(await json(`${first.url}/api/v1/health`)).toEqual({ status: 200, body: { status: "ok" } })
      const login = await json(`${first.url}/api/v1/auth/login`, "POST", {
        email: "admin@example.com",
        password: "adminPass123"
      })
      expect(login.body.user.role).toBe("admin")
      accessToken = login.body.access_token
      const signup = await json(`${first.url}/api/v1/auth/signup`, "POST", {
        email: "john@example.com",
        password: "securePass123",
        full_name: "John Doe"
      })
      expect(signup.status).toBe(201)
      const secret = await stat(join(dataDir, "jwt-secret"))
      expect(secret.mode & 0o777).toBe(0o600)
      expect(first.output()).not.toContain((await readFile(join(dataDir, "jwt-secret"), "utf8")).trim())
      expect(first.output()).not.toContain("adminPass123")
    } finally {
      expect(await first.stop()).toBe(0)
    }
    const second = await startChild({
      DATA_DIR: dataDir,
      ...admin,
      ADMIN_PASSWORD: "anotherPass123",
      LOG_LEVEL: "warning"
    })
    try {
      expect(second.output()).not.toContain("Created the admin account")
      // The same secret: a token from before the restart still works; the admin's password did not change.
      const users = await json(`${second.url}/api/v1/admin/users?search=john`, "GET", undefined, accessToken)
      expect(users.body).toMatchObject({ total: 1, users: [{ email: "john@example.com" }] })
      expect(
        (
          await json(`${second.url}/api/v1/auth/login`, "POST", {
            email: "admin@example.com",
            password: "anotherPass123"
          })
        ).status
      ).toBe(401)
    } finally {
      expect(await second.stop()).toBe(0)
    }
  }, 180_000)

  it("refuses a bad configuration, naming each variable", async () => {
    const refused = await failedStart({
      DATA_DIR: dataDir,
      JWT_SECRET: "short",
      PORT: "99999",
      ADMIN_EMAIL: "admin@example.com"
    })
    expect(refused.code).toBe(1)
    expect(refused.output).toContain("JWT_SECRET must be at least 32 bytes")
    expect(refused.output).toContain("PORT must be a port number")
    expect(refused.output).toContain("ADMIN_EMAIL and ADMIN_PASSWORD go together")
    const noSecret = await failedStart({ DATABASE_URL: "postgres://postgres@127.0.0.1:5432/test" })
    expect(noSecret.code).toBe(1)
    expect(noSecret.output).toContain("JWT_SECRET is required with DATABASE_URL")
    const weakAdmin = await failedStart({
      DATA_DIR: dataDir,
      ADMIN_EMAIL: "admin@example.com",
      ADMIN_PASSWORD: "short"
    })
    expect(weakAdmin.code).toBe(1)
    expect(weakAdmin.output).toContain("ADMIN_PASSWORD must have at least 10 characters")
    const billing = await failedStart({
      DATA_DIR: dataDir,
      STRIPE_SECRET_KEY: "sk_test_x",
      STRIPE_API_URL: "api.stripe.com",
      BILLING_GRACE_DAYS: "three",
      TRIAL_DAYS: "1.5",
      ALLOWED_REDIRECT_ORIGINS: "https://app.example.com, ftp://files.example.com",
      AUTH_RATE_LIMIT: "lots"
    })
    expect(billing.code).toBe(1)
    expect(billing.output).toContain(
      "AUTH_RATE_LIMIT must be sign-ins per client per minute, a whole number from 0"
    )
    expect(billing.output).toContain("STRIPE_API_URL must be an http(s) URL")
    expect(billing.output).toContain('BILLING_GRACE_DAYS must be a number of days from 0 to 60, got "three"')
    expect(billing.output).toContain("TRIAL_DAYS must be a whole number of days")
    expect(billing.output).toContain(
      'ALLOWED_REDIRECT_ORIGINS must be comma-separated origins such as https://app.example.com, got "ftp://files.example.com"'
    )
    expect(billing.output).not.toContain("sk_test_x")
  }, 120_000)
})

const serverUp = await postgresServerAnswers()

describe.runIf(serverUp || process.env.TEST_DATABASE_URL !== undefined)(
  "the platform server on the Postgres server",
  () => {
    it("serves the same API over DATABASE_URL", async () => {
      const email = `pg-${randomUUID()}@example.com`
      const child = await startChild({
        DATABASE_URL: process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test",
        JWT_SECRET: "a-shared-secret-of-at-least-thirty-two-bytes",
        LOG_LEVEL: "warning"
      })
      try {
        expect((await json(`${child.url}/api/v1/health`)).status).toBe(200)
        const signup = await json(`${child.url}/api/v1/auth/signup`, "POST", {
          email,
          password: "securePass123",
          full_name: "Pat Gres"
        })
        expect(signup.status).toBe(201)
        const profiles = await json(
          `${child.url}/api/v1/profiles`,
          "GET",
          undefined,
          signup.body.access_token
        )
        expect(profiles.body.profiles.map((p: { name: string }) => p.name)).toEqual(["Pat"])
      } finally {
        expect(await child.stop()).toBe(0)
      }
    }, 120_000)
  }
)
