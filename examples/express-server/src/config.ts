/**
 * The server's configuration: environment variables read with `effect/Config`,
 * validated once, every problem reported at once with the variable it concerns.
 * Pure: no file or network access (the token key file is handled by the server).
 */
import { join } from "node:path"
import {
  Config,
  ConfigError,
  ConfigProvider,
  Data,
  Effect,
  Either,
  type LogLevel,
  Option,
  Redacted
} from "effect"

/** Where the data lives: a Postgres server, or embedded PGlite in a directory. */
export type DatabaseConfig =
  | { readonly _tag: "Postgres"; readonly url: Redacted.Redacted<string> }
  | { readonly _tag: "Embedded"; readonly dataDir: string }

/** Which Trakt to talk to: yours (the real one, or any host you name), or the built-in sandbox. */
export type TraktChoice =
  | {
      readonly _tag: "Trakt"
      readonly clientId: string
      readonly clientSecret: Redacted.Redacted<string>
      readonly apiUrl: string | undefined
      readonly authUrl: string | undefined
    }
  | { readonly _tag: "Sandbox" }

/** The key that encrypts Trakt tokens at rest: given, or kept in a file of the data directory. */
export type TokenKeyChoice =
  | { readonly _tag: "Configured"; readonly value: Redacted.Redacted<string> }
  | { readonly _tag: "KeyFile"; readonly path: string }

export interface ServerConfig {
  readonly port: number
  readonly host: string
  /** `PUBLIC_URL` without a trailing slash; absent: derived from the port once listening. */
  readonly publicUrl: string | undefined
  readonly dataDir: string
  readonly database: DatabaseConfig
  readonly trakt: TraktChoice
  readonly adminToken: Redacted.Redacted<string> | undefined
  readonly tokenEncryptionKey: TokenKeyChoice
  readonly retryBaseDelayMs: number
  readonly retryMaxAttempts: number
  readonly logLevel: LogLevel.Literal
  /** `TRUST_PROXY`: clients are told apart by `X-Forwarded-For` (rate limits). */
  readonly trustProxy: boolean
  /** `ONBOARDING`: who may create family groups (`open`, `invite` or `admin`). */
  readonly onboarding: "open" | "invite" | "admin"
  /** Things worth a warning at start that are not errors. */
  readonly warnings: ReadonlyArray<string>
}

export interface ConfigOptions {
  /**
   * Use the Trakt sandbox when no Trakt app is configured (`TRAKT_CLIENT_ID`
   * absent and `TRAKT_SANDBOX` unset), instead of refusing to start. The
   * repository's `pnpm start` sets it; a deployment should not.
   */
  readonly sandboxUnlessConfigured?: boolean
}

/** The configuration cannot be used; each problem names its variable. */
export class InvalidConfiguration extends Data.TaggedError("InvalidConfiguration")<{
  readonly problems: ReadonlyArray<string>
}> {
  override get message(): string {
    return `The configuration is invalid:\n${this.problems.map((problem) => `  - ${problem}`).join("\n")}`
  }
}

/** Every variable the server reads. */
export const variableNames = [
  "PORT",
  "HOST",
  "PUBLIC_URL",
  "DATABASE_URL",
  "DATA_DIR",
  "TRAKT_SANDBOX",
  "TRAKT_CLIENT_ID",
  "TRAKT_CLIENT_SECRET",
  "TRAKT_API_URL",
  "TRAKT_AUTHORIZE_URL",
  "ADMIN_TOKEN",
  "TOKEN_ENCRYPTION_KEY",
  "RETRY_BASE_DELAY_MS",
  "RETRY_MAX_ATTEMPTS",
  "LOG_LEVEL",
  "TRUST_PROXY",
  "ONBOARDING"
] as const

export type VariableName = (typeof variableNames)[number]

/** The raw values: absent or empty variables are `undefined` (`ADMIN_TOKEN=` means no token). */
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

const isHttpUrl = (value: string) => {
  if (!URL.canParse(value)) return false
  const url = new URL(value)
  return url.protocol === "http:" || url.protocol === "https:"
}

const trimSlash = (value: string) => value.replace(/\/+$/, "")

const base64Pattern = /^[A-Za-z0-9+/]+={0,2}$/
const keyIdPattern = /^[A-Za-z0-9_-]{1,32}$/

/** What is wrong with a token key (never repeating the key), or `undefined` when it is fine. */
export const tokenKeyProblem = (value: string): string | undefined => {
  const howTo = "create one with: openssl rand -base64 32"
  const entries = value.split(",").map((entry) => entry.trim())
  const single = entries.length === 1 && !value.includes(":")
  for (const [index, entry] of entries.entries()) {
    const separator = entry.indexOf(":")
    const id = single ? undefined : entry.slice(0, separator)
    const key = single ? entry : entry.slice(separator + 1)
    if (!single && (separator < 1 || id === undefined || !keyIdPattern.test(id)))
      return `TOKEN_ENCRYPTION_KEY: entry ${index + 1} of the key list must be "<id>:<base64>", the id 1–32 of A–Z a–z 0–9 _ -`
    const name = id === undefined ? "TOKEN_ENCRYPTION_KEY" : `TOKEN_ENCRYPTION_KEY (key "${id}")`
    if (!base64Pattern.test(key) || key.length % 4 !== 0) return `${name} is not base64 (${howTo})`
    const bytes = Buffer.from(key, "base64").length
    if (bytes !== 32) return `${name} must be 32 bytes in base64, but it decodes to ${bytes} bytes (${howTo})`
  }
  return undefined
}

/** Validate the raw variables: the configuration, or every problem found. */
export const validateVariables = (
  raw: RawVariables,
  options: ConfigOptions = {}
): Either.Either<ServerConfig, InvalidConfiguration> => {
  const problems: Array<string> = []
  const warnings: Array<string> = []

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

  const port = wholeNumber("PORT", 3000, 0, 65535, "a port number from 0 to 65535 (0: any free port)")

  const host = raw.HOST ?? "0.0.0.0"
  if (/[\s/]/.test(host))
    problems.push(
      `HOST must be a host name or IP address to listen on (e.g. 0.0.0.0 or 127.0.0.1), got "${host}"`
    )

  let publicUrl: string | undefined
  if (raw.PUBLIC_URL !== undefined) {
    if (!isHttpUrl(raw.PUBLIC_URL) || /[?#]/.test(raw.PUBLIC_URL)) {
      problems.push(
        `PUBLIC_URL must be the http:// or https:// URL where people and Plex reach this server, e.g. https://scrobble.example.com, got "${raw.PUBLIC_URL}"`
      )
    } else {
      publicUrl = trimSlash(raw.PUBLIC_URL)
    }
  }

  const dataDir = raw.DATA_DIR ?? "./.data"
  let database: DatabaseConfig = { _tag: "Embedded", dataDir: join(dataDir, "pglite") }
  if (raw.DATABASE_URL !== undefined) {
    const url = raw.DATABASE_URL
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0]
    if (!URL.canParse(url) || (scheme !== "postgres:" && scheme !== "postgresql:")) {
      // Only the scheme is repeated: the URL may hold a password.
      problems.push(
        `DATABASE_URL must be a postgres:// URL, e.g. postgres://user:password@localhost:5432/scrobble (unset it for the embedded database), got ${scheme === undefined ? "something that is not a URL" : `a "${scheme}" URL`}`
      )
    } else {
      database = { _tag: "Postgres", url: Redacted.make(url) }
    }
  }

  const sandboxFlag = raw.TRAKT_SANDBOX?.toLowerCase()
  let sandbox = false
  if (sandboxFlag === "1" || sandboxFlag === "true" || sandboxFlag === "yes") sandbox = true
  else if (
    sandboxFlag !== undefined &&
    sandboxFlag !== "0" &&
    sandboxFlag !== "false" &&
    sandboxFlag !== "no"
  )
    problems.push(
      `TRAKT_SANDBOX must be 1 (start the built-in Trakt sandbox) or 0, got "${raw.TRAKT_SANDBOX}"`
    )
  else if (
    sandboxFlag === undefined &&
    options.sandboxUnlessConfigured === true &&
    raw.TRAKT_CLIENT_ID === undefined
  ) {
    sandbox = true
    warnings.push(
      "TRAKT_CLIENT_ID is not set: using the built-in Trakt sandbox. Set TRAKT_CLIENT_ID and TRAKT_CLIENT_SECRET (your app at https://trakt.tv/oauth/applications) for the real Trakt."
    )
  }

  const traktVariables = [
    "TRAKT_CLIENT_ID",
    "TRAKT_CLIENT_SECRET",
    "TRAKT_API_URL",
    "TRAKT_AUTHORIZE_URL"
  ] as const
  let trakt: TraktChoice = { _tag: "Sandbox" }
  if (sandbox) {
    const ignored = traktVariables.filter((name) => raw[name] !== undefined)
    if (ignored.length > 0)
      warnings.push(`TRAKT_SANDBOX=1: ${ignored.join(", ")} ignored, the sandbox's own values are used.`)
  } else {
    const required = (name: "TRAKT_CLIENT_ID" | "TRAKT_CLIENT_SECRET", what: string) => {
      const value = raw[name]
      if (value === undefined)
        problems.push(
          `${name} is required: ${what} of your Trakt app (https://trakt.tv/oauth/applications). Or set TRAKT_SANDBOX=1 to try everything against the built-in Trakt sandbox.`
        )
      return value ?? ""
    }
    const url = (name: "TRAKT_API_URL" | "TRAKT_AUTHORIZE_URL", example: string) => {
      const value = raw[name]
      if (value === undefined) return undefined
      if (!isHttpUrl(value)) {
        problems.push(`${name} must be an http:// or https:// URL such as ${example}, got "${value}"`)
        return undefined
      }
      return trimSlash(value)
    }
    trakt = {
      _tag: "Trakt",
      clientId: required("TRAKT_CLIENT_ID", "the client id"),
      clientSecret: Redacted.make(required("TRAKT_CLIENT_SECRET", "the client secret")),
      apiUrl: url("TRAKT_API_URL", "https://api.trakt.tv"),
      authUrl: url("TRAKT_AUTHORIZE_URL", "https://auth.trakt.tv")
    }
  }

  let adminToken: Redacted.Redacted<string> | undefined
  if (raw.ADMIN_TOKEN === undefined) {
    warnings.push("ADMIN_TOKEN is not set: the admin API and the admin page are closed.")
  } else {
    adminToken = Redacted.make(raw.ADMIN_TOKEN)
    if (raw.ADMIN_TOKEN.length < 16)
      warnings.push(
        "ADMIN_TOKEN is shorter than 16 characters: whoever guesses it manages every family (try: openssl rand -hex 24)."
      )
  }

  let tokenEncryptionKey: TokenKeyChoice = { _tag: "KeyFile", path: join(dataDir, "token-encryption.key") }
  if (raw.TOKEN_ENCRYPTION_KEY !== undefined) {
    const problem = tokenKeyProblem(raw.TOKEN_ENCRYPTION_KEY)
    if (problem !== undefined) problems.push(problem)
    tokenEncryptionKey = { _tag: "Configured", value: Redacted.make(raw.TOKEN_ENCRYPTION_KEY) }
  } else if (raw.DATABASE_URL !== undefined) {
    problems.push(
      "TOKEN_ENCRYPTION_KEY is required with DATABASE_URL: every server sharing the database must encrypt Trakt tokens with the same key. Create one with: openssl rand -base64 32"
    )
  }

  const retryBaseDelayMs = wholeNumber(
    "RETRY_BASE_DELAY_MS",
    30_000,
    1,
    Number.MAX_SAFE_INTEGER,
    "a whole number of milliseconds above 0"
  )
  const retryMaxAttempts = wholeNumber("RETRY_MAX_ATTEMPTS", 5, 0, 50, "a whole number from 0 to 50")

  let logLevel: LogLevel.Literal = "Info"
  if (raw.LOG_LEVEL !== undefined) {
    const level = logLevels[raw.LOG_LEVEL.toLowerCase()]
    if (level === undefined)
      problems.push(
        `LOG_LEVEL must be one of trace, debug, info, warning, error, fatal, none, got "${raw.LOG_LEVEL}"`
      )
    else logLevel = level
  }

  const proxyFlag = raw.TRUST_PROXY?.toLowerCase()
  const trustProxy = proxyFlag === "1" || proxyFlag === "true" || proxyFlag === "yes"
  if (proxyFlag !== undefined && !trustProxy && !["0", "false", "no"].includes(proxyFlag))
    problems.push(
      `TRUST_PROXY must be 1 (behind your own reverse proxy: clients are told apart by X-Forwarded-For) or 0, got "${raw.TRUST_PROXY}"`
    )

  const onboardingValue = raw.ONBOARDING?.toLowerCase() ?? "open"
  const onboarding =
    onboardingValue === "open" || onboardingValue === "invite" || onboardingValue === "admin"
      ? onboardingValue
      : "open"
  if (onboarding !== onboardingValue)
    problems.push(
      `ONBOARDING must be open (anyone may create a group), invite (with a code from the admin) or admin (only the admin creates groups), got "${raw.ONBOARDING}"`
    )
  else if (onboarding !== "open" && adminToken === undefined)
    problems.push(
      `ONBOARDING=${onboarding} needs ADMIN_TOKEN: without the admin API nobody could ${onboarding === "invite" ? "make an invite" : "create a group"}`
    )

  if (problems.length > 0) return Either.left(new InvalidConfiguration({ problems }))
  return Either.right({
    port,
    host,
    publicUrl,
    dataDir,
    database,
    trakt,
    adminToken,
    tokenEncryptionKey,
    retryBaseDelayMs,
    retryMaxAttempts,
    logLevel,
    trustProxy,
    onboarding,
    warnings
  })
}

/** The configuration as an `effect/Config` (environment variables by default). */
export const serverConfig = (options: ConfigOptions = {}): Config.Config<ServerConfig> =>
  rawVariables.pipe(
    Config.mapOrFail((raw) =>
      Either.mapLeft(validateVariables(raw, options), (error) => ConfigError.InvalidData([], error.message))
    )
  )

/** Read and validate the configuration from an environment such as `process.env`. */
export const parseConfig = (
  env: Readonly<Record<string, string | undefined>>,
  options: ConfigOptions = {}
): Either.Either<ServerConfig, InvalidConfiguration> => {
  const defined = Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined)
  const provider = ConfigProvider.fromMap(new Map(defined))
  return Effect.runSync(
    Effect.withConfigProvider(rawVariables, provider).pipe(
      Effect.orDie,
      Effect.map((raw) => validateVariables(raw, options))
    )
  )
}
