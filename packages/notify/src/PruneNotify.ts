/**
 * The prune engine's notice ports, made real: `PruneMail` renders the templates
 * and sends them with a `Mailer`; `PruneChat` posts to a `DiscordWebhook`.
 */
import { NoticeError, PruneChat, type PruneChatMessage, type PruneEmail, PruneMail } from "@org/prune"
import { type Config, type ConfigError, Effect, Layer } from "effect"
import {
  type DiscordMessage,
  DiscordWebhook,
  type DiscordWebhookConfig,
  DiscordWebhookHttp,
  discordWebhookConfigFromEnv
} from "./Discord.js"
import { Mailer, type SmtpConfig, SmtpMailer, smtpConfigFromEnv } from "./Mailer.js"
import { type RenderedEmail, renderChatMessage, renderPruneEmail, type TemplateOptions } from "./templates.js"

export interface PruneMailOptions {
  /** Dates, sign-off and contact line of the built-in templates. */
  readonly templates?: TemplateOptions
  /** Replace the built-in templates. */
  readonly render?: (email: PruneEmail) => RenderedEmail
  /** Added to every email. Default `{ "Auto-Submitted": "auto-generated" }` (RFC 3834: no auto-replies). */
  readonly headers?: Readonly<Record<string, string>>
  /** `Reply-To` for the user emails, e.g. the owner's address. */
  readonly replyTo?: string
}

export interface PruneMailConfig extends PruneMailOptions {
  readonly smtp: SmtpConfig
}

export interface PruneChatOptions {
  /** Replace the built-in messages. */
  readonly render?: (message: PruneChatMessage) => DiscordMessage
}

export interface PruneChatConfig extends PruneChatOptions {
  readonly discord: DiscordWebhookConfig
}

/** Who an email goes to, for logs and errors. */
const recipientOf = (email: PruneEmail): { readonly address: string; readonly name: string } =>
  email._tag === "AdminReport"
    ? { address: email.to, name: "the admin" }
    : {
        address: email.to.email,
        name: email.to.username !== "" ? email.to.username : `user ${email.to.userId}`
      }

const makePruneMail = (mailer: Mailer["Type"], options: PruneMailOptions): PruneMail["Type"] => {
  const render = options.render ?? ((email: PruneEmail) => renderPruneEmail(email, options.templates))
  const headers = options.headers ?? { "Auto-Submitted": "auto-generated" }
  return PruneMail.of({
    send: (email) => {
      const to = recipientOf(email)
      if (to.address.trim() === "")
        return Effect.fail(
          new NoticeError({ channel: "email", message: `${to.name} has no email address`, retryable: false })
        )
      return Effect.suspend(() => {
        const rendered = render(email)
        return mailer.send({
          to: to.address,
          subject: rendered.subject,
          text: rendered.text,
          html: rendered.html,
          headers,
          // One Message-ID per welcome, whatever the attempt: a resend after a crash is the same message.
          ...(email._tag === "Welcome" ? { messageId: `<${email.key}@prune.org-media-sdk>` } : {}),
          ...(options.replyTo === undefined || email._tag === "AdminReport"
            ? {}
            : { replyTo: options.replyTo })
        })
      }).pipe(
        Effect.asVoid,
        Effect.tap(() => Effect.logDebug("Prune email sent")),
        Effect.annotateLogs({ notice: email._tag, member_username: to.name })
      )
    }
  })
}

const makePruneChat = (webhook: DiscordWebhook["Type"], options: PruneChatOptions): PruneChat["Type"] => {
  const render = options.render ?? renderChatMessage
  return PruneChat.of({
    post: (message) =>
      Effect.suspend(() => webhook.post(render(message))).pipe(
        Effect.annotateLogs({ notice: message._tag, member_username: message.user.username })
      )
  })
}

/** Layers for the prune engine's `PruneMail` and `PruneChat` ports. */
export const PruneNotify = {
  /** `PruneMail` over any `Mailer` you provide. */
  mailVia: (options: PruneMailOptions = {}): Layer.Layer<PruneMail, never, Mailer> =>
    Layer.effect(
      PruneMail,
      Effect.map(Mailer, (mailer) => makePruneMail(mailer, options))
    ),
  /** `PruneChat` over any `DiscordWebhook` you provide. */
  chatVia: (options: PruneChatOptions = {}): Layer.Layer<PruneChat, never, DiscordWebhook> =>
    Layer.effect(
      PruneChat,
      Effect.map(DiscordWebhook, (webhook) => makePruneChat(webhook, options))
    ),
  /** `PruneMail` over SMTP. */
  mail: (config: PruneMailConfig): Layer.Layer<PruneMail> =>
    PruneNotify.mailVia(config).pipe(Layer.provide(SmtpMailer.layer(config.smtp))),
  /** `PruneChat` over a Discord webhook. */
  chat: (config: PruneChatConfig): Layer.Layer<PruneChat> =>
    PruneNotify.chatVia(config).pipe(Layer.provide(DiscordWebhookHttp.layer(config.discord))),
  /** `PruneMail` over SMTP, configured from `effect/Config` (`SMTP_*` by default; see `smtpConfigFromEnv`). */
  mailLayerConfig: (
    smtp: Config.Config<SmtpConfig> = smtpConfigFromEnv,
    options: PruneMailOptions = {}
  ): Layer.Layer<PruneMail, ConfigError.ConfigError> =>
    PruneNotify.mailVia(options).pipe(Layer.provide(SmtpMailer.layerConfig(smtp))),
  /** `PruneChat` over Discord, configured from `effect/Config` (`DISCORD_WEBHOOK` by default). */
  chatLayerConfig: (
    discord: Config.Config<DiscordWebhookConfig> = discordWebhookConfigFromEnv,
    options: PruneChatOptions = {}
  ): Layer.Layer<PruneChat, ConfigError.ConfigError> =>
    PruneNotify.chatVia(options).pipe(Layer.provide(DiscordWebhookHttp.layerConfig(discord)))
}
