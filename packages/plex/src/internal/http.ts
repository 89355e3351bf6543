/**
 * One HTTP exchange over an undici dispatcher, shared by the plex.tv and Tautulli
 * clients: a deadline per request, bounded error bodies, and a classification of
 * what went wrong that each client turns into its own port error.
 */
import { Duration, Effect } from "effect"
import { Agent, type Dispatcher, errors } from "undici"

export interface HttpRequest {
  readonly method: "GET" | "DELETE"
  /** Absolute URL. */
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly timeout: Duration.Duration
}

export interface HttpAnswer {
  readonly status: number
  /** The whole body on 2xx, a bounded prefix otherwise. */
  readonly text: string
}

/** No answer at all: the deadline passed, or the connection failed or was dropped. */
export interface HttpNoAnswer {
  readonly reason: "timeout" | "connection"
  readonly detail: string
}

/** Largest error body read for its description; the rest is discarded. */
const MAX_ERROR_BODY = 8 * 1024

/** `signal`, also aborted after `ms` (`AbortSignal.any` is Node ≥ 20.3; engines allow any 20). */
const withDeadline = (signal: AbortSignal, ms: number): AbortSignal => {
  const deadline = AbortSignal.timeout(ms)
  if (typeof AbortSignal.any === "function") return AbortSignal.any([signal, deadline])
  const controller = new AbortController()
  const abort = (source: AbortSignal) => () => controller.abort(source.reason)
  signal.addEventListener("abort", abort(signal), { once: true })
  deadline.addEventListener("abort", abort(deadline), { once: true })
  return controller.signal
}

const toNoAnswer = (error: unknown, timeout: Duration.Duration): HttpNoAnswer => {
  if (
    error instanceof errors.HeadersTimeoutError ||
    error instanceof errors.BodyTimeoutError ||
    error instanceof errors.ConnectTimeoutError
  )
    return { reason: "timeout", detail: error.code }
  if (error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError"))
    return { reason: "timeout", detail: `no answer within ${Duration.format(timeout)}` }
  // Only the error's code or class name: undici messages can carry the URL, and a URL can carry a key.
  const code =
    error !== null && typeof error === "object" && "code" in error && typeof error.code === "string"
      ? error.code
      : error instanceof Error
        ? error.name
        : "unknown error"
  return { reason: "connection", detail: code }
}

/** Send one request; any HTTP status is an answer, no answer is `HttpNoAnswer`. */
export const httpRequest = (
  dispatcher: Dispatcher,
  request: HttpRequest
): Effect.Effect<HttpAnswer, HttpNoAnswer> =>
  Effect.tryPromise({
    try: async (interrupted) => {
      // A deadline as an abort signal rather than an Effect timeout: it also
      // cancels the body read, and frees the connection at once.
      const signal = withDeadline(interrupted, Duration.toMillis(request.timeout))
      const url = new URL(request.url)
      const response = await dispatcher.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: request.method,
        headers: request.headers,
        signal
      })
      if (response.statusCode >= 200 && response.statusCode < 300)
        return { status: response.statusCode, text: await response.body.text() }
      const chunks: Array<Buffer> = []
      let size = 0
      for await (const chunk of response.body) {
        const buffer = chunk as Buffer
        if (size < MAX_ERROR_BODY) chunks.push(buffer)
        size += buffer.length
      }
      return {
        status: response.statusCode,
        text: Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY).toString("utf8")
      }
    },
    catch: (error) => toNoAnswer(error, request.timeout)
  })

/** Whether trying again later may succeed: rate limits and server errors. */
export const retryableStatus = (status: number): boolean => status === 429 || status >= 500

/** `text` with every occurrence of `secret` masked, for messages built from bodies. */
export const scrub = (text: string, secret: string): string =>
  secret.length === 0 ? text : text.split(secret).join("***")

/** A small keep-alive agent closed with the scope: these adapters make a few calls per cycle. */
export const scopedAgent = Effect.acquireRelease(
  Effect.sync(
    () =>
      new Agent({
        connections: 8,
        pipelining: 1,
        keepAliveTimeout: 10_000,
        connect: { timeout: 10_000 }
      })
  ),
  (agent) => Effect.promise(() => agent.close().catch(() => agent.destroy()))
)

export const trimSlash = (url: string): string => url.replace(/\/+$/, "")
