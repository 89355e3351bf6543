/**
 * The platform API server: the accounts, library, billing, ledger and resellers
 * stores on embedded PGlite (or the Postgres server at DATABASE_URL), argon2id
 * and JWT signing, served by Node
 * through `PlatformHttp.serve`. On start, the admin account of ADMIN_EMAIL is
 * created once.
 */

import { randomBytes } from "node:crypto"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { HttpServer } from "@effect/platform"
import { AccountsConfig, ensureAdminAccount, type PlanStore } from "@org/accounts"
import { BillingConfig, BillingEntitlements, BillingStore, planForPrice } from "@org/billing"
import { PasswordHasherArgon2, SecureRandomNode, TokenSignerJose } from "@org/crypto"
import { pruneIdempotencyKeys } from "@org/http"
import { PlatformHttp } from "@org/http/platform"
import { deriveTokenKeys, makeTokenCipher, PgDatabase, PgIdempotencyStore, PgUnitOfWork } from "@org/pg"
import { AccountsPg } from "@org/pg/accounts"
import { BillingPg } from "@org/pg/billing"
import { LedgerPg } from "@org/pg/ledger"
import { LibraryPg } from "@org/pg/library"
import { ResellersPg } from "@org/pg/resellers"
import { ResellerNotices } from "@org/resellers"
import { ResellerRenewals } from "@org/scheduler"
import { StripePaymentProvider } from "@org/stripe"
import { type FakePrice, FakeStripe } from "@org/stripe/testing"
import { Context, Effect, Layer, Logger, LogLevel, Option, Redacted, type Scope } from "effect"
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
  /** The built-in fake Stripe, when no STRIPE_SECRET_KEY is set. */
  readonly fakeStripe: { readonly url: string; readonly webhookSecret: string } | undefined
}

/** The path Stripe delivers events to. */
export const STRIPE_WEBHOOK_PATH = "/api/v1/webhooks/stripe"

/**
 * The built-in fake Stripe (no STRIPE_SECRET_KEY): on loopback, knowing every
 * plan's price from the catalog, delivering its events to this server.
 */
const startFakeStripe = (
  prices: (priceId: string) => Promise<FakePrice | undefined>,
  secret: Redacted.Redacted<string> | undefined
) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const webhookSecret =
        secret === undefined ? `whsec_${randomBytes(24).toString("base64url")}` : Redacted.value(secret)
      const fake = await FakeStripe.start({ resolvePrice: prices })
      return { fake, webhookSecret }
    }),
    ({ fake }) => Effect.promise(() => fake.close())
  )

/**
 * The crash test's fault: the billing store kills the process the moment an
 * event is recorded (committed), before the webhook answers, as a power cut would.
 */
const crashAfterRecord = Layer.effect(
  BillingStore,
  Effect.map(BillingStore, (store) =>
    BillingStore.of({
      ...store,
      recordEvent: (event, parties, f) =>
        store
          .recordEvent(event, parties, f)
          .pipe(Effect.tap(() => Effect.sync(() => process.kill(process.pid, "SIGKILL"))))
    })
  )
)

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
    // Filled once the stores are up: the fake asks it for the price of a plan.
    let catalog: Context.Context<PlanStore> | undefined
    const prices = async (priceId: string): Promise<FakePrice | undefined> => {
      if (catalog === undefined) return undefined
      const plan = await Effect.runPromise(
        planForPrice(priceId).pipe(
          Effect.provide(catalog),
          Effect.orElseSucceed(() => Option.none())
        )
      )
      return Option.match(plan, {
        onNone: () => undefined,
        onSome: (found) => ({
          id: priceId,
          unitAmount: found.priceMonthlyMinor,
          currency: found.currency,
          interval: "month" as const
        })
      })
    }
    const fake =
      config.stripe === undefined ? yield* startFakeStripe(prices, config.fakeWebhookSecret) : undefined
    const payments = StripePaymentProvider.layer(
      config.stripe !== undefined
        ? config.stripe
        : {
            secretKey: Redacted.make(fake?.fake.secretKey ?? ""),
            webhookSecret: Redacted.make(fake?.webhookSecret ?? ""),
            apiUrl: fake?.fake.url
          }
    )
    // The library's and billing's tables reference the accounts': migrated after them.
    const billing = config.crashAfterWebhookRecord
      ? crashAfterRecord.pipe(Layer.provide(BillingPg.layer()))
      : BillingPg.layer()
    const stores = Layer.mergeAll(LibraryPg.layer({ cipher }), billing, ResellersPg.layer()).pipe(
      Layer.provideMerge(AccountsPg.layer()),
      Layer.merge(Layer.mergeAll(LedgerPg.layer(), PgIdempotencyStore.layer(), PgUnitOfWork.layer))
    )
    const services = Layer.mergeAll(
      BillingEntitlements.pipe(Layer.provideMerge(stores)),
      payments,
      BillingConfig.layer(config.billing),
      PasswordHasherArgon2.layer(),
      TokenSignerJose.layer({ secret }),
      SecureRandomNode,
      AccountsConfig.layer()
    ).pipe(Layer.provide(database))
    const context = yield* Layer.build(services)
    catalog = context
    // Idempotency keys older than a day are deleted, hourly; credit-paid clients are
    // renewed from their resellers' credits every 10 minutes.
    yield* Effect.forkScoped(Effect.provide(pruneIdempotencyKeys(), context))
    yield* Layer.build(
      ResellerRenewals.layer().pipe(
        Layer.provide(Layer.merge(Layer.succeedContext(context), ResellerNotices.layerLog))
      )
    )
    const adminCreated =
      config.admin === undefined
        ? false
        : (yield* ensureAdminAccount({
            email: config.admin.email,
            password: Redacted.value(config.admin.password),
            full_name: "Admin"
          }).pipe(Effect.provide(context))).created
    const server = yield* Layer.build(
      PlatformHttp.serve({
        port: config.port,
        host: config.host,
        rateLimits: config.authRateLimit === 0 ? false : { auth: config.authRateLimit }
      }).pipe(Layer.provide(Layer.succeedContext(context)))
    )
    const address = Context.get(server, HttpServer.HttpServer).address
    const url =
      address._tag === "TcpAddress"
        ? `http://${address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname}:${address.port}`
        : `unix:${address.path}`
    if (fake !== undefined) fake.fake.setWebhook(`${url}${STRIPE_WEBHOOK_PATH}`, fake.webhookSecret)
    return {
      url,
      adminCreated,
      fakeStripe: fake === undefined ? undefined : { url: fake.fake.url, webhookSecret: fake.webhookSecret }
    }
  }).pipe(Logger.withMinimumLogLevel(LogLevel.fromLiteral(config.logLevel)))
