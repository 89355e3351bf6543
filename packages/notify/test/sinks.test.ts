import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { DiscordWebhook, DiscordWebhookHttp, Mailer, SmtpMailer } from "../src/index.js"
import { parseMail, scopedDiscordSink, scopedSmtpSink } from "../src/testing.js"
import { discordConfigFor, failureOf, smtpConfigFor } from "./helpers.js"

/** Wait (bounded) until `condition` holds: for things that settle asynchronously, like a socket closing. */
const eventually = (condition: () => boolean) =>
  Effect.gen(function* () {
    for (let i = 0; i < 100 && !condition(); i++) yield* Effect.sleep("20 millis")
    return condition()
  })

describe("parseMail", () => {
  it("reads quoted-printable, base64, charsets and encoded words", () => {
    const raw = [
      "From: =?UTF-8?Q?Ren=C3=A9e?= <renee@example.com>",
      "To: bob@example.com",
      "Subject: =?UTF-8?B?SMOpbGxv?=",
      " =?UTF-8?Q?_w=C3=B6rld?=",
      'Content-Type: multipart/mixed; boundary="outer"',
      "",
      "--outer",
      "Content-Type: multipart/alternative; boundary=inner",
      "",
      "--inner",
      "Content-Type: text/plain; charset=iso-8859-1",
      "Content-Transfer-Encoding: quoted-printable",
      "",
      "Caf=E9 and a soft=",
      " break",
      "--inner",
      "Content-Type: text/html; charset=utf-8",
      "Content-Transfer-Encoding: base64",
      "",
      Buffer.from("<p>Café</p>").toString("base64"),
      "--inner--",
      "--outer",
      "Content-Type: text/plain",
      "Content-Disposition: attachment; filename=a.txt",
      "",
      "not the body",
      "--outer--",
      ""
    ].join("\r\n")
    const parsed = parseMail(raw)
    expect(parsed.headers.from).toBe("Renée <renee@example.com>")
    expect(parsed.headers.subject).toBe("Héllo wörld")
    expect(parsed.text).toBe("Café and a soft break")
    expect(parsed.html).toBe("<p>Café</p>")
  })

  it("reads a single-part message", () => {
    const parsed = parseMail("Subject: plain\nContent-Type: text/plain\n\nline one\nline two\n")
    expect(parsed).toEqual({
      headers: { subject: "plain", "content-type": "text/plain" },
      text: "line one\nline two\n"
    })
  })
})

describe("SmtpSink", () => {
  it.scopedLive("requires AUTH when credentials are set", () =>
    Effect.gen(function* () {
      const sink = yield* scopedSmtpSink({ username: "u", password: "p" })
      const { username: _, password: __, ...anonymous } = smtpConfigFor(sink)
      const error = failureOf(
        yield* Effect.exit(
          Effect.flatMap(Mailer, (m) => m.send({ to: "a@example.com", subject: "s", text: "t" })).pipe(
            Effect.provide(SmtpMailer.layer(anonymous))
          )
        )
      )
      expect(error.retryable).toBe(false)
      expect(sink.messages).toHaveLength(0)
    })
  )

  it.scopedLive("the mailer's pool is closed when its layer's scope ends", () =>
    Effect.gen(function* () {
      const sink = yield* scopedSmtpSink({ username: "u", password: "p" })
      yield* Effect.flatMap(Mailer, (m) => m.send({ to: "a@example.com", subject: "s", text: "t" })).pipe(
        Effect.provide(SmtpMailer.layer(smtpConfigFor(sink, { username: "u", password: Redacted.make("p") })))
      )
      expect(sink.messages).toHaveLength(1)
      expect(yield* eventually(() => sink.openConnections === 0)).toBe(true)
    })
  )

  it.scopedLive("drops the connection at the greeting", () =>
    Effect.gen(function* () {
      const sink = yield* scopedSmtpSink()
      sink.setFailure({ kind: "drop", stage: "connect" }, { times: 1 })
      const { username: _, password: __, ...anonymous } = smtpConfigFor(sink)
      yield* Effect.flatMap(Mailer, (m) => m.send({ to: "a@example.com", subject: "s", text: "t" })).pipe(
        Effect.provide(SmtpMailer.layer(anonymous))
      )
      expect(sink.events.filter((e) => e.stage === "connect").map((e) => e.outcome)).toEqual([
        "dropped",
        "ok"
      ])
      expect(sink.messages).toHaveLength(1)
    })
  )
})

describe("DiscordSink", () => {
  it.scopedLive("answers like Discord: 401 for a wrong token, 400 for an empty message, 404 elsewhere", () =>
    Effect.gen(function* () {
      const sink = yield* scopedDiscordSink({ token: "the-token" })
      const call = (path: string, body: unknown) =>
        Effect.promise(() =>
          fetch(`${sink.url}${path}`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body)
          }).then(async (r) => ({
            status: r.status,
            body: await r.text(),
            limit: r.headers.get("x-ratelimit-limit")
          }))
        )
      expect(yield* call(`/api/webhooks/${sink.webhookId}/nope`, { content: "x" })).toMatchObject({
        status: 401
      })
      expect(yield* call(`/api/webhooks/${sink.webhookId}/the-token`, {})).toMatchObject({ status: 400 })
      expect(yield* call("/api/other", { content: "x" })).toMatchObject({ status: 404 })
      const ok = yield* call(`/api/v10/webhooks/${sink.webhookId}/the-token`, { content: "x" })
      expect(ok).toMatchObject({ status: 204, limit: "5" })
      expect(sink.requests.map((r) => r.path).join(" ")).not.toContain("the-token")
    })
  )

  it.scopedLive("the webhook client's connections close with its layer", () =>
    Effect.gen(function* () {
      const sink = yield* scopedDiscordSink()
      yield* Effect.flatMap(DiscordWebhook, (w) => w.post({ content: "x" })).pipe(
        Effect.provide(DiscordWebhookHttp.layer(discordConfigFor(sink)))
      )
      expect(sink.messages).toHaveLength(1)
      expect(yield* eventually(() => sink.openConnections === 0)).toBe(true)
    })
  )
})
