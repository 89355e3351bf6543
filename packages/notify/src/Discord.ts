/**
 * Chat alerts through a Discord webhook: the `DiscordWebhook` port and its layer
 * over undici. The layer paces itself (Discord allows about 5 posts per 2 s per
 * webhook), waits out a 429 for the `retry_after` Discord asks, retries 5xx and
 * connection failures with backoff, and never lets the webhook's token (part of
 * its URL) reach an error or a log line.
 */
import { NoticeError } from "@org/prune"
import { Clock, Config, type ConfigError, Context, Duration, Effect, Layer, Random, Redacted } from "effect"
import { Agent, type Dispatcher } from "undici"
import { makeRateWindow, type RateWindow } from "./RateWindow.js"

/** A field of an embed. */
export interface DiscordEmbedField {
  readonly name: string
  readonly value: string
  readonly inline?: boolean
}

/** A rich embed (the subset a notification needs). */
export interface DiscordEmbed {
  readonly title?: string
  readonly description?: string
  readonly url?: string
  /** RGB as an integer, e.g. `0xdc2626`. */
  readonly color?: number
  /** ISO 8601. */
  readonly timestamp?: string
  readonly fields?: ReadonlyArray<DiscordEmbedField>
  readonly footer?: { readonly text: string }
}

/** One message to post. `content` may be empty when there are embeds. */
export interface DiscordMessage {
  readonly content: string
  readonly embeds?: ReadonlyArray<DiscordEmbed>
  /** Overrides the webhook's name for this message. */
  readonly username?: string
}

export interface DiscordWebhookService {
  readonly post: (message: DiscordMessage) => Effect.Effect<void, NoticeError>
}

/** A Discord channel, reached through one webhook. */
export class DiscordWebhook extends Context.Tag("@org/notify/DiscordWebhook")<
  DiscordWebhook,
  DiscordWebhookService
>() {}

export interface DiscordWebhookConfig {
  /** `https://discord.com/api/webhooks/<id>/<token>`: a secret, since the token is in it. */
  readonly webhookUrl: Redacted.Redacted<string> | string
  /** The name messages are posted under, unless a message sets its own. Default: the webhook's. */
  readonly username?: string
  /** Let `@everyone`, role and user mentions in messages ping. Default false. */
  readonly allowMentions?: boolean
  /**
   * Ask Discord to confirm the message was saved (`?wait=true`): without it a
   * message that is not saved returns no error. Default true.
   */
  readonly wait?: boolean
  /** Client-side pace. Default 5 posts per 2 seconds, Discord's limit for a webhook. */
  readonly rateLimit?: { readonly requests: number; readonly per: Duration.DurationInput }
  /** Retries of a 5xx answer or a failed connection. Default 3. */
  readonly retries?: number
  /** How many 429 answers one message may wait out. Default 5. */
  readonly rateLimitRetries?: number
  /** First backoff after a 5xx or connection failure, doubled each time. Default 500 ms. */
  readonly retryBaseDelay?: Duration.DurationInput
  /** A 429 asking for a longer wait fails the post (retryable) instead. Default 60 s. */
  readonly maxRetryAfter?: Duration.DurationInput
  /** Longest one request may take. Default 10 s. */
  readonly requestTimeout?: Duration.DurationInput
  /** Default `org-media-sdk-notify/0.1`. */
  readonly userAgent?: string
}

interface ResolvedDiscordConfig {
  readonly username: string | undefined
  readonly allowMentions: boolean
  readonly wait: boolean
  readonly rateLimitRequests: number
  readonly rateLimitWindow: Duration.Duration
  readonly retries: number
  readonly rateLimitRetries: number
  readonly retryBaseDelay: Duration.Duration
  readonly maxRetryAfter: Duration.Duration
  readonly requestTimeout: Duration.Duration
  readonly userAgent: string
}

const resolveConfig = (config: DiscordWebhookConfig): ResolvedDiscordConfig => ({
  username: config.username,
  allowMentions: config.allowMentions ?? false,
  wait: config.wait ?? true,
  rateLimitRequests: config.rateLimit?.requests ?? 5,
  rateLimitWindow: Duration.decode(config.rateLimit?.per ?? Duration.seconds(2)),
  retries: Math.max(0, config.retries ?? 3),
  rateLimitRetries: Math.max(0, config.rateLimitRetries ?? 5),
  retryBaseDelay: Duration.decode(config.retryBaseDelay ?? Duration.millis(500)),
  maxRetryAfter: Duration.decode(config.maxRetryAfter ?? Duration.seconds(60)),
  requestTimeout: Duration.decode(config.requestTimeout ?? Duration.seconds(10)),
  userAgent: config.userAgent ?? "org-media-sdk-notify/0.1"
})

// ---------------------------------------------------------------------------
// The webhook URL

/** Where to post, and what to keep out of errors. */
export interface WebhookTarget {
  readonly origin: string
  /** Path and query to POST to, with the API version pinned. */
  readonly path: string
  readonly webhookId: string
  readonly token: string
}

const WEBHOOK_PATH = /^(.*?)\/api(?:\/v(\d+))?\/webhooks\/([^/]+)\/([^/]+)\/?$/

/** Discord's current API version; v8 and later give `retry_after` in seconds. */
const API_VERSION = 10

/**
 * Parse a webhook URL. A URL without a version (`/api/webhooks/…`, what Discord
 * hands out) is pinned to v10: the unversioned API is v6, whose 429s count in
 * milliseconds rather than seconds.
 */
export const parseWebhookUrl = (url: string, wait = true): WebhookTarget | undefined => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return undefined
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return undefined
  const match = WEBHOOK_PATH.exec(parsed.pathname)
  if (match === null) return undefined
  const [, prefix = "", version, webhookId = "", token = ""] = match
  const pinned = version === undefined ? API_VERSION : Number(version)
  if (wait) parsed.searchParams.set("wait", "true")
  const search = parsed.searchParams.toString()
  return {
    origin: parsed.origin,
    path: `${prefix}/api/v${pinned}/webhooks/${webhookId}/${token}${search === "" ? "" : `?${search}`}`,
    webhookId: decodeURIComponent(webhookId),
    token
  }
}

/** The URL with its token replaced: safe for logs. Anything unparsable becomes a placeholder. */
export const redactWebhookUrl = (url: string): string => {
  try {
    const parsed = new URL(url)
    const match = WEBHOOK_PATH.exec(parsed.pathname)
    if (match === null) return `${parsed.origin}/***`
    return `${parsed.origin}${match[1] ?? ""}/api${match[2] === undefined ? "" : `/v${match[2]}`}/webhooks/${match[3]}/***`
  } catch {
    return "<webhook url>"
  }
}

/** Remove every trace of the secret from a piece of text. */
const scrubber =
  (secrets: ReadonlyArray<string>) =>
  (text: string): string =>
    secrets
      .filter((secret) => secret.length >= 4)
      .reduce((acc, secret) => acc.split(secret).join("***"), text)

// ---------------------------------------------------------------------------
// Discord's limits

const clip = (value: string, max: number): string =>
  value.length <= max ? value : `${value.slice(0, Math.max(0, max - 1))}…`

/** Keep a message inside Discord's documented limits rather than have it refused with a 400. */
export const fitDiscordLimits = (message: DiscordMessage): DiscordMessage => ({
  content: clip(message.content, 2000),
  ...(message.username === undefined ? {} : { username: clip(message.username, 80) }),
  ...(message.embeds === undefined
    ? {}
    : {
        embeds: message.embeds.slice(0, 10).map((embed) => ({
          ...embed,
          ...(embed.title === undefined ? {} : { title: clip(embed.title, 256) }),
          ...(embed.description === undefined ? {} : { description: clip(embed.description, 4096) }),
          ...(embed.footer === undefined ? {} : { footer: { text: clip(embed.footer.text, 2048) } }),
          ...(embed.fields === undefined
            ? {}
            : {
                fields: embed.fields.slice(0, 25).map((field) => ({
                  name: clip(field.name, 256),
                  value: clip(field.value, 1024),
                  ...(field.inline === undefined ? {} : { inline: field.inline })
                }))
              })
        }))
      })
})

// ---------------------------------------------------------------------------
// One request

type Outcome =
  | { readonly _tag: "Delivered" }
  | { readonly _tag: "RateLimited"; readonly retryAfterMillis: number; readonly scope: string }
  | { readonly _tag: "Transient"; readonly detail: string; readonly status?: number }
  | { readonly _tag: "Rejected"; readonly status: number; readonly detail: string }

interface Answer {
  readonly status: number
  readonly text: string
  readonly headers: Record<string, string | ReadonlyArray<string> | undefined>
}

const MAX_BODY = 16 * 1024

const header = (answer: Answer, name: string): string | undefined => {
  const value = answer.headers[name]
  return typeof value === "string" ? value : value?.[0]
}

const parseJson = (text: string): unknown => {
  try {
    return text.length === 0 ? undefined : JSON.parse(text)
  } catch {
    return undefined
  }
}

const seconds = (value: string | undefined): number | undefined => {
  if (value === undefined || value.trim() === "") return undefined
  const n = Number(value)
  return Number.isFinite(n) && n >= 0 ? n : undefined
}

/** Discord's error body is `{ message, code }`; keep it short. */
const describe = (json: unknown, text: string): string => {
  if (json !== null && typeof json === "object") {
    const record = json as Record<string, unknown>
    const message = typeof record.message === "string" ? record.message : undefined
    const code = typeof record.code === "number" ? ` (code ${record.code})` : ""
    if (message !== undefined) return `${message.slice(0, 200)}${code}`
  }
  const trimmed = text.trim()
  return trimmed.length > 0 && trimmed.length <= 200 && !trimmed.startsWith("<") ? trimmed : "no details"
}

/** `retry_after` from the body (seconds, v8+), else `Retry-After`, else the bucket's reset. */
const retryAfterMillis = (answer: Answer, json: unknown): number => {
  const body =
    json !== null &&
    typeof json === "object" &&
    typeof (json as Record<string, unknown>).retry_after === "number"
      ? ((json as Record<string, unknown>).retry_after as number)
      : undefined
  const value =
    body ?? seconds(header(answer, "retry-after")) ?? seconds(header(answer, "x-ratelimit-reset-after")) ?? 1
  return Math.ceil(Math.max(0, value) * 1000)
}

const classify = (answer: Answer): Outcome => {
  if (answer.status >= 200 && answer.status < 300) return { _tag: "Delivered" }
  const json = parseJson(answer.text)
  if (answer.status === 429) {
    const global =
      header(answer, "x-ratelimit-global") === "true" ||
      (json !== null && typeof json === "object" && (json as Record<string, unknown>).global === true)
    return {
      _tag: "RateLimited",
      retryAfterMillis: retryAfterMillis(answer, json),
      scope: header(answer, "x-ratelimit-scope") ?? (global ? "global" : "webhook")
    }
  }
  const detail = describe(json, answer.text)
  if (answer.status >= 500 || answer.status === 408)
    return { _tag: "Transient", status: answer.status, detail }
  const hint =
    answer.status === 404
      ? " (unknown webhook: it was deleted, or the URL is wrong)"
      : answer.status === 401
        ? " (invalid webhook token)"
        : ""
  return { _tag: "Rejected", status: answer.status, detail: `${detail}${hint}` }
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

const networkDetail = (error: unknown, timeout: Duration.Duration): string => {
  if (error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError"))
    return `no answer within ${Duration.format(timeout)}`
  const code =
    error !== null && typeof error === "object" && "code" in error && typeof error.code === "string"
      ? error.code
      : undefined
  return code ?? (error instanceof Error ? error.name : "connection failed")
}

const sendOnce = (
  dispatcher: Dispatcher,
  target: WebhookTarget,
  config: ResolvedDiscordConfig,
  body: string
): Effect.Effect<Answer, string> =>
  Effect.tryPromise({
    try: async (interrupted) => {
      const response = await dispatcher.request({
        origin: target.origin,
        path: target.path,
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": config.userAgent },
        body,
        signal: withDeadline(interrupted, Duration.toMillis(config.requestTimeout))
      })
      // Read a bounded prefix and drop the rest.
      const chunks: Array<Buffer> = []
      let size = 0
      for await (const chunk of response.body) {
        const buffer = chunk as Buffer
        if (size < MAX_BODY) chunks.push(buffer)
        size += buffer.length
      }
      return {
        status: response.statusCode,
        text: Buffer.concat(chunks).subarray(0, MAX_BODY).toString("utf8"),
        headers: response.headers as Answer["headers"]
      }
    },
    catch: (error) => networkDetail(error, config.requestTimeout)
  })

// ---------------------------------------------------------------------------
// The port

const chatError = (message: string, retryable: boolean) =>
  new NoticeError({ channel: "chat", message, retryable })

/** The JSON body Discord expects. */
const payload = (message: DiscordMessage, config: ResolvedDiscordConfig) => {
  const fitted = fitDiscordLimits(message)
  const username = fitted.username ?? config.username
  return {
    ...(fitted.content === "" ? {} : { content: fitted.content }),
    ...(fitted.embeds === undefined || fitted.embeds.length === 0 ? {} : { embeds: fitted.embeds }),
    ...(username === undefined ? {} : { username }),
    allowed_mentions: config.allowMentions ? { parse: ["everyone", "roles", "users"] } : { parse: [] }
  }
}

/**
 * Build the port over a dispatcher (an undici `Agent`, or any `Dispatcher`).
 * The rate window is per service: build one per webhook.
 */
export const makeDiscordWebhook = (
  config: DiscordWebhookConfig,
  dispatcher: Dispatcher
): Effect.Effect<DiscordWebhookService> =>
  Effect.gen(function* () {
    const resolved = resolveConfig(config)
    const url = typeof config.webhookUrl === "string" ? config.webhookUrl : Redacted.value(config.webhookUrl)
    const target = parseWebhookUrl(url, resolved.wait)
    const scrub = scrubber(target === undefined ? [url] : [url, target.token])
    const window: RateWindow = yield* makeRateWindow(resolved.rateLimitRequests, resolved.rateLimitWindow)
    const label = target === undefined ? "Discord webhook" : `Discord webhook ${target.webhookId}`

    /** Respect the bucket Discord reports: nothing remaining means wait for the reset. */
    const noteBucket = (answer: Answer) => {
      const remaining = seconds(header(answer, "x-ratelimit-remaining"))
      const resetAfter = seconds(header(answer, "x-ratelimit-reset-after"))
      if (remaining !== 0 || resetAfter === undefined) return Effect.void
      return Effect.flatMap(Clock.currentTimeMillis, (now) =>
        window.pauseUntil(now + Math.ceil(resetAfter * 1000))
      )
    }

    const post = (message: DiscordMessage): Effect.Effect<void, NoticeError> =>
      Effect.gen(function* () {
        if (target === undefined)
          return yield* Effect.fail(
            chatError(
              `${label}: the webhook URL is not a Discord webhook URL (${redactWebhookUrl(url)})`,
              false
            )
          )
        if (message.content === "" && (message.embeds === undefined || message.embeds.length === 0))
          return yield* Effect.fail(chatError(`${label}: a message needs content or an embed`, false))
        const body = JSON.stringify(payload(message, resolved))
        let failures = 0
        let rateLimited = 0
        while (true) {
          yield* window.take
          const answer = yield* Effect.either(sendOnce(dispatcher, target, resolved, body))
          const outcome: Outcome =
            answer._tag === "Left" ? { _tag: "Transient", detail: answer.left } : classify(answer.right)
          if (answer._tag === "Right") yield* noteBucket(answer.right)
          switch (outcome._tag) {
            case "Delivered":
              return
            case "Rejected":
              return yield* Effect.fail(
                chatError(scrub(`${label}: ${outcome.status} ${outcome.detail}`), false)
              )
            case "RateLimited": {
              rateLimited++
              const wait = outcome.retryAfterMillis
              if (rateLimited > resolved.rateLimitRetries || wait > Duration.toMillis(resolved.maxRetryAfter))
                return yield* Effect.fail(
                  chatError(
                    `${label}: rate limited (${outcome.scope}), retry after ${wait} ms; gave up after ${rateLimited} ${rateLimited === 1 ? "answer" : "answers"} 429`,
                    true
                  )
                )
              const now = yield* Clock.currentTimeMillis
              yield* window.pauseUntil(now + wait)
              yield* Effect.logWarning("Discord webhook rate limited; waiting before retrying").pipe(
                Effect.annotateLogs({
                  retry_after_ms: wait,
                  rate_limit_scope: outcome.scope,
                  attempt: rateLimited
                })
              )
              break
            }
            case "Transient": {
              failures++
              const what = scrub(
                outcome.status === undefined ? outcome.detail : `${outcome.status} ${outcome.detail}`
              )
              if (failures > resolved.retries)
                return yield* Effect.fail(
                  chatError(
                    `${label}: ${what}; gave up after ${failures} ${failures === 1 ? "try" : "tries"}`,
                    true
                  )
                )
              const base = Duration.toMillis(resolved.retryBaseDelay) * 2 ** (failures - 1)
              const delay = Math.round(Math.min(base, 30_000) * (yield* Random.nextRange(0.8, 1.2)))
              yield* Effect.logWarning("Discord webhook failed; retrying").pipe(
                Effect.annotateLogs({ error: what, retry_in_ms: delay, attempt: failures })
              )
              yield* Effect.sleep(Duration.millis(delay))
              break
            }
          }
        }
      }).pipe(
        Effect.annotateLogs({ webhook_id: target?.webhookId ?? "unknown" }),
        Effect.withSpan("DiscordWebhook.post")
      )

    return DiscordWebhook.of({ post })
  })

/** A small keep-alive agent, closed with the scope. */
const scopedAgent = (connectTimeout: Duration.Duration) =>
  Effect.acquireRelease(
    Effect.sync(
      () =>
        new Agent({
          connections: 2,
          keepAliveTimeout: 30_000,
          connect: { timeout: Duration.toMillis(connectTimeout) }
        })
    ),
    (agent) => Effect.promise(() => agent.close().catch(() => agent.destroy()))
  )

/**
 * Read the webhook from `effect/Config` (environment variables by default):
 * `DISCORD_WEBHOOK` (the URL, a secret) and optionally `DISCORD_USERNAME`.
 * Nest it (`Config.nested("ALERTS")`) or pass your own `Config` to use other names.
 */
export const discordWebhookConfigFromEnv: Config.Config<DiscordWebhookConfig> = Config.all({
  webhookUrl: Config.redacted("DISCORD_WEBHOOK").pipe(
    Config.validate({
      message:
        "DISCORD_WEBHOOK must be a Discord webhook URL (https://discord.com/api/webhooks/<id>/<token>)",
      validation: (url) => parseWebhookUrl(Redacted.value(url)) !== undefined
    })
  ),
  username: Config.option(Config.nonEmptyString("DISCORD_USERNAME"))
}).pipe(
  Config.map(
    ({ webhookUrl, username }): DiscordWebhookConfig => ({
      webhookUrl,
      ...(username._tag === "Some" ? { username: username.value } : {})
    })
  )
)

/** The `DiscordWebhook` port over HTTP (undici). */
export const DiscordWebhookHttp = {
  layer: (config: DiscordWebhookConfig): Layer.Layer<DiscordWebhook> =>
    Layer.scoped(
      DiscordWebhook,
      Effect.gen(function* () {
        const agent = yield* scopedAgent(resolveConfig(config).requestTimeout)
        return yield* makeDiscordWebhook(config, agent)
      })
    ),
  /** Configured from `effect/Config`; see `discordWebhookConfigFromEnv` for the names. */
  layerConfig: (
    config: Config.Config<DiscordWebhookConfig> = discordWebhookConfigFromEnv
  ): Layer.Layer<DiscordWebhook, ConfigError.ConfigError> =>
    Layer.unwrapEffect(Effect.map(config, DiscordWebhookHttp.layer))
}
