import { SecureRandomNode } from "@org/crypto"
import { FamilyScrobbleConfig, type FamilySettingsInput } from "@org/family-scrobble"
import type { ExpressMiddleware, NodeHandler } from "@org/http"
import { type FamilyRateLimits, makeHandlers, toExpressMiddleware } from "@org/http/family-scrobble"
import { makeTokenCipher, PgDatabase, parseTokenKeys, type TokenKeys } from "@org/pg"
import { FamilyScrobblePg } from "@org/pg/family-scrobble"
import { FamilyScrobbleWorkers, type FamilyScrobbleWorkersOptions } from "@org/scheduler"
import { TraktApiLive, type TraktConfig } from "@org/trakt"
import { Effect, Layer, Logger, LogLevel, Redacted } from "effect"
import { lazyService } from "./LazyService.js"

export interface CreateFamilyScrobbleOptions {
  /**
   * Where users and Plex reach the server, e.g. `https://scrobble.example.com`.
   * Webhook URLs and the Trakt redirect (`<publicUrl>/authorize/family/member`) are built from it.
   */
  readonly publicUrl: string
  /**
   * `{ url }` for a Postgres server, `{ dataDir }` for embedded PGlite kept in a
   * directory (one process only), `{ memory: true }` for PGlite in memory (tests).
   */
  readonly database: { readonly url: string } | { readonly dataDir: string } | { readonly memory: true }
  /** Your Trakt app. `apiUrl` / `authUrl` point elsewhere than Trakt (the sandbox). */
  readonly trakt: Omit<TraktConfig, "redirectUri" | "clientSecret"> & {
    readonly clientSecret: string | Redacted.Redacted<string>
  }
  /**
   * Encrypts OAuth tokens at rest: 32 random bytes in base64, or key rotation as
   * `"<id>:<base64>,<old id>:<base64>"` (the first encrypts, every one decrypts).
   */
  readonly tokenEncryptionKey: string | Redacted.Redacted<string>
  /** Bearer token of the admin API and page; without one they are closed. */
  readonly adminToken?: string | Redacted.Redacted<string> | undefined
  /** Domain settings (retry delays, member limit, …); defaults otherwise. */
  readonly settings?: FamilySettingsInput | undefined
  /** Background workers to run in this process, or `false` for none (run them elsewhere). */
  readonly workers?: FamilyScrobbleWorkersOptions | false | undefined
  /** Postgres schema of the tables. Default `family_scrobble`. */
  readonly schema?: string | undefined
  /** The largest webhook body accepted, in bytes. Default 10 MiB. */
  readonly maxWebhookBytes?: number | undefined
  /** The largest body of every other endpoint (onboarding, telemetry, admin), in bytes. Default 64 KB. */
  readonly maxJsonBytes?: number | undefined
  /** Requests per minute per client on the public endpoints, or `false` for none. Defaults: see `FamilyRateLimits`. */
  readonly rateLimits?: FamilyRateLimits | false | undefined
  /** The least severe log level written: `"Debug"`, `"Info"` (default), `"Warning"`, `"Error"`, `"None"`… */
  readonly logLevel?: LogLevel.Literal | undefined
}

export interface FamilyScrobble {
  /** Web-standard handler: `(Request) => Promise<Response>`. Starts the service on first use. */
  readonly handler: (request: Request) => Promise<Response>
  /** Node `(req, res)` handler for `http.createServer`. Starts the service on first use. */
  readonly nodeHandler: NodeHandler
  /** Express middleware (`app.use(familyScrobble.router)`), mounted before body parsers. */
  readonly router: ExpressMiddleware
  /** Open the database (migrating it), and start the workers. Idempotent. */
  readonly start: () => Promise<void>
  /** Stop the workers, let broadcasts under way finish, close the database. */
  readonly stop: () => Promise<void>
}

/** A single base64 key gets the id `default`; a list is parsed as `<id>:<base64>,…`. */
export const tokenKeysFrom = (value: string): TokenKeys =>
  parseTokenKeys(value.includes(":") ? value : `default:${value}`)

/** Family scrobbling as a Promise API over the SDK's layers. */
export const createFamilyScrobble = (options: CreateFamilyScrobbleOptions): FamilyScrobble => {
  const publicUrl = options.publicUrl.replace(/\/+$/, "")
  const keyText =
    typeof options.tokenEncryptionKey === "string"
      ? options.tokenEncryptionKey
      : Redacted.value(options.tokenEncryptionKey)
  const cipher = makeTokenCipher(tokenKeysFrom(keyText))
  const database =
    "url" in options.database
      ? PgDatabase.layerUrl(options.database.url)
      : PgDatabase.layerEmbedded("dataDir" in options.database ? { dataDir: options.database.dataDir } : {})
  const embedded = !("url" in options.database)
  const logLevel = options.logLevel ?? "Info"
  const trakt = TraktApiLive.layer({
    ...options.trakt,
    clientSecret:
      typeof options.trakt.clientSecret === "string"
        ? Redacted.make(options.trakt.clientSecret)
        : options.trakt.clientSecret,
    redirectUri: `${publicUrl}/authorize/family/member`
  })
  const services = Layer.mergeAll(
    FamilyScrobblePg.layer({
      cipher,
      ...(options.schema === undefined ? {} : { schema: options.schema }),
      // PGlite is one session: in-process locks are the right ones there.
      locks: embedded ? "process" : "database"
    }),
    trakt,
    SecureRandomNode,
    FamilyScrobbleConfig.layer(options.settings)
  ).pipe(Layer.provide(database), Layer.orDie)

  const service = lazyService({
    name: "family scrobbling",
    boot: (scope) =>
      Effect.gen(function* () {
        const context = yield* Layer.buildWithScope(services, scope)
        const provided = Layer.succeedContext(context)
        const handlers = yield* Effect.promise(() =>
          makeHandlers(
            {
              publicUrl,
              ...(options.adminToken === undefined ? {} : { adminToken: options.adminToken }),
              ...(options.maxWebhookBytes === undefined ? {} : { maxWebhookBytes: options.maxWebhookBytes }),
              ...(options.maxJsonBytes === undefined ? {} : { maxJsonBytes: options.maxJsonBytes }),
              ...(options.rateLimits === undefined ? {} : { rateLimits: options.rateLimits }),
              logLevel
            },
            provided
          )
        )
        if (options.workers !== false) {
          const workers = FamilyScrobbleWorkers.layer(options.workers ?? {})
          yield* Layer.buildWithScope(workers.pipe(Layer.provide(provided)), scope)
        }
        return { handlers, value: undefined }
      }).pipe(
        // Workers are forked from here and inherit the level.
        Logger.withMinimumLogLevel(LogLevel.fromLiteral(logLevel))
      ),
    unavailableBody: (message) => ({ _tag: "ServiceUnavailable", message }),
    router: toExpressMiddleware
  })
  return service
}
