/**
 * The daemon's configuration: the environment its users already know from the
 * Python daemon, validated at once, every problem naming its variable. Pure.
 */
import { join } from "node:path"
import { Config, Data, Either, Option, Redacted } from "effect"

export type DatabaseConfig =
  | { readonly _tag: "Postgres"; readonly url: Redacted.Redacted<string> }
  | { readonly _tag: "Embedded"; readonly dataDir: string }

export interface SmtpConfig {
  readonly host: string
  readonly port: number
  readonly username: string | undefined
  readonly password: Redacted.Redacted<string> | undefined
  readonly from: string
}

export interface DaemonConfig {
  readonly plexToken: Redacted.Redacted<string>
  readonly plexServerName: string | undefined
  readonly plexServerId: string | undefined
  readonly plexTvUrl: string
  readonly tautulliUrl: string
  readonly tautulliApiKey: Redacted.Redacted<string>
  readonly smtp: SmtpConfig | undefined
  readonly adminEmail: string | undefined
  readonly warnDays: number
  readonly kickDays: number
  readonly minNoticeDays: number | undefined
  readonly checkNewUsersSecs: number
  readonly checkInactivitySecs: number
  readonly dryRun: boolean
  readonly vipNames: ReadonlyArray<string>
  readonly discordWebhook: Redacted.Redacted<string> | undefined
  readonly includeHomeUsers: boolean
  readonly includeManagedUsers: boolean
  readonly tautulliCleanup: "none" | "delete-user" | "purge-history"
  readonly unknownJoinDate: "skip" | "first-seen"
  readonly database: DatabaseConfig
  /** Worth a warning at start, not an error. */
  readonly warnings: ReadonlyArray<string>
}

export class InvalidConfiguration extends Data.TaggedError("InvalidConfiguration")<{
  readonly problems: ReadonlyArray<string>
}> {
  override get message(): string {
    return `The configuration is invalid:\n${this.problems.map((problem) => `  - ${problem}`).join("\n")}`
  }
}

export const variableNames = [
  "PLEX_TOKEN",
  "PLEX_SERVER_NAME",
  "PLEX_SERVER_ID",
  "PLEX_TV_URL",
  "TAUTULLI_URL",
  "TAUTULLI_API_KEY",
  "SMTP_HOST",
  "SMTP_PORT",
  "SMTP_USERNAME",
  "SMTP_PASSWORD",
  "SMTP_FROM",
  "ADMIN_EMAIL",
  "WARN_DAYS",
  "KICK_DAYS",
  "MIN_NOTICE_DAYS",
  "CHECK_NEW_USERS_SECS",
  "CHECK_INACTIVITY_SECS",
  "DRY_RUN",
  "VIP_NAMES",
  "DISCORD_WEBHOOK",
  "INCLUDE_HOME_USERS",
  "INCLUDE_MANAGED_USERS",
  "TAUTULLI_CLEANUP",
  "UNKNOWN_JOIN_DATE",
  "DATABASE_URL",
  "DATA_DIR"
] as const

export type VariableName = (typeof variableNames)[number]
export type RawVariables = { readonly [K in VariableName]: string | undefined }

const optionalVariable = (name: VariableName) =>
  Config.option(Config.string(name)).pipe(
    Config.map((value) =>
      Option.isSome(value) && value.value.trim() !== "" ? value.value.trim() : undefined
    )
  )

/** Every variable as an optional string, from the current `ConfigProvider`. */
export const rawVariables: Config.Config<RawVariables> = Config.all(
  Object.fromEntries(variableNames.map((name) => [name, optionalVariable(name)])) as {
    readonly [K in VariableName]: Config.Config<string | undefined>
  }
)

const isHttpUrl = (value: string) => {
  if (!URL.canParse(value)) return false
  const protocol = new URL(value).protocol
  return protocol === "http:" || protocol === "https:"
}
const emailPattern = /^[^\s@]+@[^\s@]+$/

/** Validate the raw variables: the configuration, or every problem found. */
export const validateVariables = (raw: RawVariables): Either.Either<DaemonConfig, InvalidConfiguration> => {
  const problems: Array<string> = []
  const warnings: Array<string> = []

  const required = (name: VariableName, what: string) => {
    const value = raw[name]
    if (value === undefined) problems.push(`${name} is required: ${what}`)
    return value ?? ""
  }
  const wholeNumber = (name: VariableName, fallback: number, min: number, max: number, what: string) => {
    const value = raw[name]
    if (value === undefined) return fallback
    const n = /^\d+$/.test(value) ? Number(value) : Number.NaN
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      problems.push(`${name} must be ${what}, got "${value}"`)
      return fallback
    }
    return n
  }
  const flag = (name: VariableName, fallback: boolean) => {
    const value = raw[name]?.toLowerCase()
    if (value === undefined) return fallback
    if (["1", "true", "yes", "on"].includes(value)) return true
    if (["0", "false", "no", "off"].includes(value)) return false
    problems.push(`${name} must be true or false, got "${raw[name]}"`)
    return fallback
  }
  const url = (name: VariableName, value: string | undefined, example: string) => {
    if (value === undefined) return undefined
    if (!isHttpUrl(value)) {
      // A URL can hold a secret: only say what is wrong with it.
      problems.push(`${name} must be an http:// or https:// URL such as ${example}`)
      return undefined
    }
    return value.replace(/\/+$/, "")
  }
  const email = (name: VariableName) => {
    const value = raw[name]
    if (value !== undefined && !emailPattern.test(value))
      problems.push(`${name} must be an email address, got "${value}"`)
    return value
  }

  const plexToken = required("PLEX_TOKEN", "your Plex account's token (X-Plex-Token)")
  const plexServerName = raw.PLEX_SERVER_NAME
  const plexServerId = raw.PLEX_SERVER_ID
  if (plexServerName === undefined && plexServerId === undefined)
    problems.push(
      "PLEX_SERVER_NAME is required (the name of the server to prune), or PLEX_SERVER_ID (its machine identifier)"
    )
  const plexTvUrl = url("PLEX_TV_URL", raw.PLEX_TV_URL, "https://plex.tv") ?? "https://plex.tv"
  const tautulliUrl =
    url(
      "TAUTULLI_URL",
      required("TAUTULLI_URL", "the address of Tautulli, e.g. http://localhost:8181") || undefined,
      "http://localhost:8181"
    ) ?? ""
  const tautulliApiKey = required("TAUTULLI_API_KEY", "Tautulli's API key (Settings → Web Interface → API)")

  let smtp: SmtpConfig | undefined
  const smtpPort = wholeNumber("SMTP_PORT", 587, 1, 65535, "a port number from 1 to 65535")
  if (raw.SMTP_HOST !== undefined) {
    const from = raw.SMTP_FROM
    if (from === undefined)
      problems.push("SMTP_FROM is required with SMTP_HOST: the sender address of the emails")
    else if (!emailPattern.test(from.replace(/^.*<([^>]+)>\s*$/, "$1")))
      problems.push(`SMTP_FROM must be an email address (optionally "Name <address>"), got "${from}"`)
    if ((raw.SMTP_USERNAME === undefined) !== (raw.SMTP_PASSWORD === undefined))
      problems.push("SMTP_USERNAME and SMTP_PASSWORD go together: set both or neither")
    smtp = {
      host: raw.SMTP_HOST,
      port: smtpPort,
      username: raw.SMTP_USERNAME,
      password: raw.SMTP_PASSWORD === undefined ? undefined : Redacted.make(raw.SMTP_PASSWORD),
      from: from ?? ""
    }
  }
  const adminEmail = email("ADMIN_EMAIL")

  const warnDays = wholeNumber("WARN_DAYS", 27, 1, 3650, "a whole number of days of at least 1")
  const kickDays = wholeNumber("KICK_DAYS", 30, 1, 3650, "a whole number of days of at least 1")
  if (warnDays >= kickDays) problems.push(`WARN_DAYS (${warnDays}) must be less than KICK_DAYS (${kickDays})`)
  const minNoticeDays =
    raw.MIN_NOTICE_DAYS === undefined
      ? undefined
      : wholeNumber("MIN_NOTICE_DAYS", 0, 0, 3650, "a whole number of days")
  const checkNewUsersSecs = wholeNumber("CHECK_NEW_USERS_SECS", 120, 10, 86_400, "seconds from 10 to 86400")
  const checkInactivitySecs = wholeNumber(
    "CHECK_INACTIVITY_SECS",
    1800,
    60,
    604_800,
    "seconds from 60 to 604800"
  )
  const dryRun = flag("DRY_RUN", true)
  const includeHomeUsers = flag("INCLUDE_HOME_USERS", false)
  const includeManagedUsers = flag("INCLUDE_MANAGED_USERS", false)
  const vipNames = (raw.VIP_NAMES ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "")

  let discordWebhook: Redacted.Redacted<string> | undefined
  if (raw.DISCORD_WEBHOOK !== undefined) {
    if (
      url("DISCORD_WEBHOOK", raw.DISCORD_WEBHOOK, "https://discord.com/api/webhooks/<id>/<token>") !==
      undefined
    )
      discordWebhook = Redacted.make(raw.DISCORD_WEBHOOK)
  }

  const cleanupValue = (raw.TAUTULLI_CLEANUP ?? "none").toLowerCase().replace("_", "-")
  const tautulliCleanup =
    cleanupValue === "none" || cleanupValue === "delete-user" || cleanupValue === "purge-history"
      ? cleanupValue
      : "none"
  if (tautulliCleanup !== cleanupValue)
    problems.push(
      `TAUTULLI_CLEANUP must be none, delete_user or purge_history, got "${raw.TAUTULLI_CLEANUP}"`
    )
  const joinValue = (raw.UNKNOWN_JOIN_DATE ?? "skip").toLowerCase()
  const unknownJoinDate = joinValue === "skip" || joinValue === "first-seen" ? joinValue : "skip"
  if (unknownJoinDate !== joinValue)
    problems.push(`UNKNOWN_JOIN_DATE must be skip or first-seen, got "${raw.UNKNOWN_JOIN_DATE}"`)

  const dataDir = raw.DATA_DIR ?? "./.data"
  let database: DatabaseConfig = { _tag: "Embedded", dataDir: join(dataDir, "prune-pglite") }
  if (raw.DATABASE_URL !== undefined) {
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(raw.DATABASE_URL)?.[0]
    if (!URL.canParse(raw.DATABASE_URL) || (scheme !== "postgres:" && scheme !== "postgresql:"))
      problems.push("DATABASE_URL must be a postgres:// URL (unset it for the embedded database)")
    else database = { _tag: "Postgres", url: Redacted.make(raw.DATABASE_URL) }
  }

  if (smtp === undefined)
    warnings.push(
      "SMTP_HOST is not set: no email can go out, so nobody is warned and therefore nobody is removed (warnings must reach people first)."
    )
  if (adminEmail === undefined) warnings.push("ADMIN_EMAIL is not set: no reports to the admin.")
  if (dryRun)
    warnings.push(
      "DRY_RUN is on (the default): the daemon reports what it would do and changes nothing. Set DRY_RUN=false to act."
    )

  if (problems.length > 0) return Either.left(new InvalidConfiguration({ problems }))
  return Either.right({
    plexToken: Redacted.make(plexToken),
    plexServerName,
    plexServerId,
    plexTvUrl,
    tautulliUrl,
    tautulliApiKey: Redacted.make(tautulliApiKey),
    smtp,
    adminEmail,
    warnDays,
    kickDays,
    minNoticeDays,
    checkNewUsersSecs,
    checkInactivitySecs,
    dryRun,
    vipNames,
    discordWebhook,
    includeHomeUsers,
    includeManagedUsers,
    tautulliCleanup,
    unknownJoinDate,
    database,
    warnings
  })
}
