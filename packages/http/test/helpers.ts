/**
 * Shared by the @org/http suites: the surface over the in-memory domain (with
 * its ports reachable from the test), request helpers, bounded polling, and
 * whether a Postgres server is there.
 */
import { connect } from "node:net"
import { WebhookInbox } from "@org/family-scrobble"
import { FamilyScrobbleTest, TelemetryLog, TestTrakt } from "@org/family-scrobble/testing"
import type { EncodedWebhook } from "@org/plex/testing"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { expect } from "vitest"
import {
  type FamilyScrobbleHandlers,
  type FamilyScrobbleHttpOptions,
  makeHandlers
} from "../src/family-scrobble/index.js"

export const PUBLIC_URL = "https://family.example.test"
export const ADMIN_TOKEN = "admin-token-0123456789abcdef"

/** The surface over the in-memory domain, with the ports a test inspects. */
export interface InMemorySurface extends FamilyScrobbleHandlers {
  readonly trakt: Context.Tag.Service<TestTrakt>
  readonly inboxSize: () => Promise<number>
  readonly telemetry: () => Promise<ReadonlyArray<{ readonly name: string; readonly groupId: string }>>
  /** `handler` with a path on `PUBLIC_URL`. */
  readonly request: (path: string, init?: RequestInit) => Promise<Response>
  readonly close: () => Promise<void>
}

/**
 * `makeHandlers(options, FamilyScrobbleTest(…))`, with the domain built here so
 * the test can reach `TestTrakt`, the inbox and the telemetry log. Pacing is off:
 * the in-memory Trakt has no rate limit.
 */
export const inMemorySurface = async (
  options: Partial<FamilyScrobbleHttpOptions> = {},
  domain: Parameters<typeof FamilyScrobbleTest>[0] = {}
): Promise<InMemorySurface> => {
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(
    Layer.buildWithScope(
      FamilyScrobbleTest({ ...domain, settings: { minPostInterval: 0, ...domain.settings } }),
      scope
    )
  )
  const handlers = await makeHandlers(
    { publicUrl: PUBLIC_URL, adminToken: ADMIN_TOKEN, logLevel: "Warning", ...options },
    Layer.succeedContext(context)
  )
  return {
    ...handlers,
    trakt: Context.get(context, TestTrakt),
    inboxSize: () => Effect.runPromise(Context.get(context, WebhookInbox).size()),
    telemetry: () => Effect.runPromise(Context.get(context, TelemetryLog).events),
    request: (path, init) => handlers.handler(new Request(`${PUBLIC_URL}${path}`, init)),
    close: async () => {
      await handlers.dispose()
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  }
}

export const postJson = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: typeof body === "string" ? body : JSON.stringify(body)
})

export const postWebhook = (webhook: EncodedWebhook): RequestInit => ({
  method: "POST",
  headers: { "content-type": webhook.contentType },
  body: webhook.body
})

/** The JSON error body every 4xx of the API has: `{ _tag, message }` and the status. */
export const expectError = async (
  response: Response,
  status: number,
  tag: string,
  message: RegExp
): Promise<Record<string, unknown>> => {
  const text = await response.text()
  expect({ status: response.status, body: text }).toMatchObject({ status })
  expect(response.headers.get("content-type")).toMatch(/^application\/json/)
  const body = JSON.parse(text) as Record<string, unknown>
  expect(body._tag).toBe(tag)
  expect(body.message).toEqual(expect.any(String))
  expect(body.message).toMatch(message)
  return body
}

/** The headers every response carries, whatever its status. */
export const expectSecurityHeaders = (response: Response | { readonly headers: Headers }) => {
  const csp = response.headers.get("content-security-policy") ?? ""
  expect(csp).toContain("default-src 'self'")
  expect(csp).toContain("frame-ancestors 'none'")
  expect(response.headers.get("x-content-type-options")).toBe("nosniff")
  expect(response.headers.get("referrer-policy")).toBe("no-referrer")
  expect(response.headers.get("x-frame-options")).toBe("DENY")
}

/** Poll `check` until it returns true, at most `timeoutMs`; fail with `what` otherwise. */
export const waitFor = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/** The `state` of an authorization link. */
export const stateOf = (authorizeUrl: string) => new URL(authorizeUrl).searchParams.get("state") ?? ""

let counter = 0
/** A Plex account name no other test of the process uses. */
export const freshPlexUser = (prefix = "plex") => `${prefix}-${++counter}-${process.pid}`

/** Create a group over HTTP and answer its body (asserted 201). */
export const createGroup = async (
  surface: Pick<InMemorySurface, "request">,
  plexUsername: string,
  labels: ReadonlyArray<string>
) => {
  const response = await surface.request("/oauth/family/state", postJson({ plexUsername, labels }))
  expect(response.status).toBe(201)
  return (await response.json()) as {
    readonly groupId: string
    readonly webhookUrl: string
    readonly members: ReadonlyArray<{
      readonly id: string
      readonly label: string
      readonly status: string
      readonly authorizeUrl: string
      readonly expiresAt: string
    }>
  }
}

/** `TEST_DATABASE_URL=none` runs as a machine without a server would (as in packages/pg). */
const noServer = process.env.TEST_DATABASE_URL === "none"
const explicitUrl = noServer ? undefined : process.env.TEST_DATABASE_URL
export const testDatabaseUrl = explicitUrl ?? "postgres://postgres@127.0.0.1:5432/test"

/** Always when `TEST_DATABASE_URL` is set; otherwise when the local server answers. */
export const serverAvailable = async (): Promise<boolean> =>
  !noServer &&
  (explicitUrl !== undefined ||
    (await new Promise<boolean>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port: 5432, timeout: 1000 })
      socket.once("connect", () => {
        socket.destroy()
        resolve(true)
      })
      socket.once("error", () => resolve(false))
      socket.once("timeout", () => {
        socket.destroy()
        resolve(false)
      })
    })))
