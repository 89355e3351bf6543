/**
 * The server's configuration from environment variables, validated once; every
 * problem is reported at once with the variable it concerns.
 */

import { resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { Either, type LogLevel, Redacted } from "effect"

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
    logLevel: logLevel ?? "Info"
  })
}
