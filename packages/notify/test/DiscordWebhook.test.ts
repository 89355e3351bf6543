import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { afterAll, beforeAll, beforeEach } from "vitest"
import {
  type DiscordMessage,
  DiscordWebhook,
  type DiscordWebhookConfig,
  DiscordWebhookHttp,
  fitDiscordLimits,
  parseWebhookUrl,
  redactWebhookUrl
} from "../src/index.js"
import { type DiscordSink, startDiscordSink } from "../src/testing.js"
import { captureLogs, discordConfigFor, failureOf } from "./helpers.js"

let sink: DiscordSink

beforeAll(async () => {
  sink = await startDiscordSink()
})
afterAll(() => sink.close())
beforeEach(() => sink.reset())

const hello: DiscordMessage = {
  content: "alice was warned",
  embeds: [{ title: "Warned", color: 0xf59e0b, fields: [{ name: "Days left", value: "5", inline: true }] }]
}

const post = (message: DiscordMessage = hello, overrides: Partial<DiscordWebhookConfig> = {}) =>
  Effect.flatMap(DiscordWebhook, (webhook) => webhook.post(message)).pipe(
    Effect.provide(DiscordWebhookHttp.layer(discordConfigFor(sink, overrides)))
  )

const statuses = () => sink.requests.map((request) => request.status)

describe("DiscordWebhook over HTTP", () => {
  it.live("posts content and embeds, pinned to API v10, waiting for the message, with mentions off", () =>
    Effect.gen(function* () {
      yield* post({ ...hello, username: "Prune bot" })
      const [message] = sink.messages
      expect(message).toMatchObject({
        content: "alice was warned",
        username: "Prune bot",
        wait: true,
        apiVersion: 10,
        allowedMentions: { parse: [] }
      })
      expect(message?.embeds).toEqual(hello.embeds)
      expect(statuses()).toEqual([200])
    })
  )

  it.live("the configured username applies unless the message sets one; wait can be turned off", () =>
    Effect.gen(function* () {
      yield* post({ content: "hi" }, { username: "Alerts", wait: false })
      expect(sink.messages[0]).toMatchObject({ username: "Alerts", wait: false })
      expect(statuses()).toEqual([204])
    })
  )

  it.live("a 429 is honoured (retry_after from the body) and the message then delivered", () =>
    Effect.gen(function* () {
      sink.setFailure({ kind: "rateLimited", retryAfterSeconds: 0.05 }, { times: 2 })
      yield* post()
      expect(statuses()).toEqual([429, 429, 200])
      expect(sink.messages).toHaveLength(1)
    })
  )

  it.live("a 429 without retry_after in the body falls back to the Retry-After header", () =>
    Effect.gen(function* () {
      sink.setFailure({ kind: "rateLimited", retryAfterSeconds: 1, retryAfterBody: false }, { times: 1 })
      yield* post()
      expect(statuses()).toEqual([429, 200])
    })
  )

  it.live("a 429 asking for longer than maxRetryAfter fails at once, retryable", () =>
    Effect.gen(function* () {
      sink.setFailure({ kind: "rateLimited", retryAfterSeconds: 120, global: true })
      const error = failureOf(yield* Effect.exit(post()))
      expect(error).toMatchObject({ _tag: "NoticeError", channel: "chat", retryable: true })
      expect(error.message).toMatch(/rate limited \(global\)/)
      expect(statuses()).toEqual([429])
    })
  )

  it.live("429s beyond rateLimitRetries give up, retryable", () =>
    Effect.gen(function* () {
      sink.setFailure({ kind: "rateLimited", retryAfterSeconds: 0.01 })
      const error = failureOf(yield* Effect.exit(post(hello, { rateLimitRetries: 2 })))
      expect(error.retryable).toBe(true)
      expect(statuses()).toEqual([429, 429, 429])
    })
  )

  it.live("a 5xx is retried with backoff, then delivered", () =>
    Effect.gen(function* () {
      sink.setFailure({ kind: "status", status: 500 }, { times: 1 })
      sink.addFailure({ kind: "status", status: 502 }, { times: 1 })
      yield* post()
      expect(statuses()).toEqual([500, 502, 200])
      expect(sink.messages).toHaveLength(1)
    })
  )

  it.live("a 5xx that persists gives up after the retries, retryable", () =>
    Effect.gen(function* () {
      sink.setFailure({ kind: "status", status: 503 })
      const error = failureOf(yield* Effect.exit(post(hello, { retries: 2 })))
      expect(error).toMatchObject({ channel: "chat", retryable: true })
      expect(error.message).toMatch(/503.*gave up after 3 tries/)
      expect(statuses()).toEqual([503, 503, 503])
    })
  )

  it.live("a dropped connection is retried", () =>
    Effect.gen(function* () {
      sink.setFailure({ kind: "drop" }, { times: 1 })
      yield* post()
      expect(statuses()).toEqual(["dropped", 200])
      expect(sink.messages).toHaveLength(1)
    })
  )

  it.live("a slow answer times out and is retried", () =>
    Effect.gen(function* () {
      sink.setFailure({ kind: "slow", delayMs: 2_500 }, { times: 1 })
      yield* post()
      // The slow request still lands after the client gave up, as it would on Discord: a duplicate.
      const messages = yield* Effect.promise(() => sink.waitForMessages(2))
      expect(messages).toHaveLength(2)
      expect(statuses()).toEqual([200, 200])
    })
  )

  it.live("404 (unknown webhook) is permanent: one request, retryable false, no token", () =>
    Effect.gen(function* () {
      const url = sink.webhookUrl.replace(`/webhooks/${sink.webhookId}/`, "/webhooks/999/")
      const { exit, lines } = yield* captureLogs(post(hello, { webhookUrl: Redacted.make(url) }))
      const error = failureOf(exit)
      expect(error).toMatchObject({ channel: "chat", retryable: false })
      expect(error.message).toMatch(/404 Unknown Webhook/)
      expect(statuses()).toEqual([404])
      expect(JSON.stringify(error) + lines.join("\n")).not.toContain(sink.token)
    })
  )

  it.live("401 (a wrong token) is permanent and the token stays out of errors and logs", () =>
    Effect.gen(function* () {
      const wrongToken = "WrongTokenValue_abcdefghijklmnop"
      const url = `${sink.url}/api/webhooks/${sink.webhookId}/${wrongToken}`
      sink.addFailure({ kind: "status", status: 500 }, { times: 1 })
      const { exit, lines } = yield* captureLogs(post(hello, { webhookUrl: url }))
      const error = failureOf(exit)
      expect(error).toMatchObject({ retryable: false })
      expect(error.message).toMatch(/401 Invalid Webhook Token/)
      expect(lines.length).toBeGreaterThan(0)
      const everything = JSON.stringify(error) + String(error) + lines.join("\n")
      expect(everything).not.toContain(wrongToken)
      expect(everything).not.toContain(sink.token)
    })
  )

  it.live("connection failures never show the URL's token", () =>
    Effect.gen(function* () {
      const closed = yield* Effect.promise(() => startDiscordSink())
      yield* Effect.promise(() => closed.close())
      const { exit, lines } = yield* captureLogs(
        Effect.flatMap(DiscordWebhook, (webhook) => webhook.post(hello)).pipe(
          Effect.provide(DiscordWebhookHttp.layer({ ...discordConfigFor(closed), retries: 1 }))
        )
      )
      const error = failureOf(exit)
      expect(error).toMatchObject({ retryable: true })
      expect(error.message).toMatch(/ECONNREFUSED/)
      expect(JSON.stringify(error) + lines.join("\n")).not.toContain(closed.token)
    })
  )

  it.live("a URL that is not a webhook URL fails permanently without a request", () =>
    Effect.gen(function* () {
      const error = failureOf(
        yield* Effect.exit(post(hello, { webhookUrl: `${sink.url}/hooks/secret-token` }))
      )
      expect(error).toMatchObject({ retryable: false })
      expect(error.message).not.toContain("secret-token")
      expect(sink.requests).toHaveLength(0)
    })
  )

  it.live("an empty message is refused before sending", () =>
    Effect.gen(function* () {
      const error = failureOf(yield* Effect.exit(post({ content: "" })))
      expect(error).toMatchObject({ retryable: false })
      expect(sink.requests).toHaveLength(0)
    })
  )

  it.live("paces itself: a burst within Discord's window gets no 429", () =>
    Effect.gen(function* () {
      const paced = yield* Effect.promise(() =>
        startDiscordSink({ rateLimit: { requests: 2, windowMs: 300 } })
      )
      yield* Effect.flatMap(DiscordWebhook, (webhook) =>
        Effect.forEach([1, 2, 3, 4, 5], (n) => webhook.post({ content: `n${n}` }), {
          concurrency: "unbounded"
        })
      ).pipe(
        Effect.provide(
          DiscordWebhookHttp.layer(discordConfigFor(paced, { rateLimit: { requests: 2, per: "500 millis" } }))
        )
      )
      expect(paced.requests.map((r) => r.status)).toEqual([200, 200, 200, 200, 200])
      expect(paced.messages.map((m) => m.content).sort()).toEqual(["n1", "n2", "n3", "n4", "n5"])
      yield* Effect.promise(() => paced.close())
    })
  )
})

describe("webhook URLs and limits", () => {
  it("pins an unversioned URL to v10 and adds wait=true", () => {
    const target = parseWebhookUrl("https://discord.com/api/webhooks/123/tok-EN?thread_id=9")
    expect(target).toEqual({
      origin: "https://discord.com",
      path: "/api/v10/webhooks/123/tok-EN?thread_id=9&wait=true",
      webhookId: "123",
      token: "tok-EN"
    })
    expect(parseWebhookUrl("https://discord.com/api/v9/webhooks/123/tok", false)?.path).toBe(
      "/api/v9/webhooks/123/tok"
    )
    expect(parseWebhookUrl("not a url")).toBeUndefined()
    expect(parseWebhookUrl("ftp://discord.com/api/webhooks/1/2")).toBeUndefined()
  })

  it("redacts the token", () => {
    expect(redactWebhookUrl("https://discord.com/api/webhooks/123/secret")).toBe(
      "https://discord.com/api/webhooks/123/***"
    )
    expect(redactWebhookUrl("https://example.com/other/secret")).toBe("https://example.com/***")
    expect(redactWebhookUrl("garbage secret")).toBe("<webhook url>")
  })

  it("clips to Discord's limits", () => {
    const fitted = fitDiscordLimits({
      content: "x".repeat(2500),
      embeds: Array.from({ length: 12 }, () => ({
        title: "t".repeat(300),
        fields: [{ name: "n", value: "v".repeat(2000) }]
      }))
    })
    expect(fitted.content).toHaveLength(2000)
    expect(fitted.embeds).toHaveLength(10)
    expect(fitted.embeds?.[0]?.title).toHaveLength(256)
    expect(fitted.embeds?.[0]?.fields?.[0]?.value).toHaveLength(1024)
  })
})
