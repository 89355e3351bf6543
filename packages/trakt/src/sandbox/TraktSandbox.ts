/**
 * A Trakt sandbox: a real HTTP server on loopback that speaks the parts of the
 * Trakt API the SDK uses — `/oauth/authorize`, `/oauth/token`, `/users/settings`
 * and `/scrobble/start|pause|stop` — with Trakt's documented answers, and that
 * can be told to misbehave per account.
 *
 * It issues tokens for any account name, records every scrobble per account,
 * enforces one POST per second per user (429 with `Retry-After` and
 * `X-Ratelimit`), answers a repeated finish inside the scrobble window with 409,
 * rejects a stop below 1 % with 422, expires and rotates tokens like Trakt
 * (refresh tokens are single-use), and takes scripted faults: any status, a
 * request that never answers, or a reset connection.
 */
import { randomBytes } from "node:crypto"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"

export type SandboxEndpoint = "scrobble" | "token" | "settings"

/** What the sandbox answers instead of the real thing. */
export type SandboxFault =
  | {
      readonly status: 429
      /** Sent as `Retry-After`. Default 1. */
      readonly retryAfterSeconds?: number
      /** Send the `X-Ratelimit` JSON header (Trakt omits it when abuse protection answers). Default true. */
      readonly withRateLimitHeader?: boolean
    }
  | { readonly status: number; readonly body?: unknown }
  | { readonly kind: "hang" }
  | { readonly kind: "reset" }

export interface FaultOptions {
  /** How many matching requests get the fault. Default: every one until cleared. */
  readonly times?: number
  /** Which endpoint it applies to. Default `"scrobble"`; `"any"` for all. */
  readonly on?: SandboxEndpoint | "any"
}

export interface TraktSandboxOptions {
  readonly host?: string
  /** Default 0: a free port. */
  readonly port?: number
  readonly clientId?: string
  readonly clientSecret?: string
  /** Access token lifetime (`expires_in`). Default 7 days, as Trakt's current docs show. */
  readonly tokenLifetimeSeconds?: number
  /** Minimum time between two POSTs of one user; faster ones get 429. Default 1000; 0 disables. */
  readonly postIntervalMs?: number
  /** How long a recorded play makes a repeated finish answer 409. Default 3600 s. */
  readonly scrobbleWindowSeconds?: number
  /** Latency added to every API answer, for every account. Default 0. */
  readonly latencyMs?: number
  /** Which items Trakt "knows"; an unknown one answers 404. Default: any item with an id. */
  readonly isKnownItem?: (item: SandboxItem) => boolean
}

/** The item part of a scrobble body, as sent. */
export interface SandboxItem {
  readonly movie?: Record<string, unknown>
  readonly show?: Record<string, unknown>
  readonly episode?: Record<string, unknown>
}

export interface SandboxScrobble {
  readonly username: string
  /** The endpoint called. */
  readonly action: "start" | "pause" | "stop"
  /** What Trakt made of it: `start`, `pause`, `scrobble` (a play), or `stop`. */
  readonly result: "start" | "pause" | "scrobble" | "stop"
  readonly progress: number
  readonly item: SandboxItem
  readonly appVersion: unknown
  readonly at: number
}

export interface SandboxPlay {
  readonly username: string
  readonly item: SandboxItem
  readonly watchedAt: number
}

export interface SandboxRequest {
  readonly method: string
  readonly path: string
  readonly status: number | "hang" | "reset"
  /** The account the request acted for, when known. */
  readonly username?: string
  /** Request headers, `authorization` removed. */
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly at: number
}

export interface IssuedTokens {
  readonly access_token: string
  readonly refresh_token: string
  readonly expires_in: number
  readonly created_at: number
  readonly token_type: "bearer"
  readonly scope: "public"
}

export interface TraktSandbox {
  /** Base URL, e.g. `http://127.0.0.1:40123`: use it as both the API and the auth host. */
  readonly url: string
  readonly clientId: string
  readonly clientSecret: string
  /** Sign `username` in as the authorize page would: returns the code and the redirect URL. */
  authorize(input: { username: string; redirectUri: string; state?: string }): {
    code: string
    redirectUrl: string
  }
  /** Issue a token pair for `username` directly. */
  issueTokens(username: string): IssuedTokens
  /** Make every access token of `username` (or of everyone) expired now. */
  expireAccessTokens(username?: string): void
  /** Revoke every token of `username`: its refresh token stops working too. */
  revokeAuthorization(username: string): void
  /** Answer `username`'s requests with a fault. */
  injectFault(username: string, fault: SandboxFault, options?: FaultOptions): void
  /** Latency for one account's requests, on top of the global latency. */
  setLatency(username: string, ms: number): void
  clearFaults(username?: string): void
  /** Accepted scrobbles, in order. */
  scrobbles(username?: string): ReadonlyArray<SandboxScrobble>
  /** Recorded plays (stops at ≥ 80 %). */
  plays(username?: string): ReadonlyArray<SandboxPlay>
  /** Every request received, in order. */
  requests(username?: string): ReadonlyArray<SandboxRequest>
  /** Forget tokens, records, faults and latencies. */
  reset(): void
  close(): Promise<void>
}

interface AccessToken {
  readonly username: string
  expiresAt: number
  revoked: boolean
}

interface RefreshToken {
  readonly username: string
  readonly access: string
  used: boolean
}

interface Code {
  readonly username: string
  readonly redirectUri: string
  readonly expiresAt: number
  used: boolean
}

interface FaultEntry {
  readonly fault: SandboxFault
  remaining: number
  readonly on: SandboxEndpoint | "any"
}

const MAX_BODY = 64 * 1024
const CODE_LIFETIME_MS = 10 * 60 * 1000

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown
  ) {
    super(`HTTP ${status}`)
  }
}

const token = (bytes = 24) => randomBytes(bytes).toString("hex")

const escapeHtml = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c
  )

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY) {
        reject(new HttpError(413, { error: "payload_too_large" }))
        req.resume()
        return
      }
      chunks.push(chunk)
    })
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

const parseJsonBody = (text: string): Record<string, unknown> => {
  try {
    const value: unknown = JSON.parse(text)
    if (value !== null && typeof value === "object" && !Array.isArray(value))
      return value as Record<string, unknown>
  } catch {
    // fall through
  }
  throw new HttpError(400, { error: "bad_request", error_description: "the body must be a JSON object" })
}

const hasIds = (value: unknown): boolean => {
  if (value === null || typeof value !== "object") return false
  const ids = (value as Record<string, unknown>).ids
  return (
    ids !== null &&
    typeof ids === "object" &&
    Object.values(ids as Record<string, unknown>).some((v) => typeof v === "string" || typeof v === "number")
  )
}

/** One key per item form, so the same form of the same item matches itself. */
const itemKey = (item: SandboxItem): string => {
  const ids = (value: unknown) => {
    const record = ((value as Record<string, unknown> | undefined)?.ids ?? {}) as Record<string, unknown>
    return Object.keys(record)
      .sort()
      .map((k) => `${k}=${String(record[k])}`)
      .join(",")
  }
  if (item.movie !== undefined) return `movie:${ids(item.movie)}`
  if (item.show !== undefined) {
    const episode = item.episode ?? {}
    return `show:${ids(item.show)}:${String(episode.season)}x${String(episode.number)}`
  }
  return `episode:${ids(item.episode)}`
}

const validItem = (body: Record<string, unknown>): SandboxItem | undefined => {
  const { movie, show, episode } = body as SandboxItem
  if (movie !== undefined) return hasIds(movie) ? { movie } : undefined
  if (show !== undefined) {
    const e = episode as Record<string, unknown> | undefined
    return hasIds(show) && typeof e?.season === "number" && typeof e?.number === "number"
      ? { show, episode: e }
      : undefined
  }
  if (episode !== undefined) return hasIds(episode) ? { episode } : undefined
  return undefined
}

/** Start a sandbox on loopback. Close it when done. */
export const startTraktSandbox = async (options: TraktSandboxOptions = {}): Promise<TraktSandbox> => {
  const clientId = options.clientId ?? "sandbox-client-id"
  const clientSecret = options.clientSecret ?? "sandbox-client-secret"
  const lifetime = options.tokenLifetimeSeconds ?? 7 * 24 * 3600
  const postInterval = options.postIntervalMs ?? 1000
  const window = (options.scrobbleWindowSeconds ?? 3600) * 1000
  const globalLatency = options.latencyMs ?? 0
  const isKnownItem = options.isKnownItem ?? (() => true)

  const codes = new Map<string, Code>()
  const accessTokens = new Map<string, AccessToken>()
  const refreshTokens = new Map<string, RefreshToken>()
  const faults = new Map<string, Array<FaultEntry>>()
  const latencies = new Map<string, number>()
  const lastPost = new Map<string, number>()
  const scrobbleLog: Array<SandboxScrobble> = []
  const playLog: Array<SandboxPlay> = []
  const requestLog: Array<SandboxRequest> = []
  const hanging = new Set<ServerResponse>()

  const issueTokens = (username: string): IssuedTokens => {
    const access = `sandbox-access-${token()}`
    const refresh = `sandbox-refresh-${token()}`
    const now = Date.now()
    accessTokens.set(access, { username, expiresAt: now + lifetime * 1000, revoked: false })
    refreshTokens.set(refresh, { username, access, used: false })
    return {
      access_token: access,
      refresh_token: refresh,
      expires_in: lifetime,
      created_at: Math.floor(now / 1000),
      token_type: "bearer",
      scope: "public"
    }
  }

  const authorize = (input: { username: string; redirectUri: string; state?: string }) => {
    const code = token(16)
    codes.set(code, {
      username: input.username,
      redirectUri: input.redirectUri,
      expiresAt: Date.now() + CODE_LIFETIME_MS,
      used: false
    })
    const redirect = new URL(input.redirectUri)
    redirect.searchParams.set("code", code)
    if (input.state !== undefined) redirect.searchParams.set("state", input.state)
    return { code, redirectUrl: redirect.toString() }
  }

  /** The next fault for `username` on `endpoint`, consuming one use. */
  const takeFault = (username: string | undefined, endpoint: SandboxEndpoint): SandboxFault | undefined => {
    if (username === undefined) return undefined
    const entries = faults.get(username)
    if (entries === undefined) return undefined
    const index = entries.findIndex((e) => e.on === "any" || e.on === endpoint)
    if (index < 0) return undefined
    const entry = entries[index] as FaultEntry
    entry.remaining -= 1
    if (entry.remaining <= 0) entries.splice(index, 1)
    return entry.fault
  }

  const headersOf = (req: IncomingMessage) => {
    const headers: Record<string, string | undefined> = {}
    for (const [name, value] of Object.entries(req.headers)) {
      if (name === "authorization") continue
      headers[name] = Array.isArray(value) ? value.join(", ") : value
    }
    return headers
  }

  const sleep = (ms: number) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve())

  const send = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {}
  ): number => {
    if (res.writableEnded || res.destroyed) return status
    const payload = body === undefined ? "" : JSON.stringify(body)
    res.writeHead(status, {
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      "content-length": Buffer.byteLength(payload),
      ...headers
    })
    res.end(payload)
    return status
  }

  /** Apply a fault; returns what was done for the request log. */
  const applyFault = (
    req: IncomingMessage,
    res: ServerResponse,
    fault: SandboxFault
  ): number | "hang" | "reset" => {
    if ("kind" in fault) {
      if (fault.kind === "hang") {
        hanging.add(res)
        res.on("close", () => hanging.delete(res))
        return "hang"
      }
      req.socket.destroy()
      return "reset"
    }
    if (fault.status === 429) {
      const f = fault as { retryAfterSeconds?: number; withRateLimitHeader?: boolean }
      const retryAfter = f.retryAfterSeconds ?? 1
      return send(
        res,
        429,
        { error: "rate_limit_exceeded" },
        {
          "retry-after": String(retryAfter),
          ...(f.withRateLimitHeader === false
            ? {}
            : {
                "x-ratelimit": JSON.stringify({
                  name: "AUTHED_API_POST_LIMIT",
                  period: 1,
                  limit: 1,
                  remaining: 0,
                  until: new Date(Date.now() + retryAfter * 1000).toISOString()
                })
              })
        }
      )
    }
    const body =
      "body" in fault && fault.body !== undefined ? fault.body : { error: `sandbox fault ${fault.status}` }
    return send(res, fault.status, body)
  }

  /** The account behind a bearer token; 401 when missing, unknown, revoked or expired. */
  const authenticate = (req: IncomingMessage): string => {
    const header = req.headers.authorization
    const match = header === undefined ? null : /^Bearer (.+)$/i.exec(header)
    const entry = match?.[1] === undefined ? undefined : accessTokens.get(match[1])
    if (entry === undefined || entry.revoked || entry.expiresAt <= Date.now())
      throw new HttpError(401, { error: "invalid_token", error_description: "the access token is invalid" })
    return entry.username
  }

  const requireApiHeaders = (req: IncomingMessage) => {
    if (req.headers["trakt-api-key"] !== clientId)
      throw new HttpError(403, { error: "forbidden", error_description: "invalid or missing trakt-api-key" })
    if (req.headers["trakt-api-version"] !== "2")
      throw new HttpError(400, { error: "bad_request", error_description: "trakt-api-version must be 2" })
  }

  const authorizePage = (params: URLSearchParams) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Trakt sandbox: sign in</title></head>
<body>
<h1>Trakt sandbox</h1>
<p>Sign in as any account name to authorize this app.</p>
<form method="post" action="/oauth/authorize">
${["client_id", "redirect_uri", "state"]
  .map((k) => `<input type="hidden" name="${k}" value="${escapeHtml(params.get(k) ?? "")}">`)
  .join("\n")}
<label>Username <input name="username" autocomplete="off" required></label>
<button type="submit">Sign in and authorize</button>
</form>
</body></html>`

  const handleAuthorize = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<number> => {
    const params = req.method === "POST" ? new URLSearchParams(await readBody(req)) : url.searchParams
    if (req.method === "GET" && params.get("response_type") !== "code")
      throw new HttpError(400, { error: "unsupported_response_type" })
    if (params.get("client_id") !== clientId) throw new HttpError(401, { error: "invalid_client" })
    const redirectUri = params.get("redirect_uri")
    if (redirectUri === null || !URL.canParse(redirectUri))
      throw new HttpError(400, { error: "invalid_request", error_description: "redirect_uri is required" })
    const username = req.method === "POST" ? params.get("username") : params.get("sandbox_username")
    if (username === null || username.trim() === "") {
      const html = authorizePage(params)
      res.writeHead(200, {
        "content-type": "text/html; charset=utf-8",
        "content-length": Buffer.byteLength(html)
      })
      res.end(html)
      return 200
    }
    const state = params.get("state")
    const { redirectUrl } = authorize({
      username: username.trim(),
      redirectUri,
      ...(state !== null ? { state } : {})
    })
    res.writeHead(302, { location: redirectUrl, "content-length": 0 })
    res.end()
    return 302
  }

  const handleToken = async (
    req: IncomingMessage,
    res: ServerResponse,
    note: (username: string) => void
  ): Promise<number | "hang" | "reset"> => {
    const body = parseJsonBody(await readBody(req))
    if (body.client_id !== clientId || body.client_secret !== clientSecret)
      throw new HttpError(401, {
        error: "invalid_client",
        error_description: "unknown client or wrong secret"
      })
    const invalidGrant = (description: string) =>
      new HttpError(400, { error: "invalid_grant", error_description: description })
    if (body.grant_type === "authorization_code") {
      const code = typeof body.code === "string" ? codes.get(body.code) : undefined
      if (code === undefined || code.used || code.expiresAt <= Date.now())
        throw invalidGrant("the authorization code is invalid, expired or used")
      if (code.redirectUri !== body.redirect_uri) throw invalidGrant("redirect_uri does not match")
      note(code.username)
      const fault = takeFault(code.username, "token")
      if (fault !== undefined) return applyFault(req, res, fault)
      await sleep(globalLatency + (latencies.get(code.username) ?? 0))
      code.used = true
      return send(res, 200, issueTokens(code.username))
    }
    if (body.grant_type === "refresh_token") {
      const refresh =
        typeof body.refresh_token === "string" ? refreshTokens.get(body.refresh_token) : undefined
      if (refresh === undefined || refresh.used) throw invalidGrant("the refresh token is invalid or used")
      note(refresh.username)
      const fault = takeFault(refresh.username, "token")
      if (fault !== undefined) return applyFault(req, res, fault)
      await sleep(globalLatency + (latencies.get(refresh.username) ?? 0))
      // Single use: the old pair dies with the refresh.
      refresh.used = true
      const old = accessTokens.get(refresh.access)
      if (old !== undefined) old.revoked = true
      return send(res, 200, issueTokens(refresh.username))
    }
    throw new HttpError(400, { error: "unsupported_grant_type" })
  }

  const handleSettings = async (
    req: IncomingMessage,
    res: ServerResponse,
    username: string
  ): Promise<number | "hang" | "reset"> => {
    const fault = takeFault(username, "settings")
    if (fault !== undefined) return applyFault(req, res, fault)
    await sleep(globalLatency + (latencies.get(username) ?? 0))
    return send(res, 200, {
      user: { username, private: false, name: username, vip: false, ids: { slug: username.toLowerCase() } },
      account: { timezone: "UTC", time_24hr: true },
      connections: {},
      sharing_text: {}
    })
  }

  const handleScrobble = async (
    req: IncomingMessage,
    res: ServerResponse,
    username: string,
    action: "start" | "pause" | "stop"
  ): Promise<number | "hang" | "reset"> => {
    const body = parseJsonBody(await readBody(req))
    const fault = takeFault(username, "scrobble")
    if (fault !== undefined) return applyFault(req, res, fault)
    // Trakt counts POSTs as they arrive, before any work (the latency) is done.
    const arrival = Date.now()
    const last = lastPost.get(username)
    if (postInterval > 0) lastPost.set(username, arrival)
    await sleep(globalLatency + (latencies.get(username) ?? 0))
    if (postInterval > 0 && last !== undefined && arrival - last < postInterval) {
      const wait = Math.max(1, Math.ceil((postInterval - (arrival - last)) / 1000))
      return applyFault(req, res, { status: 429, retryAfterSeconds: wait })
    }
    const now = Date.now()
    const item = validItem(body)
    if (item === undefined)
      throw new HttpError(400, {
        error: "bad_request",
        error_description: "a movie, an episode or a show with ids is required"
      })
    if (!isKnownItem(item)) throw new HttpError(404, { error: "not_found" })
    const progress = body.progress
    if (typeof progress !== "number" || !Number.isFinite(progress) || progress < 0 || progress > 100)
      throw new HttpError(422, { error: "unprocessable", error_description: "progress must be 0 to 100" })
    if (action === "stop" && progress < 1)
      throw new HttpError(422, { error: "unprocessable", error_description: "progress is below 1 %" })
    let result: SandboxScrobble["result"] = action
    if (action === "stop" && progress >= 80) {
      const key = itemKey(item)
      const previous = [...playLog]
        .reverse()
        .find((p) => p.username === username && itemKey(p.item) === key && now - p.watchedAt < window)
      if (previous !== undefined) {
        return send(res, 409, {
          watched_at: new Date(previous.watchedAt).toISOString(),
          expires_at: new Date(previous.watchedAt + window).toISOString()
        })
      }
      playLog.push({ username, item, watchedAt: now })
      result = "scrobble"
    } else if (action === "stop") {
      result = "pause"
    }
    scrobbleLog.push({ username, action, result, progress, item, appVersion: body.app_version, at: now })
    return send(res, 201, {
      id: scrobbleLog.length,
      action: result,
      progress,
      sharing: { twitter: false, mastodon: false, tumblr: false },
      ...item
    })
  }

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://sandbox")
    const path = url.pathname.replace(/\/+$/, "") || "/"
    let username: string | undefined
    const note = (name: string) => {
      username = name
    }
    let status: number | "hang" | "reset"
    const allow = (methods: ReadonlyArray<string>) => {
      if (!methods.includes(req.method ?? ""))
        throw new HttpError(405, { error: "method_not_allowed", allow: methods.join(", ") })
    }
    try {
      if (path === "/oauth/authorize") {
        allow(["GET", "POST"])
        status = await handleAuthorize(req, res, url)
      } else if (path === "/oauth/token") {
        allow(["POST"])
        status = await handleToken(req, res, note)
      } else if (path === "/users/settings") {
        allow(["GET"])
        requireApiHeaders(req)
        username = authenticate(req)
        status = await handleSettings(req, res, username)
      } else if (path === "/scrobble/start" || path === "/scrobble/pause" || path === "/scrobble/stop") {
        allow(["POST"])
        requireApiHeaders(req)
        username = authenticate(req)
        status = await handleScrobble(req, res, username, path.slice("/scrobble/".length) as "start")
      } else if (path.startsWith("/_sandbox/")) {
        status = await control(req, res, path.slice("/_sandbox/".length), url)
      } else {
        throw new HttpError(404, { error: "not_found" })
      }
    } catch (error) {
      status =
        error instanceof HttpError
          ? send(res, error.status, error.body)
          : send(res, 500, { error: "sandbox_error" })
    }
    requestLog.push({
      method: req.method ?? "",
      path,
      status,
      ...(username !== undefined ? { username } : {}),
      headers: headersOf(req),
      at: Date.now()
    })
  }

  /** The control surface, for tests that drive the sandbox from another process. */
  const control = async (
    req: IncomingMessage,
    res: ServerResponse,
    action: string,
    url: URL
  ): Promise<number> => {
    const user = url.searchParams.get("username") ?? undefined
    if (req.method === "GET" && action === "scrobbles") return send(res, 200, sandbox.scrobbles(user))
    if (req.method === "GET" && action === "plays") return send(res, 200, sandbox.plays(user))
    const actions = ["faults", "clear-faults", "latency", "expire", "reset"]
    if (!actions.includes(action)) throw new HttpError(404, { error: "not_found" })
    if (req.method !== "POST") throw new HttpError(405, { error: "method_not_allowed" })
    const body = parseJsonBody((await readBody(req)) || "{}")
    const name = typeof body.username === "string" ? body.username : undefined
    switch (action) {
      case "faults":
        if (name === undefined || body.fault === null || typeof body.fault !== "object")
          throw new HttpError(400, { error: "username and fault are required" })
        sandbox.injectFault(name, body.fault as SandboxFault, (body.options ?? {}) as FaultOptions)
        return send(res, 204, undefined)
      case "clear-faults":
        sandbox.clearFaults(name)
        return send(res, 204, undefined)
      case "latency":
        if (name === undefined || typeof body.ms !== "number")
          throw new HttpError(400, { error: "username and ms are required" })
        sandbox.setLatency(name, body.ms)
        return send(res, 204, undefined)
      case "expire":
        sandbox.expireAccessTokens(name)
        return send(res, 204, undefined)
      case "reset":
        sandbox.reset()
        return send(res, 204, undefined)
      default:
        throw new HttpError(404, { error: "not_found" })
    }
  }

  const server: Server = createServer({ keepAlive: true }, (req, res) => {
    route(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { error: "sandbox_error" })
    })
  })
  server.keepAliveTimeout = 60_000
  const sockets = new Set<Socket>()
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve())
  })
  const address = server.address() as AddressInfo
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address

  const sandbox: TraktSandbox = {
    url: `http://${host}:${address.port}`,
    clientId,
    clientSecret,
    authorize,
    issueTokens,
    expireAccessTokens: (username) => {
      for (const entry of accessTokens.values())
        if (username === undefined || entry.username === username) entry.expiresAt = 0
    },
    revokeAuthorization: (username) => {
      for (const entry of accessTokens.values()) if (entry.username === username) entry.revoked = true
      for (const entry of refreshTokens.values()) if (entry.username === username) entry.used = true
    },
    injectFault: (username, fault, faultOptions = {}) => {
      const entries = faults.get(username) ?? []
      entries.push({
        fault,
        remaining: faultOptions.times ?? Number.POSITIVE_INFINITY,
        on: faultOptions.on ?? "scrobble"
      })
      faults.set(username, entries)
    },
    setLatency: (username, ms) => {
      latencies.set(username, ms)
    },
    clearFaults: (username) => {
      if (username === undefined) faults.clear()
      else faults.delete(username)
    },
    scrobbles: (username) => scrobbleLog.filter((s) => username === undefined || s.username === username),
    plays: (username) => playLog.filter((p) => username === undefined || p.username === username),
    requests: (username) => requestLog.filter((r) => username === undefined || r.username === username),
    reset: () => {
      codes.clear()
      accessTokens.clear()
      refreshTokens.clear()
      faults.clear()
      latencies.clear()
      lastPost.clear()
      scrobbleLog.length = 0
      playLog.length = 0
      requestLog.length = 0
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy()
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
  return sandbox
}
