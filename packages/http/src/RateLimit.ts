/**
 * Per-client rate limits for the endpoints anyone can reach: a fixed window of
 * `limit` requests per `window` for each rule and client, answered past it with
 * 429, `Retry-After` and a JSON `{ _tag: "TooManyRequests", message, retryAfter }`.
 *
 * The client is the connection's remote address, or with `trustProxy` the first
 * address of `X-Forwarded-For` (set it only behind a proxy you run: anyone can send
 * that header). A request whose client is unknown (a web-standard handler given
 * no address) is not limited. The counts live in this process: several
 * processes each allow the limit.
 */
import { HttpMiddleware, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Clock, Duration, Effect, Option } from "effect"
import { urlPath } from "./UrlPath.js"

export interface RateLimitRule {
  /** Names the rule in messages and keeps its counts apart from other rules'. */
  readonly name: string
  /** Which requests the rule counts. */
  readonly match: (method: string, path: string) => boolean
  /** Requests a client may make per window. */
  readonly limit: number
  readonly window: Duration.DurationInput
}

export interface RateLimitOptions {
  readonly rules: ReadonlyArray<RateLimitRule>
  /** Take the client from `X-Forwarded-For` (behind your own proxy only). Default false. */
  readonly trustProxy?: boolean | undefined
  /** Clients remembered at most; expired windows are dropped first. Default 100,000. */
  readonly maxClients?: number | undefined
}

interface Window {
  count: number
  readonly resetAt: number
}

const clientOf = (request: HttpServerRequest.HttpServerRequest, trustProxy: boolean): string | undefined => {
  if (trustProxy) {
    const forwarded = request.headers["x-forwarded-for"]?.split(",")[0]?.trim()
    if (forwarded !== undefined && forwarded.length > 0) return forwarded
  }
  return Option.getOrUndefined(request.remoteAddress)
}

/** The limits as a middleware: apply it to the app, inside `makeSecurityHeaders`. */
export const makeRateLimit = (options: RateLimitOptions) => {
  const rules = options.rules.map((rule) => ({
    ...rule,
    windowMs: Duration.toMillis(Duration.decode(rule.window))
  }))
  const trustProxy = options.trustProxy ?? false
  const maxClients = options.maxClients ?? 100_000
  const windows = new Map<string, Window>()

  const sweep = (now: number) => {
    for (const [key, window] of windows) if (window.resetAt <= now) windows.delete(key)
    // Still full: the oldest entries go (a Map iterates in insertion order).
    for (const key of windows.keys()) {
      if (windows.size < maxClients) break
      windows.delete(key)
    }
  }

  return HttpMiddleware.make((app) =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const path = urlPath(request.url)
      const rule = rules.find((r) => r.match(request.method, path))
      if (rule === undefined) return yield* app
      const client = clientOf(request, trustProxy)
      if (client === undefined) return yield* app
      const now = yield* Clock.currentTimeMillis
      const key = `${rule.name}\u0000${client}`
      let window = windows.get(key)
      if (window === undefined || window.resetAt <= now) {
        if (windows.size >= maxClients) sweep(now)
        window = { count: 0, resetAt: now + rule.windowMs }
        windows.set(key, window)
      }
      window.count++
      if (window.count <= rule.limit) return yield* app
      const retryAfter = Math.max(1, Math.ceil((window.resetAt - now) / 1000))
      yield* Effect.logWarning("rate limit reached").pipe(Effect.annotateLogs({ rule: rule.name, path }))
      return HttpServerResponse.unsafeJson(
        {
          _tag: "TooManyRequests",
          message: `Too many requests (${rule.name}: ${rule.limit} per ${Duration.format(Duration.millis(rule.windowMs))}); try again in ${retryAfter} s.`,
          retryAfter
        },
        { status: 429, headers: { "retry-after": String(retryAfter) } }
      )
    })
  )
}
