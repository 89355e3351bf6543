/**
 * A Discord webhook sink: a real HTTP server on loopback that answers
 * `POST /api[/v<n>]/webhooks/<id>/<token>` as Discord does — 204, or 200 with
 * the message under `?wait=true`; 404 "Unknown Webhook" for another id, 401 for
 * a wrong token, 400 for an empty or oversized message — sends the
 * `X-RateLimit-*` headers, and can be told to misbehave: 429 with
 * `retry_after`, any status, a slow answer, a dropped connection. With
 * `rateLimit` set it also enforces a limit per window, like Discord.
 *
 * Rate-limit values are in seconds, as in API v8 and later.
 */

import { randomBytes } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { Effect } from "effect"
import { makeFailureQueue, makeMessageWaiters } from "./sinkState.js"

export type DiscordSinkFailure =
  /** 429 with `retry_after` in the body and, unless turned off, `Retry-After`. */
  | {
      readonly kind: "rateLimited"
      readonly retryAfterSeconds: number
      readonly global?: boolean
      /** Send the `Retry-After` header (whole seconds, rounded up). Default true. */
      readonly retryAfterHeader?: boolean
      /** Put `retry_after` in the JSON body. Default true. */
      readonly retryAfterBody?: boolean
    }
  /** Answer with `status` and a Discord-style `{ message, code }` body (or `body`). */
  | { readonly kind: "status"; readonly status: number; readonly body?: unknown }
  /** Answer normally after `delayMs`; the message is posted even if the client gave up, as Discord would. */
  | { readonly kind: "slow"; readonly delayMs: number }
  /** Destroy the connection without answering. */
  | { readonly kind: "drop" }

export interface DiscordFailureOptions {
  /** How many requests it applies to. Default: until cleared. */
  readonly times?: number
}

export interface DiscordSinkOptions {
  /** Default `127.0.0.1`. */
  readonly host?: string
  /** Default 0: a free port. */
  readonly port?: number
  /** Default `"112233445566778899"`. */
  readonly webhookId?: string
  /** Default: random. */
  readonly token?: string
  /** Enforce a limit like Discord's (5 per 2 s per webhook): faster posts get 429. Default off. */
  readonly rateLimit?: { readonly requests: number; readonly windowMs: number }
}

/** A message the sink accepted. */
export interface ReceivedDiscordMessage {
  readonly id: string
  readonly content?: string
  readonly embeds: ReadonlyArray<Record<string, unknown>>
  readonly username?: string
  readonly allowedMentions?: unknown
  /** The whole JSON body. */
  readonly body: Readonly<Record<string, unknown>>
  /** Whether `?wait=true` was sent. */
  readonly wait: boolean
  /** The API version in the path, if any. */
  readonly apiVersion?: number
  readonly at: number
}

/** Every request, answered or not. Paths have the token replaced by `***`. */
export interface DiscordSinkRequest {
  readonly method: string
  readonly path: string
  readonly status: number | "dropped"
  readonly at: number
}

export interface DiscordSink {
  /** `http://host:port`. */
  readonly url: string
  /** The webhook URL as Discord hands it out: `http://host:port/api/webhooks/<id>/<token>`. */
  readonly webhookUrl: string
  readonly webhookId: string
  readonly token: string
  readonly messages: ReadonlyArray<ReceivedDiscordMessage>
  readonly requests: ReadonlyArray<DiscordSinkRequest>
  /** Client connections open right now. */
  readonly openConnections: number
  /** Replace every failure with this one. */
  setFailure(failure: DiscordSinkFailure, options?: DiscordFailureOptions): void
  /** Add a failure; earlier ones are tried first. */
  addFailure(failure: DiscordSinkFailure, options?: DiscordFailureOptions): void
  clearFailures(): void
  /** Resolve once `count` messages have arrived. Default timeout 5 s. */
  waitForMessages(count: number, timeoutMs?: number): Promise<ReadonlyArray<ReceivedDiscordMessage>>
  /** Forget messages, requests, failures and the rate window. */
  reset(): void
  close(): Promise<void>
}

const WEBHOOK_PATH = /^\/api(?:\/v(\d+))?\/webhooks\/([^/]+)\/([^/]+)\/?$/
const MAX_BODY = 256 * 1024

const discordError = (status: number): { message: string; code: number } => {
  switch (status) {
    case 400:
      return { message: "Invalid Form Body", code: 50035 }
    case 401:
      return { message: "Invalid Webhook Token", code: 50027 }
    case 403:
      return { message: "Missing Access", code: 50001 }
    case 404:
      return { message: "Unknown Webhook", code: 10015 }
    default:
      return { message: `${status}: ${status >= 500 ? "Internal Server Error" : "Error"}`, code: 0 }
  }
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_BODY) chunks.push(chunk)
    })
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

let snowflake = 1_200_000_000_000_000_000n

/** Start a sink; `close()` it when done. */
export const startDiscordSink = async (options: DiscordSinkOptions = {}): Promise<DiscordSink> => {
  const host = options.host ?? "127.0.0.1"
  const webhookId = options.webhookId ?? "112233445566778899"
  const token = options.token ?? randomBytes(34).toString("base64url")
  const messages: Array<ReceivedDiscordMessage> = []
  const requests: Array<DiscordSinkRequest> = []
  const failures = makeFailureQueue<DiscordSinkFailure>()
  let windowStarts: Array<number> = []
  const waiters = makeMessageWaiters(messages)
  const sockets = new Set<Socket>()
  const limit = options.rateLimit?.requests ?? 5
  const windowMs = options.rateLimit?.windowMs ?? 2_000

  const take = (): DiscordSinkFailure | undefined => failures.take()

  const redactPath = (path: string) => path.split(token).join("***")

  /** Discord's bucket headers, from the sink's window. */
  const bucketHeaders = (now: number): Record<string, string> => {
    const live = windowStarts.filter((start) => start > now - windowMs)
    const resetAt = (live[0] ?? now) + windowMs
    return {
      "x-ratelimit-bucket": `webhook-${webhookId}`,
      "x-ratelimit-limit": String(limit),
      "x-ratelimit-remaining": String(Math.max(0, limit - live.length)),
      "x-ratelimit-reset": (resetAt / 1000).toFixed(3),
      "x-ratelimit-reset-after": ((resetAt - now) / 1000).toFixed(3)
    }
  }

  const answer = (
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {}
  ) => {
    requests.push({ method: req.method ?? "", path: redactPath(req.url ?? ""), status, at: Date.now() })
    const text = body === undefined ? "" : JSON.stringify(body)
    res.writeHead(status, {
      ...headers,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      "content-length": String(Buffer.byteLength(text))
    })
    res.end(text)
  }

  const rateLimited = (
    req: IncomingMessage,
    res: ServerResponse,
    retryAfter: number,
    global: boolean,
    withHeader: boolean,
    withBody: boolean
  ) =>
    answer(
      req,
      res,
      429,
      {
        message: "You are being rate limited.",
        ...(withBody ? { retry_after: retryAfter } : {}),
        global
      },
      {
        ...bucketHeaders(Date.now()),
        "x-ratelimit-scope": global ? "global" : "shared",
        ...(global ? { "x-ratelimit-global": "true" } : {}),
        ...(withHeader ? { "retry-after": String(Math.ceil(retryAfter)) } : {})
      }
    )

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://sink")
    const text = await readBody(req)
    let failure = take()
    if (failure?.kind === "slow") {
      const { delayMs } = failure
      await new Promise((resolve) => setTimeout(resolve, delayMs))
      failure = undefined
    }
    if (failure?.kind === "drop") {
      requests.push({
        method: req.method ?? "",
        path: redactPath(req.url ?? ""),
        status: "dropped",
        at: Date.now()
      })
      req.socket.destroy()
      return
    }
    if (failure?.kind === "rateLimited")
      return rateLimited(
        req,
        res,
        failure.retryAfterSeconds,
        failure.global ?? false,
        failure.retryAfterHeader ?? true,
        failure.retryAfterBody ?? true
      )
    if (failure?.kind === "status")
      return answer(
        req,
        res,
        failure.status,
        failure.body ?? discordError(failure.status),
        bucketHeaders(Date.now())
      )

    const match = WEBHOOK_PATH.exec(url.pathname)
    if (match === null) return answer(req, res, 404, { message: "404: Not Found", code: 0 })
    if (req.method !== "POST") return answer(req, res, 405, { message: "405: Method Not Allowed", code: 0 })
    const [, version, id, tokenInPath] = match
    if (id !== webhookId) return answer(req, res, 404, discordError(404))
    if (tokenInPath !== token) return answer(req, res, 401, discordError(401))

    const now = Date.now()
    if (options.rateLimit !== undefined) {
      windowStarts = windowStarts.filter((start) => start > now - windowMs)
      if (windowStarts.length >= limit) {
        const retryAfter = ((windowStarts[0] ?? now) + windowMs - now) / 1000
        return rateLimited(req, res, Number(retryAfter.toFixed(3)), false, true, true)
      }
    }

    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      return answer(req, res, 400, { message: "The request body contains invalid JSON.", code: 50109 })
    }
    if (body === null || typeof body !== "object" || Array.isArray(body))
      return answer(req, res, 400, discordError(400))
    const record = body as Record<string, unknown>
    const content = typeof record.content === "string" ? record.content : undefined
    const embeds = Array.isArray(record.embeds) ? (record.embeds as Array<Record<string, unknown>>) : []
    if ((content === undefined || content === "") && embeds.length === 0)
      return answer(req, res, 400, { message: "Cannot send an empty message", code: 50006 })
    if ((content?.length ?? 0) > 2000 || embeds.length > 10)
      return answer(req, res, 400, {
        message: "Invalid Form Body",
        code: 50035,
        errors: {
          content: {
            _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message: "Must be 2000 or fewer in length." }]
          }
        }
      })

    windowStarts.push(now)
    const wait = url.searchParams.get("wait") === "true"
    snowflake += 1n
    const message: ReceivedDiscordMessage = {
      id: snowflake.toString(),
      ...(content === undefined ? {} : { content }),
      embeds,
      ...(typeof record.username === "string" ? { username: record.username } : {}),
      ...(record.allowed_mentions === undefined ? {} : { allowedMentions: record.allowed_mentions }),
      body: record,
      wait,
      ...(version === undefined ? {} : { apiVersion: Number(version) }),
      at: now
    }
    messages.push(message)
    waiters.notify()
    const headers = bucketHeaders(now)
    if (!wait) return answer(req, res, 204, undefined, headers)
    return answer(
      req,
      res,
      200,
      {
        id: message.id,
        type: 0,
        content: content ?? "",
        embeds,
        channel_id: "998877665544332211",
        webhook_id: webhookId,
        author: {
          id: webhookId,
          username: typeof record.username === "string" ? record.username : "Sink",
          bot: true
        },
        timestamp: new Date(now).toISOString()
      },
      headers
    )
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) answer(req, res, 500, discordError(500))
      else res.destroy()
    })
  })
  server.on("connection", (socket: Socket) => {
    sockets.add(socket)
    socket.once("close", () => sockets.delete(socket))
  })

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  const url = `http://${host}:${port}`

  return {
    url,
    webhookUrl: `${url}/api/webhooks/${webhookId}/${token}`,
    webhookId,
    token,
    get messages() {
      return [...messages]
    },
    get requests() {
      return [...requests]
    },
    get openConnections() {
      return sockets.size
    },
    setFailure(failure, opts = {}) {
      failures.set(failure, opts)
    },
    addFailure(failure, opts = {}) {
      failures.add(failure, opts)
    },
    clearFailures() {
      failures.clear()
    },
    waitForMessages(count, timeoutMs) {
      return waiters.waitFor(count, timeoutMs)
    },
    reset() {
      messages.length = 0
      requests.length = 0
      failures.clear()
      windowStarts = []
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
      })
    }
  }
}

/** A sink that lives as long as the enclosing scope. */
export const scopedDiscordSink = (options: DiscordSinkOptions = {}) =>
  Effect.acquireRelease(
    Effect.promise(() => startDiscordSink(options)),
    (sink) => Effect.promise(() => sink.close())
  )
