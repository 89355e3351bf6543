/**
 * Email: the generic `Mailer` port and `SmtpMailer`, its layer over a pooled
 * nodemailer SMTP transport. The layer paces sends (messages per second),
 * retries what SMTP calls transient (4xx replies, dropped or timed-out
 * connections) with exponential backoff, never retries a permanent 5xx, and
 * keeps the password out of every error and log line.
 */
import { NoticeError } from "@org/prune"
import {
  Config,
  type ConfigError,
  Context,
  Duration,
  Effect,
  Layer,
  Random,
  Redacted,
  type Scope
} from "effect"
import nodemailer, { type NodemailerError } from "nodemailer"

/** One email. */
export interface MailMessage {
  readonly to: string | ReadonlyArray<string>
  readonly subject: string
  readonly text: string
  readonly html?: string
  /** `Message-ID` to use instead of a generated one (with or without angle brackets). */
  readonly messageId?: string
  /** Extra headers, e.g. `{ "Auto-Submitted": "auto-generated" }`. */
  readonly headers?: Readonly<Record<string, string>>
  readonly replyTo?: string
}

/** What the server accepted. */
export interface MailReceipt {
  readonly messageId: string
  readonly accepted: ReadonlyArray<string>
  /** Recipients the server refused while accepting others. */
  readonly rejected: ReadonlyArray<string>
}

export interface MailerService {
  readonly send: (message: MailMessage) => Effect.Effect<MailReceipt, NoticeError>
}

/** Sends email. Failures are `NoticeError`s with `channel: "email"`. */
export class Mailer extends Context.Tag("@org/notify/Mailer")<Mailer, MailerService>() {}

/** How long to wait for the server. */
export interface SmtpTimeouts {
  /** To open the connection. Default 10 s. */
  readonly connect?: Duration.DurationInput
  /** For the server's greeting. Default 10 s. */
  readonly greeting?: Duration.DurationInput
  /** Of silence on an open connection. Default 30 s. */
  readonly socket?: Duration.DurationInput
  /** For one attempt at one message, queueing in the pool included. Default 60 s. */
  readonly send?: Duration.DurationInput
}

export interface SmtpConfig {
  readonly host: string
  /** Default 587 (submission with STARTTLS), or 465 when `secure`. */
  readonly port?: number
  /** TLS from the first byte. Default: `port === 465`. Otherwise STARTTLS is used when offered. */
  readonly secure?: boolean
  /** Refuse to send unless the server upgrades with STARTTLS. Default false. */
  readonly requireTLS?: boolean
  /** Check the server's certificate. Default true; turn off only for a self-signed server you trust. */
  readonly rejectUnauthorized?: boolean
  readonly username?: string
  readonly password?: Redacted.Redacted<string>
  /** The sender, e.g. `"Plex <plex@example.com>"`. */
  readonly from: string
  /** Messages per second at most. Default 5; 0 for no limit. */
  readonly rateLimit?: number
  /** Connections in the pool. Default 2. */
  readonly maxConnections?: number
  /** Retries of a transient failure (4xx, connection, timeout). Default 3. */
  readonly retries?: number
  /** First backoff, doubled after each retry. Default 1 s. */
  readonly retryBaseDelay?: Duration.DurationInput
  readonly timeouts?: SmtpTimeouts
  /** The name sent with EHLO. Default: the machine's host name. */
  readonly clientName?: string
}

interface ResolvedSmtpConfig {
  readonly host: string
  readonly port: number
  readonly secure: boolean
  readonly retries: number
  readonly retryBaseDelay: Duration.Duration
  readonly sendTimeout: Duration.Duration
}

const resolve = (config: SmtpConfig): ResolvedSmtpConfig => {
  const port = config.port ?? (config.secure === true ? 465 : 587)
  return {
    host: config.host,
    port,
    secure: config.secure ?? port === 465,
    retries: Math.max(0, config.retries ?? 3),
    retryBaseDelay: Duration.decode(config.retryBaseDelay ?? Duration.seconds(1)),
    sendTimeout: Duration.decode(config.timeouts?.send ?? Duration.seconds(60))
  }
}

const millis = (input: Duration.DurationInput | undefined, fallback: Duration.DurationInput) =>
  Duration.toMillis(Duration.decode(input ?? fallback))

// ---------------------------------------------------------------------------
// Failures

/** A failed attempt, before it becomes a `NoticeError`. */
interface Attempt {
  readonly description: string
  readonly retryable: boolean
}

/**
 * nodemailer codes for a message or a setup that will fail the same way again.
 * Every other code (ECONNECTION, ETIMEDOUT, ESOCKET, EDNS, ETLS, ECONNRESET, …)
 * says the connection failed, which a later attempt may not.
 */
const PERMANENT_CODES = new Set([
  "EAUTH",
  "ENOAUTH",
  "ECONFIG",
  "EENVELOPE",
  "EMESSAGE",
  "EMAXRECIPIENTS",
  "EREQUIRETLS",
  "EOTP",
  "ESTREAM",
  "EFILEACCESS",
  "EURLACCESS"
])

/** RFC 5321: 4yz is transient, 5yz permanent; 503 is a session out of step, worth a new connection. */
const isPermanentReply = (code: number) => code >= 500 && code !== 503

const scrubber =
  (secrets: ReadonlyArray<string>) =>
  (text: string): string =>
    secrets
      .filter((secret) => secret.length >= 3)
      .reduce((acc, secret) => acc.split(secret).join("***"), text)

/** The forms a password takes on the wire: as is, and base64 in AUTH PLAIN / LOGIN. */
const passwordForms = (username: string | undefined, password: string | undefined): ReadonlyArray<string> => {
  if (password === undefined || password === "") return []
  const b64 = (value: string) => Buffer.from(value, "utf8").toString("base64")
  return [
    password,
    b64(password),
    b64(`\u0000${username ?? ""}\u0000${password}`),
    b64(`${username ?? ""}\u0000${username ?? ""}\u0000${password}`)
  ]
}

const firstLine = (text: string) => (text.split(/\r?\n/)[0] ?? "").trim().slice(0, 300)

const classify = (error: unknown): Attempt => {
  const err = (error ?? {}) as NodemailerError
  const code = typeof err.code === "string" ? err.code : undefined
  const responseCode = typeof err.responseCode === "number" ? err.responseCode : undefined
  const reply = typeof err.response === "string" ? firstLine(err.response) : undefined
  if (responseCode !== undefined) {
    const permanent = typeof err.permanent === "boolean" ? err.permanent : isPermanentReply(responseCode)
    const command = typeof err.command === "string" ? ` at ${err.command.split(" ")[0]}` : ""
    const text = reply !== undefined && reply !== "" ? reply : `${responseCode}`
    return {
      description: `${code === "EAUTH" ? "authentication failed: " : ""}server replied ${text}${command}`,
      retryable: !permanent
    }
  }
  const message = error instanceof Error ? firstLine(error.message) : String(error)
  if (code === "EAUTH" || code === "ENOAUTH")
    return { description: `authentication failed (${code}): ${message}`, retryable: false }
  if (code !== undefined) return { description: `${code}: ${message}`, retryable: !PERMANENT_CODES.has(code) }
  // No code at all: not something nodemailer or the socket reported, so not worth repeating.
  return { description: message, retryable: false }
}

// ---------------------------------------------------------------------------
// The port over nodemailer

const recipients = (to: MailMessage["to"]): Array<string> => (typeof to === "string" ? [to] : [...to])

const addressList = (value: unknown): Array<string> =>
  Array.isArray(value) ? value.map((entry) => (typeof entry === "string" ? entry : String(entry))) : []

/** The pooled transport, closed with the scope; sends in flight finish first. */
const scopedTransport = (config: SmtpConfig, resolved: ResolvedSmtpConfig) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      nodemailer.createTransport({
        pool: true,
        host: resolved.host,
        port: resolved.port,
        secure: resolved.secure,
        requireTLS: config.requireTLS ?? false,
        tls: { rejectUnauthorized: config.rejectUnauthorized ?? true },
        ...(config.username === undefined && config.password === undefined
          ? {}
          : {
              auth: {
                user: config.username ?? "",
                pass: config.password === undefined ? "" : Redacted.value(config.password)
              }
            }),
        ...(config.clientName === undefined ? {} : { name: config.clientName }),
        maxConnections: Math.max(1, config.maxConnections ?? 2),
        ...((config.rateLimit ?? 5) > 0 ? { rateLimit: config.rateLimit ?? 5, rateDelta: 1000 } : {}),
        // Retries are ours (bounded, with backoff): the pool does not requeue on its own.
        maxRequeues: 0,
        connectionTimeout: millis(config.timeouts?.connect, Duration.seconds(10)),
        greetingTimeout: millis(config.timeouts?.greeting, Duration.seconds(10)),
        socketTimeout: millis(config.timeouts?.socket, Duration.seconds(30)),
        logger: false,
        debug: false
      })
    ),
    (transport) => Effect.sync(() => transport.close())
  )

/** Build the port over a fresh pooled transport that lives as long as the scope. */
export const makeSmtpMailer = (config: SmtpConfig): Effect.Effect<MailerService, never, Scope.Scope> =>
  Effect.gen(function* () {
    const resolved = resolve(config)
    const transport = yield* scopedTransport(config, resolved)
    const scrub = scrubber(
      passwordForms(
        config.username,
        config.password === undefined ? undefined : Redacted.value(config.password)
      )
    )
    const server = `SMTP ${resolved.host}:${resolved.port}`

    const attempt = (message: MailMessage): Effect.Effect<MailReceipt, Attempt> =>
      Effect.tryPromise({
        try: (signal) =>
          transport.sendMail({
            from: config.from,
            to: recipients(message.to),
            subject: message.subject,
            text: message.text,
            ...(message.html === undefined ? {} : { html: message.html }),
            ...(message.messageId === undefined ? {} : { messageId: message.messageId }),
            ...(message.headers === undefined ? {} : { headers: { ...message.headers } }),
            ...(message.replyTo === undefined ? {} : { replyTo: message.replyTo }),
            signal
          }),
        catch: classify
      }).pipe(
        Effect.timeoutFail({
          duration: resolved.sendTimeout,
          onTimeout: (): Attempt => ({
            description: `no answer within ${Duration.format(resolved.sendTimeout)}`,
            retryable: true
          })
        }),
        Effect.map(
          (info): MailReceipt => ({
            messageId: String(info.messageId),
            accepted: addressList(info.accepted),
            rejected: addressList(info.rejected)
          })
        )
      )

    const send = (message: MailMessage): Effect.Effect<MailReceipt, NoticeError> =>
      Effect.gen(function* () {
        const to = recipients(message.to)
        if (to.length === 0 || to.some((address) => address.trim() === ""))
          return yield* Effect.fail(
            new NoticeError({ channel: "email", message: "no recipient email address", retryable: false })
          )
        let failures = 0
        while (true) {
          const result = yield* Effect.either(attempt(message))
          if (result._tag === "Right") {
            if (result.right.rejected.length > 0)
              yield* Effect.logWarning("Some recipients were refused").pipe(
                Effect.annotateLogs({ rejected: result.right.rejected.join(", ") })
              )
            return result.right
          }
          failures++
          const failure = result.left
          const description = scrub(failure.description)
          if (!failure.retryable || failures > resolved.retries) {
            const tries = failures > 1 ? `; gave up after ${failures} tries` : ""
            return yield* Effect.fail(
              new NoticeError({
                channel: "email",
                message: `${server}: could not send to ${to.join(", ")}: ${description}${tries}`,
                retryable: failure.retryable
              })
            )
          }
          const base = Duration.toMillis(resolved.retryBaseDelay) * 2 ** (failures - 1)
          const delay = Math.round(Math.min(base, 60_000) * (yield* Random.nextRange(0.8, 1.2)))
          yield* Effect.logWarning("Sending mail failed; retrying").pipe(
            Effect.annotateLogs({ error: description, retry_in_ms: delay, attempt: failures })
          )
          yield* Effect.sleep(Duration.millis(delay))
        }
      }).pipe(
        Effect.annotateLogs({ smtp_host: resolved.host, mail_to: recipients(message.to).join(", ") }),
        Effect.withSpan("Mailer.send")
      )

    return Mailer.of({ send })
  })

/**
 * Read the SMTP settings from `effect/Config` (environment variables by
 * default): `SMTP_HOST`, `SMTP_FROM`, and optionally `SMTP_PORT` (default 587),
 * `SMTP_SECURE`, `SMTP_USERNAME`, `SMTP_PASSWORD`. Nest it
 * (`Config.nested("ALERTS")`) or pass your own `Config` to use other names.
 */
export const smtpConfigFromEnv: Config.Config<SmtpConfig> = Config.all({
  host: Config.nonEmptyString("SMTP_HOST"),
  port: Config.option(
    Config.integer("SMTP_PORT").pipe(
      Config.validate({ message: "SMTP_PORT must be a port number", validation: (n) => n > 0 && n < 65536 })
    )
  ),
  secure: Config.option(Config.boolean("SMTP_SECURE")),
  username: Config.option(Config.nonEmptyString("SMTP_USERNAME")),
  password: Config.option(Config.redacted("SMTP_PASSWORD")),
  from: Config.nonEmptyString("SMTP_FROM")
}).pipe(
  Config.map(
    ({ host, port, secure, username, password, from }): SmtpConfig => ({
      host,
      from,
      ...(port._tag === "Some" ? { port: port.value } : {}),
      ...(secure._tag === "Some" ? { secure: secure.value } : {}),
      ...(username._tag === "Some" ? { username: username.value } : {}),
      ...(password._tag === "Some" ? { password: password.value } : {})
    })
  )
)

/** The `Mailer` port over SMTP (nodemailer, pooled). */
export const SmtpMailer = {
  layer: (config: SmtpConfig): Layer.Layer<Mailer> => Layer.scoped(Mailer, makeSmtpMailer(config)),
  /** Configured from `effect/Config`; see `smtpConfigFromEnv` for the names. */
  layerConfig: (
    config: Config.Config<SmtpConfig> = smtpConfigFromEnv
  ): Layer.Layer<Mailer, ConfigError.ConfigError> => Layer.unwrapEffect(Effect.map(config, SmtpMailer.layer))
}
