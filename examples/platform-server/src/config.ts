/**
 * The server's configuration from environment variables, validated once; every
 * problem is reported at once with the variable it concerns.
 */

import { randomBytes } from "node:crypto"
import { resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { parseOrigin } from "@org/billing"
import { Either, type LogLevel, Option, Redacted } from "effect"

export interface PlatformServerConfig {
  readonly port: number
  readonly host: string
  /** Embedded PGlite under `<dataDir>/pglite`, and the generated JWT secret, when no `databaseUrl`. */
  readonly dataDir: string
  readonly databaseUrl: Redacted.Redacted<string> | undefined
  /** Absent in embedded mode: generated once into the data directory. */
  readonly jwtSecret: Redacted.Redacted<string> | undefined
  readonly admin: { readonly email: string; readonly password: Redacted.Redacted<string> } | undefined
  readonly logLevel: LogLevel.Literal
  /** Stripe's keys (STRIPE_SECRET_KEY set); absent: the built-in fake Stripe on loopback (offline, test mode). */
  readonly stripe:
    | {
        readonly secretKey: Redacted.Redacted<string>
        readonly webhookSecret: Redacted.Redacted<string>
        readonly apiUrl: string | undefined
      }
    | undefined
  /** With the built-in fake: the webhook secret it signs with (STRIPE_WEBHOOK_SECRET), else a generated one. */
  readonly fakeWebhookSecret: Redacted.Redacted<string> | undefined
  /** What the server runs without, said at start. */
  readonly warnings: ReadonlyArray<string>
  /**
   * For the crash test only (PLATFORM_CRASH_AFTER_WEBHOOK_RECORD=1): the process
   * kills itself once a webhook's event is recorded, before it answers.
   */
  readonly crashAfterWebhookRecord: boolean
  /** Sign-ins, sign-ups and refreshes per client per minute; 0: no limit (a proxy limits). */
  readonly authRateLimit: number
  readonly billing: {
    readonly trialDays: number
    readonly graceDays: number
    readonly allowedRedirectOrigins: ReadonlyArray<string>
  }
}

/** The example's own directory: the default data directory lives under it. */
const exampleDir = resolve(fileURLToPath(new URL(".", import.meta.url)), "..")

const logLevels: Record<string, LogLevel.Literal> = {
  trace: "Trace",
  debug: "Debug",
  info: "Info",
  warn: "Warning",
  warning: "Warning",
  error: "Error",
  fatal: "Fatal",
  none: "None"
}

export class InvalidConfiguration extends Error {
  constructor(readonly problems: ReadonlyArray<string>) {
    super(`The configuration is invalid:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`)
  }
}

export const readConfig = (
  env: Record<string, string | undefined>
): Either.Either<PlatformServerConfig, InvalidConfiguration> => {
  const problems: Array<string> = []
  const value = (name: string) => {
    const raw = env[name]?.trim()
    return raw === undefined || raw === "" ? undefined : raw
  }

  const portText = value("PORT") ?? "3100"
  const port = Number(portText)
  if (!/^\d+$/.test(portText) || port > 65535)
    problems.push(`PORT must be a port number (0–65535), got "${portText}"`)

  const databaseUrl = value("DATABASE_URL")
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl))
    problems.push("DATABASE_URL must be a postgres:// URL")

  const jwtSecret = value("JWT_SECRET")
  if (jwtSecret !== undefined && new TextEncoder().encode(jwtSecret).byteLength < 32)
    problems.push("JWT_SECRET must be at least 32 bytes (openssl rand -base64 48)")
  if (jwtSecret === undefined && databaseUrl !== undefined)
    problems.push(
      "JWT_SECRET is required with DATABASE_URL: every server sharing the database must sign with the same secret (openssl rand -base64 48)"
    )

  const adminEmail = value("ADMIN_EMAIL")
  const adminPassword = value("ADMIN_PASSWORD")
  if ((adminEmail === undefined) !== (adminPassword === undefined))
    problems.push(
      "ADMIN_EMAIL and ADMIN_PASSWORD go together: set both to create the admin account, or neither"
    )
  else if (adminEmail !== undefined && adminPassword !== undefined) {
    // The rules every password follows: 10 characters at least, not the email.
    if (adminPassword.length < 10) problems.push("ADMIN_PASSWORD must have at least 10 characters")
    else if (adminPassword.toLowerCase() === adminEmail.toLowerCase())
      problems.push("ADMIN_PASSWORD cannot be the admin's email address")
  }

  const levelText = value("LOG_LEVEL") ?? "info"
  const logLevel = logLevels[levelText.toLowerCase()]
  if (logLevel === undefined)
    problems.push(
      `LOG_LEVEL must be one of trace, debug, info, warning, error, fatal, none, got "${levelText}"`
    )

  const secretKey = value("STRIPE_SECRET_KEY")
  const webhookSecret = value("STRIPE_WEBHOOK_SECRET")
  const apiUrl = value("STRIPE_API_URL")
  const warnings: Array<string> = []
  if (secretKey !== undefined && webhookSecret === undefined)
    warnings.push(
      "STRIPE_WEBHOOK_SECRET is unset: every Stripe webhook is refused (400) until it is set to the signing secret (whsec_…) of the endpoint /api/v1/webhooks/stripe"
    )
  if (secretKey === undefined && apiUrl !== undefined)
    warnings.push(
      "STRIPE_API_URL is ignored without STRIPE_SECRET_KEY: the server runs the built-in fake Stripe"
    )
  if (apiUrl !== undefined && !/^https?:\/\/[^/]+/.test(apiUrl))
    problems.push(`STRIPE_API_URL must be an http(s) URL such as https://api.stripe.com, got "${apiUrl}"`)

  const number = (name: string, fallback: number, max: number, whole: boolean) => {
    const text = value(name)
    if (text === undefined) return fallback
    const parsed = Number(text)
    if (!/^\d+(\.\d+)?$/.test(text) || parsed > max || (whole && !Number.isInteger(parsed))) {
      problems.push(
        `${name} must be a ${whole ? "whole " : ""}number of days from 0 to ${max}, got "${text}"`
      )
      return fallback
    }
    return parsed
  }
  const authLimitText = value("AUTH_RATE_LIMIT")
  const authRateLimit = authLimitText === undefined ? 30 : Number(authLimitText)
  if (authLimitText !== undefined && (!/^\d+$/.test(authLimitText) || authRateLimit > 100_000))
    problems.push(
      `AUTH_RATE_LIMIT must be sign-ins per client per minute, a whole number from 0 (no limit) to 100000, got "${authLimitText}"`
    )
  const trialDays = number("TRIAL_DAYS", 7, 365, true)
  const graceDays = number("BILLING_GRACE_DAYS", 3, 60, false)
  const origins: Array<string> = []
  for (const raw of (value("ALLOWED_REDIRECT_ORIGINS") ?? "").split(",")) {
    const text = raw.trim()
    if (text === "") continue
    // The rule billing applies: scheme, host and port, nothing else.
    const origin = parseOrigin(text)
    if (Option.isNone(origin) || origin.value !== text.replace(/\/$/, ""))
      problems.push(
        `ALLOWED_REDIRECT_ORIGINS must be comma-separated origins such as https://app.example.com, got "${text}"`
      )
    else origins.push(origin.value)
  }

  if (problems.length > 0) return Either.left(new InvalidConfiguration(problems))
  return Either.right({
    port,
    host: value("HOST") ?? "0.0.0.0",
    dataDir: resolve(value("DATA_DIR") ?? resolve(exampleDir, ".data")),
    databaseUrl: databaseUrl === undefined ? undefined : Redacted.make(databaseUrl),
    jwtSecret: jwtSecret === undefined ? undefined : Redacted.make(jwtSecret),
    admin:
      adminEmail === undefined || adminPassword === undefined
        ? undefined
        : { email: adminEmail, password: Redacted.make(adminPassword) },
    logLevel: logLevel ?? "Info",
    stripe:
      secretKey === undefined
        ? undefined
        : {
            secretKey: Redacted.make(secretKey),
            // Unset: a secret nobody knows, so no delivery verifies (see the warning).
            webhookSecret: Redacted.make(webhookSecret ?? `whsec_${randomBytes(24).toString("base64url")}`),
            apiUrl
          },
    fakeWebhookSecret:
      secretKey === undefined && webhookSecret !== undefined ? Redacted.make(webhookSecret) : undefined,
    warnings,
    billing: { trialDays, graceDays, allowedRedirectOrigins: origins },
    authRateLimit: Number.isInteger(authRateLimit) ? authRateLimit : 30,
    crashAfterWebhookRecord: value("PLATFORM_CRASH_AFTER_WEBHOOK_RECORD") === "1"
  })
}
