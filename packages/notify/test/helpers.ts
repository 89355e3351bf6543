import type { AdminReport, NoticeRecipient } from "@org/prune"
import { Cause, DateTime, Effect, Exit, Logger, Option, Redacted } from "effect"
import type { DiscordWebhookConfig, SmtpConfig } from "../src/index.js"
import type { DiscordSink, SmtpSink } from "../src/testing.js"

export const alice: NoticeRecipient = {
  userId: "101",
  username: "alice",
  email: "alice@example.com",
  kind: "friend"
}

export const at = DateTime.unsafeMake("2025-12-12T09:30:00Z")

export const report: AdminReport = {
  at: DateTime.unsafeMake("2025-12-01T03:00:00Z"),
  serverName: "Movie Night",
  warned: [{ userId: "101", username: "alice", detail: "5 days left" }],
  removed: [{ userId: "102", username: "bob", detail: "inactive for 31 days" }],
  removalFailed: [{ userId: "103", username: "carol", detail: "plex.tv answered 503" }],
  removalAbandoned: [],
  problems: [{ userId: "104", username: "<dave>", detail: "email failed: <b>550</b>" }]
}

export const SMTP_PASSWORD = "pässword-Sekr3t!"

/** A mailer config for the sink: small delays and timeouts so failures resolve quickly. */
export const smtpConfigFor = (sink: SmtpSink, overrides: Partial<SmtpConfig> = {}): SmtpConfig => ({
  host: sink.host,
  port: sink.port,
  username: "mailer",
  password: Redacted.make(SMTP_PASSWORD),
  from: "Movie Night <plex@example.com>",
  rateLimit: 0,
  retries: 3,
  retryBaseDelay: "5 millis",
  timeouts: { connect: "1 second", greeting: "1 second", socket: "1 second", send: "3 seconds" },
  ...overrides
})

export const discordConfigFor = (
  sink: DiscordSink,
  overrides: Partial<DiscordWebhookConfig> = {}
): DiscordWebhookConfig => ({
  webhookUrl: Redacted.make(sink.webhookUrl),
  rateLimit: { requests: 50, per: "1 second" },
  retryBaseDelay: "5 millis",
  requestTimeout: "1 second",
  ...overrides
})

/** The typed failure of an exit, or a thrown error. */
export const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const failure = Cause.failureOption(exit.cause)
  if (Option.isNone(failure)) throw new Error(`expected a typed failure, got ${Cause.pretty(exit.cause)}`)
  return failure.value
}

/** Run `effect` with a logger that keeps every line (message and annotations) as text. */
export const captureLogs = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const lines: Array<string> = []
    const logger = Logger.make(({ message, annotations }) => {
      lines.push(JSON.stringify({ message, annotations: Object.fromEntries(annotations) }))
    })
    const exit = yield* Effect.exit(effect.pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger))))
    return { exit, lines }
  })
