/**
 * The platform API server: the accounts and library stores on embedded PGlite (or the
 * Postgres server at DATABASE_URL), argon2id and JWT signing, served by Node
 * through `PlatformHttp.serve`. On start, the admin account of ADMIN_EMAIL is
 * created once.
 */

import { randomBytes } from "node:crypto"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { HttpServer } from "@effect/platform"
import { AccountsConfig, Entitlements, ensureAdminAccount } from "@org/accounts"
import { PasswordHasherArgon2, SecureRandomNode, TokenSignerJose } from "@org/crypto"
import { PlatformHttp } from "@org/http/platform"
import { deriveTokenKeys, makeTokenCipher, PgDatabase } from "@org/pg"
import { AccountsPg } from "@org/pg/accounts"
import { LibraryPg } from "@org/pg/library"
import { Context, Effect, Layer, Logger, LogLevel, Redacted, type Scope } from "effect"
import type { PlatformServerConfig } from "./config.js"

/**
 * The JWT secret of an embedded database: made once (48 random bytes, mode
 * 0600) and reused, so sessions survive a restart. Created exclusively: two
 * servers starting at once agree on one.
 */
export const embeddedJwtSecret = (dataDir: string): Redacted.Redacted<string> => {
  mkdirSync(dataDir, { recursive: true })
  const path = join(dataDir, "jwt-secret")
  try {
    writeFileSync(path, `${randomBytes(48).toString("base64")}\n`, { flag: "wx", mode: 0o600 })
  } catch (error) {
    if ((error as { code?: string }).code !== "EEXIST") throw error
  }
  return Redacted.make(readFileSync(path, "utf8").trim())
}

export interface RunningServer {
  readonly url: string
  readonly adminCreated: boolean
}

/** Open the database, create the admin if asked, and serve; everything stops with the scope. */
export const startPlatformServer = (
  config: PlatformServerConfig
): Effect.Effect<RunningServer, unknown, Scope.Scope> =>
  Effect.gen(function* () {
    const database =
      config.databaseUrl === undefined
        ? PgDatabase.layerEmbedded({ dataDir: join(config.dataDir, "pglite") })
        : PgDatabase.layerUrl(Redacted.value(config.databaseUrl))
    const secret = config.jwtSecret ?? embeddedJwtSecret(config.dataDir)
    // Playlist credentials are encrypted with a key derived from the JWT secret.
    const cipher = makeTokenCipher(deriveTokenKeys(secret, "playlist credentials v1"))
    // The library's tables reference the accounts': migrated after them.
    const stores = LibraryPg.layer({ cipher }).pipe(Layer.provideMerge(AccountsPg.layer()))
    const services = Layer.mergeAll(
      Entitlements.fromCatalog.pipe(Layer.provideMerge(stores)),
      PasswordHasherArgon2.layer(),
      TokenSignerJose.layer({ secret }),
      SecureRandomNode,
      AccountsConfig.layer()
    ).pipe(Layer.provide(database))
    const context = yield* Layer.build(services)
    const adminCreated =
      config.admin === undefined
        ? false
        : (yield* ensureAdminAccount({
            email: config.admin.email,
            password: Redacted.value(config.admin.password),
            full_name: "Admin"
          }).pipe(Effect.provide(context))).created
    const server = yield* Layer.build(
      PlatformHttp.serve({ port: config.port, host: config.host }).pipe(
        Layer.provide(Layer.succeedContext(context))
      )
    )
    const address = Context.get(server, HttpServer.HttpServer).address
    const url =
      address._tag === "TcpAddress"
        ? `http://${address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname}:${address.port}`
        : `unix:${address.path}`
    return { url, adminCreated }
  }).pipe(Logger.withMinimumLogLevel(LogLevel.fromLiteral(config.logLevel)))
