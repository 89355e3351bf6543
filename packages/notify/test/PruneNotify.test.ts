import { describe, expect, it } from "@effect/vitest"
import { type NoticeRecipient, PruneChat, PruneMail } from "@org/prune"
import { ConfigProvider, Effect, Layer } from "effect"
import { afterAll, beforeAll, beforeEach } from "vitest"
import { PruneNotify } from "../src/index.js"
import { type DiscordSink, type SmtpSink, startDiscordSink, startSmtpSink } from "../src/testing.js"
import { alice, at, discordConfigFor, failureOf, report, SMTP_PASSWORD, smtpConfigFor } from "./helpers.js"

let smtp: SmtpSink
let discord: DiscordSink

beforeAll(async () => {
  smtp = await startSmtpSink({ username: "mailer", password: SMTP_PASSWORD })
  discord = await startDiscordSink()
})
afterAll(async () => {
  await smtp.close()
  await discord.close()
})
beforeEach(() => {
  smtp.reset()
  discord.reset()
})

const mail = () => PruneNotify.mail({ smtp: smtpConfigFor(smtp), replyTo: "owner@example.com" })

describe("PruneNotify.mail", () => {
  it.live("sends every prune email, rendered, with the server in the subject", () =>
    Effect.gen(function* () {
      const { send } = yield* PruneMail
      yield* send({ _tag: "Welcome", to: alice, serverName: "Movie Night", kickDays: 30, key: "welcome-1-0" })
      yield* send({ _tag: "Warning", to: alice, serverName: "Movie Night", daysLeft: 5, removeAfter: at })
      yield* send({ _tag: "Removed", to: alice, serverName: "Movie Night", kickDays: 30 })
      yield* send({ _tag: "AdminReport", to: "owner@example.com", report })
      const [welcome, warning, removed, admin] = smtp.messages
      expect(smtp.messages.map((m) => m.envelopeTo)).toEqual([
        ["alice@example.com"],
        ["alice@example.com"],
        ["alice@example.com"],
        ["owner@example.com"]
      ])
      expect(welcome?.subject).toBe("Welcome to Movie Night: watch at least once every 30 days")
      expect(warning?.subject).toContain("Movie Night")
      expect(warning?.text).toMatch(/Friday,? 12 December 2025/)
      expect(warning?.text).toContain("5 days left")
      expect(warning?.html).toContain("5 days left")
      expect(removed?.subject).toBe("Movie Night: your access has been removed")
      expect(admin?.subject).toContain("Movie Night inactivity report")
      expect(admin?.html).toContain("<table")
      expect(welcome?.headers["auto-submitted"]).toBe("auto-generated")
      // Every attempt at one welcome carries the same Message-ID.
      expect(welcome?.messageId).toBe("<welcome-1-0@prune.org-media-sdk>")
      expect(welcome?.headers["reply-to"]).toBe("owner@example.com")
      expect(admin?.headers["reply-to"]).toBeUndefined()
    }).pipe(Effect.provide(mail()))
  )

  it.live("a user without an email address is a permanent NoticeError, and nothing is sent", () =>
    Effect.gen(function* () {
      const managed: NoticeRecipient = { userId: "7", username: "kid", email: "", kind: "managed" }
      const error = failureOf(
        yield* Effect.exit(
          Effect.flatMap(PruneMail, ({ send }) =>
            send({ _tag: "Warning", to: managed, serverName: "S", daysLeft: 3, removeAfter: at })
          )
        )
      )
      expect(error).toMatchObject({ _tag: "NoticeError", channel: "email", retryable: false })
      expect(error.message).toBe("kid has no email address")
      expect(smtp.events).toHaveLength(0)
    }).pipe(Effect.provide(mail()))
  )

  it.live("SMTP failures come through as NoticeErrors", () =>
    Effect.gen(function* () {
      smtp.setFailure({ kind: "reject", stage: "rcpt", code: 550, message: "Mailbox unavailable" })
      const error = failureOf(
        yield* Effect.exit(
          Effect.flatMap(PruneMail, ({ send }) =>
            send({ _tag: "Welcome", to: alice, serverName: "S", kickDays: 30, key: "welcome-1-0" })
          )
        )
      )
      expect(error).toMatchObject({ channel: "email", retryable: false })
      expect(error.message).toContain("550 Mailbox unavailable")
    }).pipe(Effect.provide(mail()))
  )

  it.live("mailLayerConfig reads SMTP_* from effect/Config", () =>
    Effect.gen(function* () {
      const provider = ConfigProvider.fromMap(
        new Map([
          ["SMTP_HOST", smtp.host],
          ["SMTP_PORT", String(smtp.port)],
          ["SMTP_USERNAME", "mailer"],
          ["SMTP_PASSWORD", SMTP_PASSWORD],
          ["SMTP_FROM", "Movie Night <plex@example.com>"]
        ])
      )
      yield* Effect.flatMap(PruneMail, ({ send }) =>
        send({ _tag: "Welcome", to: alice, serverName: "Movie Night", kickDays: 30, key: "welcome-1-0" })
      ).pipe(
        Effect.provide(PruneNotify.mailLayerConfig().pipe(Layer.provide(Layer.setConfigProvider(provider))))
      )
      expect(smtp.messages).toHaveLength(1)
      expect(smtp.messages[0]?.user).toBe("mailer")
    })
  )
})

describe("PruneNotify.chat", () => {
  it.live("posts warned, removed and removal failed", () =>
    Effect.gen(function* () {
      const { post } = yield* PruneChat
      yield* post({ _tag: "Warned", user: alice, serverName: "Movie Night", daysLeft: 5 })
      yield* post({ _tag: "Removed", user: alice, serverName: "Movie Night", inactiveDays: 31 })
      yield* post({
        _tag: "RemovalFailed",
        user: alice,
        serverName: "Movie Night",
        error: "503",
        gaveUp: false
      })
      expect(discord.messages.map((m) => m.content)).toEqual([
        "⚠️ **alice** was warned on **Movie Night**: 5 days left to watch something.",
        "🚫 **alice** was removed from **Movie Night** after 31 days without watching.",
        "❗ Removing **alice** from **Movie Night** failed (will retry)."
      ])
      expect(discord.messages.every((m) => m.embeds.length === 1)).toBe(true)
    }).pipe(Effect.provide(PruneNotify.chat({ discord: discordConfigFor(discord) })))
  )

  it.live("a deleted webhook is a permanent NoticeError on the chat channel", () =>
    Effect.gen(function* () {
      discord.setFailure({ kind: "status", status: 404 })
      const error = failureOf(
        yield* Effect.exit(
          Effect.flatMap(PruneChat, ({ post }) =>
            post({ _tag: "Warned", user: alice, serverName: "S", daysLeft: 5 })
          )
        )
      )
      expect(error).toMatchObject({ channel: "chat", retryable: false })
      expect(error.message).not.toContain(discord.token)
    }).pipe(Effect.provide(PruneNotify.chat({ discord: discordConfigFor(discord) })))
  )

  it.live("chatLayerConfig reads DISCORD_WEBHOOK, and rejects a URL that is not a webhook", () =>
    Effect.gen(function* () {
      const layer = (url: string) =>
        PruneNotify.chatLayerConfig().pipe(
          Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["DISCORD_WEBHOOK", url]]))))
        )
      yield* Effect.flatMap(PruneChat, ({ post }) =>
        post({ _tag: "Removed", user: alice, serverName: "S", inactiveDays: 40 })
      ).pipe(Effect.provide(layer(discord.webhookUrl)))
      expect(discord.messages).toHaveLength(1)
      const bad = yield* Effect.exit(
        Effect.flatMap(PruneChat, () => Effect.void).pipe(Effect.provide(layer("https://example.com/nope")))
      )
      expect(bad._tag).toBe("Failure")
      expect(JSON.stringify(bad)).toContain("DISCORD_WEBHOOK must be a Discord webhook URL")
    })
  )
})
