import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { afterAll, beforeAll, beforeEach } from "vitest"
import { Mailer, type MailMessage, type SmtpConfig, SmtpMailer } from "../src/index.js"
import { type SmtpSink, startSmtpSink } from "../src/testing.js"
import { captureLogs, failureOf, SMTP_PASSWORD, smtpConfigFor } from "./helpers.js"

let sink: SmtpSink

beforeAll(async () => {
  sink = await startSmtpSink({ username: "mailer", password: SMTP_PASSWORD })
})
afterAll(() => sink.close())
beforeEach(() => sink.reset())

const message: MailMessage = {
  to: "alice@example.com",
  subject: "Movie Night: hello ✓",
  text: "Plain body, café.",
  html: "<p>HTML body, <strong>café</strong>.</p>",
  headers: { "Auto-Submitted": "auto-generated" }
}

const send = (msg: MailMessage = message, overrides: Partial<SmtpConfig> = {}) =>
  Effect.flatMap(Mailer, (mailer) => mailer.send(msg)).pipe(
    Effect.provide(SmtpMailer.layer(smtpConfigFor(sink, overrides)))
  )

const stages = (stage: string) => sink.events.filter((event) => event.stage === stage).map((e) => e.outcome)

describe("SmtpMailer", () => {
  it.live("delivers subject, text and html after AUTH", () =>
    Effect.gen(function* () {
      const receipt = yield* send()
      const [mail] = yield* Effect.promise(() => sink.waitForMessages(1))
      expect(mail).toMatchObject({
        envelopeFrom: "plex@example.com",
        envelopeTo: ["alice@example.com"],
        from: "Movie Night <plex@example.com>",
        to: "alice@example.com",
        subject: "Movie Night: hello ✓",
        text: "Plain body, café.",
        html: "<p>HTML body, <strong>café</strong>.</p>",
        user: "mailer"
      })
      expect(mail?.headers["auto-submitted"]).toBe("auto-generated")
      expect(receipt.messageId).toBe(mail?.messageId)
      expect(receipt.accepted).toEqual(["alice@example.com"])
      expect(sink.authAttempts).toEqual([{ username: "mailer", method: "PLAIN", ok: true }])
    })
  )

  it.live("uses a given Message-ID and several recipients", () =>
    Effect.gen(function* () {
      yield* send({ ...message, to: ["a@example.com", "b@example.com"], messageId: "<fixed-1@example.com>" })
      const [mail] = sink.messages
      expect(mail?.messageId).toBe("<fixed-1@example.com>")
      expect(mail?.envelopeTo).toEqual(["a@example.com", "b@example.com"])
    })
  )

  it.live("a wrong password is permanent, not retried, and not in the error", () =>
    Effect.gen(function* () {
      const wrong = "Wr0ng-Passw0rd-xyz"
      const { exit, lines } = yield* captureLogs(send(message, { password: Redacted.make(wrong) }))
      const error = failureOf(exit)
      expect(error).toMatchObject({ _tag: "NoticeError", channel: "email", retryable: false })
      expect(error.message).toMatch(/authentication failed/)
      expect(error.message).toMatch(/535/)
      const everything = JSON.stringify(error) + String(error) + lines.join("\n")
      expect(everything).not.toContain(wrong)
      expect(everything).not.toContain(Buffer.from(`\u0000mailer\u0000${wrong}`).toString("base64"))
      expect(sink.authAttempts.filter((a) => !a.ok)).toHaveLength(1)
      expect(sink.messages).toHaveLength(0)
    })
  )

  it.live("a refused AUTH (auth failure mode) names the reply and never the password", () =>
    Effect.gen(function* () {
      sink.setFailure({ kind: "authFail", code: 535, message: `bad credentials ${SMTP_PASSWORD}` })
      const { exit, lines } = yield* captureLogs(send())
      const error = failureOf(exit)
      expect(error.retryable).toBe(false)
      expect(JSON.stringify(error) + lines.join("\n")).not.toContain(SMTP_PASSWORD)
      expect(error.message).toContain("***")
    })
  )

  it.live("a 4xx at RCPT is retried with backoff, then delivered", () =>
    Effect.gen(function* () {
      sink.setFailure({ kind: "reject", stage: "rcpt", code: 451 }, { times: 2 })
      yield* send()
      expect(stages("rcpt")).toEqual(["rejected", "rejected", "ok"])
      expect(sink.messages).toHaveLength(1)
    })
  )

  it.live("a 4xx at DATA is retried, then delivered once", () =>
    Effect.gen(function* () {
      sink.setFailure(
        { kind: "reject", stage: "data", code: 452, message: "Insufficient storage" },
        { times: 1 }
      )
      yield* send()
      expect(stages("data")).toEqual(["rejected", "ok"])
      expect(sink.messages).toHaveLength(1)
    })
  )

  it.live("a 5xx is permanent: one attempt, retryable false", () =>
    Effect.gen(function* () {
      sink.setFailure({ kind: "reject", stage: "rcpt", code: 550, message: "No such user" })
      const error = failureOf(yield* Effect.exit(send()))
      expect(error).toMatchObject({ channel: "email", retryable: false })
      expect(error.message).toContain("550 No such user")
      expect(stages("rcpt")).toEqual(["rejected"])
    })
  )

  it.live("a 5xx at DATA is permanent too", () =>
    Effect.gen(function* () {
      sink.setFailure({ kind: "reject", stage: "data", code: 554, message: "Message rejected" })
      const error = failureOf(yield* Effect.exit(send()))
      expect(error.retryable).toBe(false)
      expect(stages("data")).toEqual(["rejected"])
      expect(sink.messages).toHaveLength(0)
    })
  )

  it.live("a 4xx that never clears gives up after the retries, still retryable", () =>
    Effect.gen(function* () {
      sink.setFailure({ kind: "reject", stage: "mail", code: 421, message: "Service not available" })
      const error = failureOf(yield* Effect.exit(send(message, { retries: 2 })))
      expect(error).toMatchObject({ channel: "email", retryable: true })
      expect(error.message).toMatch(/gave up after 3 tries/)
      expect(stages("mail").filter((o) => o === "rejected")).toHaveLength(3)
    })
  )

  it.live("a dropped connection is retried", () =>
    Effect.gen(function* () {
      sink.setFailure({ kind: "drop", stage: "data" }, { times: 1 })
      yield* send()
      expect(stages("data")).toEqual(["dropped", "ok"])
      expect(sink.messages).toHaveLength(1)
    })
  )

  it.live("a slow server times out and the retry goes through", () =>
    Effect.gen(function* () {
      sink.setFailure({ kind: "slow", stage: "rcpt", delayMs: 2_500 }, { times: 1 })
      yield* send()
      expect(stages("rcpt")).toEqual(["slow", "ok"])
      expect(sink.messages).toHaveLength(1)
    })
  )

  it.live("a server that is not there fails retryable after the retries", () =>
    Effect.gen(function* () {
      const closed = yield* Effect.promise(() => startSmtpSink())
      yield* Effect.promise(() => closed.close())
      const error = failureOf(
        yield* Effect.exit(
          Effect.flatMap(Mailer, (mailer) => mailer.send(message)).pipe(
            Effect.provide(SmtpMailer.layer({ ...smtpConfigFor(closed), retries: 1 }))
          )
        )
      )
      expect(error).toMatchObject({ channel: "email", retryable: true })
      expect(error.message).toMatch(/ECONNREFUSED|ECONNECTION|ESOCKET/)
    })
  )

  it.live("no recipient address: permanent, nothing sent", () =>
    Effect.gen(function* () {
      const error = failureOf(yield* Effect.exit(send({ ...message, to: "" })))
      expect(error).toMatchObject({ channel: "email", retryable: false })
      expect(sink.events).toHaveLength(0)
    })
  )

  it.live("paced sends all arrive, in order", () =>
    Effect.gen(function* () {
      const mailer = SmtpMailer.layer(smtpConfigFor(sink, { rateLimit: 20, maxConnections: 1 }))
      yield* Effect.flatMap(Mailer, (m) =>
        Effect.forEach([1, 2, 3, 4], (n) => m.send({ ...message, subject: `n${n}` }))
      ).pipe(Effect.provide(mailer))
      expect(sink.messages.map((mail) => mail.subject)).toEqual(["n1", "n2", "n3", "n4"])
    })
  )
})
