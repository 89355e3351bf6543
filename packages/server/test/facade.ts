/**
 * The facade end to end against the Trakt sandbox, shared by the PGlite and
 * Postgres suites: onboarding through the real callback, play / pause / scrobble
 * webhooks delivered to every member, and a record of every response body and
 * every log line so a suite can look for secrets in them.
 */
import { randomBytes } from "node:crypto"
import { format } from "node:util"
import { SqlClient } from "@effect/sql"
import { PgDatabase } from "@org/pg"
import { encodeMultipartWebhook, samplePayloads } from "@org/plex/testing"
import type { TraktSandbox } from "@org/trakt/sandbox"
import { Effect, Layer } from "effect"
import { expect, vi } from "vitest"
import {
  ADMIN_TOKEN,
  expectSecurityHeaders,
  PUBLIC_URL,
  postJson,
  postWebhook,
  stateOf,
  waitFor
} from "../../http/test/helpers.js"
import type { CreateFamilyScrobbleOptions, FamilyScrobble } from "../src/index.js"

/** Everything the process logged while capturing, one entry per call. */
export interface LogCapture {
  readonly lines: Array<string>
  readonly restore: () => void
}

/**
 * Capture every log line: Effect's default logger writes through `console`, and
 * anything writing to stdout / stderr directly is recorded too.
 */
export const captureLogs = (): LogCapture => {
  const lines: Array<string> = []
  const spies = (["log", "info", "warn", "error", "debug", "trace"] as const).map((method) =>
    vi.spyOn(console, method).mockImplementation((...args: Array<unknown>) => {
      lines.push(format(...args))
    })
  )
  const writes = [process.stdout, process.stderr].map((stream) => {
    const original = stream.write.bind(stream)
    stream.write = ((chunk: unknown, ...rest: Array<unknown>) => {
      lines.push(typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8"))
      return (original as (...args: Array<unknown>) => boolean)(chunk, ...rest)
    }) as typeof stream.write
    return () => {
      stream.write = original as typeof stream.write
    }
  })
  return {
    lines,
    restore: () => {
      for (const spy of spies) spy.mockRestore()
      for (const restore of writes) restore()
    }
  }
}

/** A facade over `database` talking to the sandbox, with its secrets. */
export const facadeOver = (
  sandbox: TraktSandbox,
  database: CreateFamilyScrobbleOptions["database"],
  extra: Partial<CreateFamilyScrobbleOptions> = {}
) => {
  const tokenEncryptionKey = extra.tokenEncryptionKey ?? randomBytes(32).toString("base64")
  const options: CreateFamilyScrobbleOptions = {
    publicUrl: PUBLIC_URL,
    database,
    trakt: {
      clientId: sandbox.clientId,
      clientSecret: sandbox.clientSecret,
      apiUrl: sandbox.url,
      authUrl: sandbox.url,
      userAgent: "org-http-tests/1.0",
      requestTimeout: "5 seconds"
    },
    tokenEncryptionKey,
    adminToken: ADMIN_TOKEN,
    logLevel: "Debug",
    ...extra
  }
  return { options, tokenEncryptionKey: String(tokenEncryptionKey) }
}

/** The facade's handler, recording every response body (and header value) it gives. */
export interface Recording {
  readonly seen: Array<string>
  readonly request: (path: string, init?: RequestInit) => Promise<Response>
}

export const recording = (facade: FamilyScrobble): Recording => {
  const seen: Array<string> = []
  return {
    seen,
    request: async (path: string, init?: RequestInit) => {
      const response = await facade.handler(new Request(`${PUBLIC_URL}${path}`, init))
      const body = await response.text()
      seen.push(body, ...[...response.headers].map(([name, value]) => `${name}: ${value}`))
      return new Response(body, { status: response.status, headers: response.headers })
    }
  }
}

/** A Plex sample rewritten for `account`, at `viewOffset` ms into the item. */
export const eventOf = (
  base: keyof typeof samplePayloads,
  event: string,
  account: string,
  viewOffset: number
) => {
  const sample = samplePayloads[base]
  return {
    ...sample,
    event,
    Account: { ...sample.Account, title: account },
    Metadata: { ...sample.Metadata, viewOffset }
  }
}

export interface OnboardedFamily {
  readonly groupId: string
  readonly plexUsername: string
  readonly traktUsernames: ReadonlyArray<string>
  /** The OAuth codes the sandbox issued (they must never show up anywhere). */
  readonly codes: ReadonlyArray<string>
}

/** Create a family over HTTP and authorize every member through the sandbox and the callback. */
export const onboardFamily = async (
  http: Recording,
  sandbox: TraktSandbox,
  plexUsername: string,
  traktUsernames: ReadonlyArray<string>
): Promise<OnboardedFamily> => {
  const created = await http.request(
    "/oauth/family/state",
    postJson({ plexUsername, labels: traktUsernames.map((name) => `Label ${name}`) })
  )
  expect(created.status).toBe(201)
  const group = (await created.json()) as {
    groupId: string
    members: ReadonlyArray<{ label: string; authorizeUrl: string }>
  }
  const codes: Array<string> = []
  for (const [index, member] of group.members.entries()) {
    const username = traktUsernames[index] ?? ""
    // The authorize link points at the sandbox, with our redirect and a fresh state.
    const link = new URL(member.authorizeUrl)
    expect(link.origin).toBe(new URL(sandbox.url).origin)
    expect(link.searchParams.get("redirect_uri")).toBe(`${PUBLIC_URL}/authorize/family/member`)
    const { code, redirectUrl } = sandbox.authorize({
      username,
      redirectUri: `${PUBLIC_URL}/authorize/family/member`,
      state: stateOf(member.authorizeUrl)
    })
    codes.push(code)
    const redirect = new URL(redirectUrl)
    const page = await http.request(`${redirect.pathname}${redirect.search}`)
    expect(page.status).toBe(200)
    expectSecurityHeaders(page)
    const html = await page.text()
    expect(html).toContain(`<strong>${member.label}</strong> is connected as <strong>${username}</strong>`)
  }
  const status = await http.request(`/oauth/family/${group.groupId}/status`)
  const view = (await status.json()) as { complete: boolean; members: ReadonlyArray<{ status: string }> }
  expect(view.complete).toBe(true)
  return { groupId: group.groupId, plexUsername, traktUsernames, codes }
}

/** Post one webhook and wait (bounded) until every member's Trakt received `expected` scrobbles in all. */
export const deliver = async (
  http: Recording,
  sandbox: TraktSandbox,
  family: OnboardedFamily,
  event: ReturnType<typeof eventOf>,
  expected: number
) => {
  const response = await http.request(`/api?id=${family.groupId}`, postWebhook(encodeMultipartWebhook(event)))
  expect(response.status).toBe(200)
  expect(await response.json()).toMatchObject({ status: "accepted" })
  await waitFor(
    `${event.event} to reach every member`,
    () => family.traktUsernames.every((name) => sandbox.scrobbles(name).length >= expected),
    30_000
  ).catch((error: unknown) => {
    // Say what Trakt saw, so a timeout explains itself.
    const seen = family.traktUsernames.map(
      (name) =>
        `${name}: ${sandbox
          .requests(name)
          .slice(-4)
          .map((r) => `${r.method} ${r.path} ${r.status}`)
          .join(", ")}`
    )
    throw new Error(`${String(error)}; last requests: ${seen.join("; ")}`)
  })
}

/**
 * Play, pause at 30 % and finish at 95 % one sample item: every member gets
 * start, a paused stop, and a play. (Trakt answers a second finish of the same
 * item within an hour with 409: use another item for another viewing.)
 */
export const playPauseScrobble = async (
  http: Recording,
  sandbox: TraktSandbox,
  family: OnboardedFamily,
  item: "moviePlayNewAgent" | "episodeScrobble" = "moviePlayNewAgent",
  already = 0
) => {
  const duration = Number(samplePayloads[item].Metadata?.duration ?? 0)
  const at = (fraction: number) => Math.round(duration * fraction)
  await deliver(http, sandbox, family, eventOf(item, "media.play", family.plexUsername, 0), already + 1)
  await deliver(
    http,
    sandbox,
    family,
    eventOf(item, "media.pause", family.plexUsername, at(0.3)),
    already + 2
  )
  await deliver(
    http,
    sandbox,
    family,
    eventOf(item, "media.scrobble", family.plexUsername, at(0.95)),
    already + 3
  )
  for (const name of family.traktUsernames) {
    const received = sandbox.scrobbles(name).slice(already)
    expect(received.map((s) => [s.action, s.result, s.progress])).toEqual([
      ["start", "start", 0],
      ["stop", "pause", 30],
      ["stop", "scrobble", 95]
    ])
  }
}

/** Look for secrets: none of `secrets`, and no sandbox token, appears in any of `texts`. */
export const expectNoSecrets = (texts: ReadonlyArray<string>, secrets: ReadonlyArray<string>) => {
  const patterns = [/sandbox-access-/, /sandbox-refresh-/]
  for (const text of texts) {
    for (const pattern of patterns) expect(text).not.toMatch(pattern)
    for (const secret of secrets) {
      if (text.includes(secret))
        throw new Error(`a secret (${secret.slice(0, 4)}…) appears in: ${text.slice(0, 300)}`)
    }
  }
}

/** The stored token columns of a group's members, read with SQL. */
export const storedTokens = (
  database: Layer.Layer<SqlClient.SqlClient, unknown>,
  schema: string,
  groupId: string
) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      return yield* sql<{ access_token_enc: string | null; refresh_token_enc: string | null }>`
        SELECT access_token_enc, refresh_token_enc FROM ${sql(schema)}.group_members WHERE group_id = ${groupId}`
    }).pipe(Effect.provide(Layer.orDie(database)), Effect.orDie)
  )

/** Tokens are stored, and only encrypted: neither the plaintext nor a sandbox token prefix. */
export const expectEncrypted = (
  rows: ReadonlyArray<{ access_token_enc: string | null; refresh_token_enc: string | null }>,
  count: number
) => {
  expect(rows).toHaveLength(count)
  for (const row of rows) {
    for (const value of [row.access_token_enc, row.refresh_token_enc]) {
      expect(value).toEqual(expect.any(String))
      expect((value ?? "").length).toBeGreaterThan(32)
      expect(value).not.toMatch(/sandbox-(access|refresh)-/)
      expect(Buffer.from(value ?? "", "base64").toString("latin1")).not.toMatch(/sandbox-(access|refresh)-/)
    }
  }
}

export { PgDatabase }
