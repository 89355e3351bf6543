import { AccountsConfig, type AccountsSettingsInput, ensureAdminAccount } from "@org/accounts"
import {
  BillingConfig,
  BillingEntitlements,
  type BillingSettingsInput,
  PaymentProviderDisabled
} from "@org/billing"
import { type Argon2Options, PasswordHasherArgon2, SecureRandomNode, TokenSignerJose } from "@org/crypto"
import { type ExpressMiddleware, expressMiddleware, type NodeHandler, pruneIdempotencyKeys } from "@org/http"
import { makePlatformHandlers, ownsPlatformPath, type PlatformRateLimits } from "@org/http/platform"
import {
  deriveTokenKeys,
  makeTokenCipher,
  PgDatabase,
  PgIdempotencyStore,
  PgUnitOfWork,
  parseTokenKeys
} from "@org/pg"
import { AccountsPg } from "@org/pg/accounts"
import { BillingPg } from "@org/pg/billing"
import { LedgerPg } from "@org/pg/ledger"
import { LibraryPg } from "@org/pg/library"
import { ResellersPg } from "@org/pg/resellers"
import { ResellerNotices } from "@org/resellers"
import { ResellerRenewals } from "@org/scheduler"
import { StripePaymentProvider } from "@org/stripe"
import { Effect, Layer, Logger, LogLevel, Redacted } from "effect"
import { lazyService } from "./LazyService.js"

export interface CreatePlatformOptions {
  /**
   * `{ url }` for a Postgres server, `{ dataDir }` for embedded PGlite kept in a
   * directory (one process only), `{ memory: true }` for PGlite in memory (tests).
   */
  readonly database: { readonly url: string } | { readonly dataDir: string } | { readonly memory: true }
  /** Signs access tokens (HS256): at least 32 bytes, e.g. `openssl rand -base64 48`. Every server sharing a database needs the same one. */
  readonly jwtSecret: string | Redacted.Redacted<string>
  /** On start, create this admin account unless an account has its email (an existing one is never changed). */
  readonly admin?:
    | { readonly email: string; readonly password: string; readonly fullName?: string }
    | undefined
  /** Domain settings (token lifetimes, PIN lockout, password length); defaults otherwise. */
  readonly settings?: AccountsSettingsInput | undefined
  /**
   * Encrypts playlist URLs and credentials at rest: `"<id>:<base64 of 32 bytes>"`, a
   * comma-separated list to rotate (the first encrypts). Default: a key derived from
   * `jwtSecret` (HKDF), so changing that secret would make stored credentials unreadable.
   */
  readonly credentialsKey?: string | Redacted.Redacted<string> | undefined
  /** Postgres schema of the accounts tables. Default `accounts`. */
  readonly schema?: string | undefined
  /** Postgres schema of the library tables. Default `library`. */
  readonly librarySchema?: string | undefined
  /** Postgres schema of the billing tables. Default `billing`. */
  readonly billingSchema?: string | undefined
  /** Postgres schema of the credit ledger. Default `ledger`. */
  readonly ledgerSchema?: string | undefined
  /** Postgres schema of the resellers' clients. Default `resellers`. */
  readonly resellersSchema?: string | undefined
  /** Postgres schema of the idempotency keys. Default `idempotency`. */
  readonly idempotencySchema?: string | undefined
  /**
   * Stripe: the secret key, the webhook endpoint's signing secret (`whsec_…`)
   * and, for a Stripe-compatible test server, the API's base URL. Without it,
   * checkout and the portal answer 502 and webhooks 400: no payments.
   */
  readonly stripe?:
    | {
        readonly secretKey: string | Redacted.Redacted<string>
        readonly webhookSecret: string | Redacted.Redacted<string>
        readonly apiUrl?: string | undefined
      }
    | undefined
  /** Trial length, grace, allowed redirect origins, the reporting currency; defaults otherwise. */
  readonly billing?: BillingSettingsInput | undefined
  /** The largest request body, in bytes. Default 64 KB. */
  readonly maxJsonBytes?: number | undefined
  /** Per-client limits of the sign-in endpoints, or `false` for none. Default 30 a minute. */
  readonly rateLimits?: PlatformRateLimits | false | undefined
  /** argon2id cost; OWASP's defaults (19 MiB, 2 passes). */
  readonly argon2?: Argon2Options | undefined
  /** The least severe log level written. Default `"Info"`. */
  readonly logLevel?: LogLevel.Literal | undefined
}

export interface Platform {
  /** Web-standard handler: `(Request) => Promise<Response>`. Starts the service on first use. */
  readonly handler: (request: Request) => Promise<Response>
  /** Node `(req, res)` handler for `http.createServer`. Starts the service on first use. */
  readonly nodeHandler: NodeHandler
  /** Express middleware (`app.use(platform.router)`) for `/api/v1/…`, mounted before body parsers. */
  readonly router: ExpressMiddleware
  /** Open (and migrate) the database, create the admin account if asked. Idempotent. */
  readonly start: () => Promise<{ readonly adminCreated: boolean }>
  /** Close the database. */
  readonly stop: () => Promise<void>
}

export const createPlatform = (options: CreatePlatformOptions): Platform => {
  const database =
    "url" in options.database
      ? PgDatabase.layerUrl(options.database.url)
      : PgDatabase.layerEmbedded("dataDir" in options.database ? { dataDir: options.database.dataDir } : {})
  const secret = typeof options.jwtSecret === "string" ? Redacted.make(options.jwtSecret) : options.jwtSecret
  const logLevel = options.logLevel ?? "Info"
  const cipher = makeTokenCipher(
    options.credentialsKey === undefined
      ? deriveTokenKeys(secret, "playlist credentials v1")
      : parseTokenKeys(
          typeof options.credentialsKey === "string"
            ? options.credentialsKey
            : Redacted.value(options.credentialsKey)
        )
  )
  const accounts = AccountsPg.layer(options.schema === undefined ? {} : { schema: options.schema })
  // The library's tables reference the accounts': migrated after them.
  const library = LibraryPg.layer({
    cipher,
    ...(options.schema === undefined ? {} : { accountsSchema: options.schema }),
    ...(options.librarySchema === undefined ? {} : { schema: options.librarySchema })
  })
  const billing = BillingPg.layer({
    ...(options.schema === undefined ? {} : { accountsSchema: options.schema }),
    ...(options.billingSchema === undefined ? {} : { schema: options.billingSchema })
  })
  const redacted = (value: string | Redacted.Redacted<string>) =>
    typeof value === "string" ? Redacted.make(value) : value
  const payments =
    options.stripe === undefined
      ? PaymentProviderDisabled
      : StripePaymentProvider.layer({
          secretKey: redacted(options.stripe.secretKey),
          webhookSecret: redacted(options.stripe.webhookSecret),
          apiUrl: options.stripe.apiUrl
        })
  const resellers = ResellersPg.layer({
    ...(options.schema === undefined ? {} : { accountsSchema: options.schema }),
    ...(options.resellersSchema === undefined ? {} : { schema: options.resellersSchema })
  })
  const ledger = LedgerPg.layer(options.ledgerSchema === undefined ? {} : { schema: options.ledgerSchema })
  const keys = PgIdempotencyStore.layer(
    options.idempotencySchema === undefined ? {} : { schema: options.idempotencySchema }
  )
  const stores = Layer.mergeAll(library, billing, resellers).pipe(
    Layer.provideMerge(accounts),
    Layer.merge(Layer.mergeAll(ledger, keys, PgUnitOfWork.layer)),
    Layer.provide(database)
  )
  const services = Layer.mergeAll(
    BillingEntitlements.pipe(Layer.provideMerge(stores)),
    payments,
    BillingConfig.layer(options.billing),
    PasswordHasherArgon2.layer(options.argon2),
    TokenSignerJose.layer({ secret }),
    SecureRandomNode,
    AccountsConfig.layer(options.settings)
  ).pipe(Layer.orDie)

  return lazyService({
    name: "the platform",
    boot: (scope) =>
      Effect.gen(function* () {
        const context = yield* Layer.buildWithScope(services, scope)
        // Idempotency keys older than a day are deleted, hourly, while the service runs;
        // credit-paid clients are renewed from their resellers' credits.
        yield* Effect.forkIn(Effect.provide(pruneIdempotencyKeys(), context), scope)
        yield* Layer.buildWithScope(
          ResellerRenewals.layer().pipe(
            Layer.provide(Layer.merge(Layer.succeedContext(context), ResellerNotices.layerLog))
          ),
          scope
        )
        const adminCreated =
          options.admin === undefined
            ? false
            : (yield* ensureAdminAccount({
                email: options.admin.email,
                password: options.admin.password,
                full_name: options.admin.fullName
              }).pipe(
                Effect.provide(context),
                Effect.orDieWith(
                  (error) => new Error(`The admin account could not be created: ${error.message}`)
                )
              )).created
        const handlers = yield* Effect.promise(() =>
          makePlatformHandlers(
            {
              ...(options.maxJsonBytes === undefined ? {} : { maxJsonBytes: options.maxJsonBytes }),
              ...(options.rateLimits === undefined ? {} : { rateLimits: options.rateLimits }),
              logLevel
            },
            Layer.succeedContext(context)
          )
        )
        return { handlers, value: { adminCreated } }
      }).pipe(Logger.withMinimumLogLevel(LogLevel.fromLiteral(logLevel))),
    unavailableBody: (message) => ({ error: { code: "service_unavailable", message } }),
    router: (nodeHandler) => expressMiddleware(nodeHandler, { owns: ownsPlatformPath, name: "platform" })
  })
}
