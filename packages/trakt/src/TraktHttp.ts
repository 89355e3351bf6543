/**
 * One HTTP exchange with Trakt over an undici dispatcher, and the mapping of
 * everything that can go wrong into the port's two failure types.
 */
import { type TraktFailure, TraktNetworkFailure, traktHttpFailure } from "@org/family-scrobble"
import { Duration, Effect, Redacted } from "effect"
import { type Dispatcher, errors } from "undici"
import type { ResolvedTraktConfig } from "./TraktConfig.js"

export interface TraktRequest {
  readonly method: "GET" | "POST"
  /** Absolute URL. */
  readonly url: string
  readonly accessToken?: Redacted.Redacted<string>
  readonly body?: unknown
}

export interface TraktResponse {
  readonly status: number
  /** Parsed JSON body, or `undefined` when empty or not JSON. */
  readonly json: unknown
}

/** Largest error body read for its description; the rest is discarded. */
const MAX_ERROR_BODY = 8 * 1024

const headerValue = (value: string | ReadonlyArray<string> | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : (value as string | undefined)

/** `Retry-After` is seconds or an HTTP date. */
export const parseRetryAfter = (value: string | undefined, nowMillis: number): number | undefined => {
  if (value === undefined || value.trim() === "") return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - nowMillis) / 1000))
}

/** A short, secret-free description of an error body. */
const describeErrorBody = (json: unknown, text: string): string | undefined => {
  if (json !== null && typeof json === "object") {
    const record = json as Record<string, unknown>
    for (const key of ["error_description", "error", "message"]) {
      const value = record[key]
      if (typeof value === "string" && value.length > 0) return value.slice(0, 200)
    }
  }
  const trimmed = text.trim()
  return trimmed.length > 0 && trimmed.length <= 200 && !trimmed.startsWith("<") ? trimmed : undefined
}

const parseJson = (text: string): unknown => {
  if (text.length === 0) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const toNetworkFailure = (error: unknown, timeout: Duration.Duration): TraktFailure => {
  if (
    error instanceof errors.HeadersTimeoutError ||
    error instanceof errors.BodyTimeoutError ||
    error instanceof errors.ConnectTimeoutError
  ) {
    return new TraktNetworkFailure({ reason: "timeout", detail: error.code })
  }
  if (error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError")) {
    return new TraktNetworkFailure({
      reason: "timeout",
      detail: `no answer within ${Duration.format(timeout)}`
    })
  }
  const code =
    error !== null && typeof error === "object" && "code" in error && typeof error.code === "string"
      ? error.code
      : error instanceof Error
        ? error.name
        : "unknown error"
  return new TraktNetworkFailure({ reason: "connection", detail: code })
}

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

/** Send one request; non-2xx answers are `TraktHttpFailure`, no answer is `TraktNetworkFailure`. */
export const traktRequest = (
  dispatcher: Dispatcher,
  config: ResolvedTraktConfig,
  request: TraktRequest
): Effect.Effect<TraktResponse, TraktFailure> =>
  Effect.tryPromise({
    try: async (interrupted) => {
      // The request's deadline is an abort signal rather than an Effect timeout:
      // one timer per request, and no extra fibers per member in a broadcast.
      const signal = withDeadline(interrupted, Duration.toMillis(config.requestTimeout))
      const headers: Record<string, string> = {
        "content-type": "application/json",
        "trakt-api-version": "2",
        "trakt-api-key": config.clientId,
        "user-agent": config.userAgent
      }
      if (request.accessToken !== undefined)
        headers.authorization = `Bearer ${Redacted.value(request.accessToken)}`
      const url = new URL(request.url)
      const response = await dispatcher.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: request.method,
        headers,
        signal,
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) })
      })
      const ok = response.statusCode >= 200 && response.statusCode < 300
      let text = ""
      if (ok) {
        text = await response.body.text()
      } else {
        // Read a bounded prefix of an error body and drop the rest.
        const chunks: Array<Buffer> = []
        let size = 0
        for await (const chunk of response.body) {
          const buffer = chunk as Buffer
          if (size < MAX_ERROR_BODY) chunks.push(buffer)
          size += buffer.length
        }
        text = Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY).toString("utf8")
      }
      return {
        status: response.statusCode,
        text,
        retryAfter: headerValue(response.headers["retry-after"]),
        rateLimit: headerValue(response.headers["x-ratelimit"])
      }
    },
    catch: (error) => toNetworkFailure(error, config.requestTimeout)
  }).pipe(
    Effect.flatMap((answer) => {
      const json = parseJson(answer.text)
      const retryAfterSeconds = parseRetryAfter(answer.retryAfter, Date.now())
      if (answer.status >= 200 && answer.status < 300) return Effect.succeed({ status: answer.status, json })
      const detail = describeErrorBody(json, answer.text)
      const watchedAt =
        answer.status === 409 && json !== null && typeof json === "object"
          ? (json as Record<string, unknown>).watched_at
          : undefined
      return Effect.fail(
        traktHttpFailure(answer.status, {
          ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
          ...(answer.rateLimit !== undefined ? { rateLimit: answer.rateLimit } : {}),
          ...(typeof watchedAt === "string"
            ? { detail: `already scrobbled at ${watchedAt}` }
            : detail !== undefined
              ? { detail }
              : {})
        })
      )
    })
  )
