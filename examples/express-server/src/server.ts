/**
 * An Express 5 app with family scrobbling mounted through the Promise facade
 * `createFamilyScrobble` of `@org/server`. The part to copy into your own app is
 * in `startServer`, between "the facade" and "your own routes".
 */
import { randomBytes } from "node:crypto"
import { mkdir, readFile, stat, writeFile } from "node:fs/promises"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { dirname, resolve } from "node:path"
import { createFamilyScrobble } from "@org/server"
import { startTraktSandbox, type TraktSandbox } from "@org/trakt/sandbox"
import { Data, Duration, Either, Redacted } from "effect"
import express from "express"
import { type ConfigOptions, parseConfig, type ServerConfig, tokenKeyProblem } from "./config.js"

/** The server could not start for a reason a person can fix (a port in use, an unreadable key file, …). */
export class StartupError extends Data.TaggedError("StartupError")<{ readonly message: string }> {}

export interface StartOptions extends ConfigOptions {
  /** Where the start block and warnings go. Default: the console. */
  readonly log?: {
    readonly info: (line: string) => void
    readonly warn: (line: string) => void
  }
}

export interface RunningServer {
  /** The landing page: the public URL. */
  readonly url: string
  /** The Trakt sandbox's URL, when it runs. */
  readonly sandboxUrl: string | undefined
  /** Stop accepting connections, let broadcasts under way finish, close the database and the sandbox. */
  readonly close: () => Promise<void>
}

const consoleLog = {
  info: (line: string) => console.log(line),
  warn: (line: string) => console.warn(`Warning: ${line}`)
}

/**
 * The token key: `TOKEN_ENCRYPTION_KEY`, or the key file of the data directory. A
 * new key is made in memory and written (`persist`) only once the server knows it
 * can run: a start that fails (a port in use, a data directory held by another
 * process) leaves no key behind.
 */
const loadTokenKey = async (
  config: ServerConfig
): Promise<{
  readonly key: Redacted.Redacted<string>
  readonly source: string
  readonly warning?: string
  readonly persist?: () => Promise<void>
}> => {
  const choice = config.tokenEncryptionKey
  if (choice._tag === "Configured") return { key: choice.value, source: "TOKEN_ENCRYPTION_KEY" }
  const path = resolve(choice.path)
  try {
    const key = (await readFile(path, "utf8")).trim()
    const problem = tokenKeyProblem(key)
    if (problem !== undefined)
      throw new StartupError({ message: `${path} does not hold a usable token key: ${problem}` })
    const warning =
      ((await stat(path)).mode & 0o077) !== 0
        ? `${path} can be read by other users of this machine: chmod 600 it.`
        : undefined
    return { key: Redacted.make(key), source: path, ...(warning === undefined ? {} : { warning }) }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      if (error instanceof StartupError) throw error
      throw new StartupError({ message: `Cannot read the token key file ${path}: ${String(error)}` })
    }
  }
  const key = randomBytes(32).toString("base64")
  return {
    key: Redacted.make(key),
    source: path,
    warning: `TOKEN_ENCRYPTION_KEY is not set: generated a key in ${path}. It encrypts the stored Trakt tokens: keep it with the data directory (or set TOKEN_ENCRYPTION_KEY).`,
    persist: async () => {
      try {
        await mkdir(dirname(path), { recursive: true })
        // "wx": never overwrite a key another process just wrote.
        await writeFile(path, `${key}\n`, { mode: 0o600, flag: "wx" })
      } catch (error) {
        throw new StartupError({ message: `Cannot write the token key file ${path}: ${String(error)}` })
      }
    }
  }
}

const listen = (server: Server, port: number, host: string) =>
  new Promise<AddressInfo>((resolveListen, reject) => {
    const onError = (error: NodeJS.ErrnoException) =>
      reject(
        new StartupError({
          message:
            error.code === "EADDRINUSE"
              ? `PORT ${port} is already in use on ${host}: stop what runs there, or set PORT to another port (0: any free port).`
              : `Cannot listen on ${host}:${port} (HOST, PORT): ${error.message}`
        })
      )
    server.once("error", onError)
    server.listen(port, host, () => {
      server.off("error", onError)
      resolveListen(server.address() as AddressInfo)
    })
  })

const wildcardHosts = new Set(["0.0.0.0", "::", "[::]", "localhost"])

/** `PUBLIC_URL`, or `http://localhost:<port>` (`http://<HOST>:<port>` when bound to one address). */
const publicUrlOf = (config: ServerConfig, port: number) => {
  if (config.publicUrl !== undefined) return config.publicUrl
  const host = wildcardHosts.has(config.host) ? "localhost" : config.host
  return `http://${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${port}`
}

/** The database as the start block shows it: never the password. */
const describeDatabase = (config: ServerConfig) => {
  if (config.database._tag === "Embedded") return `embedded PGlite in ${resolve(config.database.dataDir)}`
  const url = new URL(Redacted.value(config.database.url))
  url.password = ""
  return `Postgres at ${url.toString()}`
}

/** Start the server from an environment such as `process.env`. */
export const startServer = async (
  env: Readonly<Record<string, string | undefined>>,
  options: StartOptions = {}
): Promise<RunningServer> => {
  const log = options.log ?? consoleLog
  const config = Either.getOrThrowWith(parseConfig(env, options), (error) => error)
  for (const warning of config.warnings) log.warn(warning)
  const tokenKey = await loadTokenKey(config)

  const sandbox: TraktSandbox | undefined =
    config.trakt._tag === "Sandbox" ? await startTraktSandbox({ host: "127.0.0.1", port: 0 }) : undefined
  const server = createServer()
  let address: AddressInfo
  try {
    address = await listen(server, config.port, config.host)
  } catch (error) {
    await sandbox?.close()
    throw error
  }
  const publicUrl = publicUrlOf(config, address.port)

  // The facade: family scrobbling on the database, Trakt and settings of the configuration.
  const familyScrobble = createFamilyScrobble({
    publicUrl,
    database:
      config.database._tag === "Postgres"
        ? { url: Redacted.value(config.database.url) }
        : { dataDir: resolve(config.database.dataDir) },
    trakt:
      sandbox === undefined && config.trakt._tag === "Trakt"
        ? {
            clientId: config.trakt.clientId,
            clientSecret: config.trakt.clientSecret,
            ...(config.trakt.apiUrl === undefined ? {} : { apiUrl: config.trakt.apiUrl }),
            ...(config.trakt.authUrl === undefined ? {} : { authUrl: config.trakt.authUrl })
          }
        : {
            clientId: sandbox?.clientId ?? "",
            clientSecret: sandbox?.clientSecret ?? "",
            apiUrl: sandbox?.url ?? "",
            authUrl: sandbox?.url ?? ""
          },
    tokenEncryptionKey: tokenKey.key,
    adminToken: config.adminToken,
    settings: {
      retryBaseDelay: Duration.millis(config.retryBaseDelayMs),
      retryMaxAttempts: config.retryMaxAttempts,
      onboarding: config.onboarding
    },
    logLevel: config.logLevel,
    // Behind your own reverse proxy every client would be the proxy: X-Forwarded-For tells them apart.
    rateLimits: { trustProxy: config.trustProxy }
  })

  const app = express()
  // Mounted before any body parser: it reads webhook bodies (multipart, with a poster) itself.
  app.use(familyScrobble.router)

  // Your own routes live beside it, with whatever middleware they need.
  app.use(express.json())
  app.get("/about", (_request, response) => {
    response.json({ name: "@org/example-express-server", trakt: sandbox === undefined ? "trakt" : "sandbox" })
  })

  server.on("request", app)
  try {
    await familyScrobble.start()
  } catch (error) {
    server.close()
    server.closeAllConnections()
    await sandbox?.close()
    throw new StartupError({
      message: `Family scrobbling could not start (${describeDatabase(config)}): ${error instanceof Error ? error.message : String(error)}`
    })
  }
  // Only now that it runs: the key of a first start goes to the data directory.
  try {
    await tokenKey.persist?.()
  } catch (error) {
    server.close()
    server.closeAllConnections()
    await familyScrobble.stop()
    await sandbox?.close()
    throw error
  }
  if (tokenKey.warning !== undefined) log.warn(tokenKey.warning)

  const admin =
    config.adminToken === undefined
      ? "closed (set ADMIN_TOKEN to open it)"
      : "open (sign in with the ADMIN_TOKEN)"
  const lines = [
    "",
    "Family scrobbling is running.",
    "",
    `  Landing page   ${publicUrl}/`,
    `  Admin page     ${publicUrl}/admin   ${admin}`,
    `  API docs       ${publicUrl}/docs`,
    `  Database       ${describeDatabase(config)}`,
    `  Token key      ${tokenKey.source}`,
    sandbox === undefined
      ? `  Trakt          ${config.trakt._tag === "Trakt" ? `${config.trakt.apiUrl ?? "https://api.trakt.tv"} (client id ${config.trakt.clientId})` : ""}`
      : `  Trakt sandbox  ${sandbox.url}   (sign in as any username; what it received: ${sandbox.url}/_sandbox/scrobbles)`,
    `  Listening on   ${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`,
    "",
    "Open the landing page, choose Family account and authorize each member. Then send Plex's webhook:",
    `  npx -y pnpm@10 --filter @org/example-express-server send-sample-webhook --server ${publicUrl} --group <group id> --event play`,
    "Stop with Ctrl+C.",
    ""
  ]
  log.info(lines.join("\n"))

  let closing: Promise<void> | undefined
  const close = () => {
    closing ??= (async () => {
      const closed = new Promise<void>((resolveClose) => server.close(() => resolveClose()))
      server.closeIdleConnections()
      try {
        await familyScrobble.stop()
      } finally {
        server.closeAllConnections()
        await closed
        await sandbox?.close()
      }
    })()
    return closing
  }

  return { url: publicUrl, sandboxUrl: sandbox?.url, close }
}
