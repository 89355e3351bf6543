/**
 * The SDK's platform API as a user runs it: `PlatformHttp.serve` over the
 * stores on Postgres, Stripe's webhooks verified by `@org/stripe` and applied
 * by `@org/billing` (the event recorded in the transaction that updates the
 * account). Sends `{ url }` to the driver once listening; stops when the
 * driver disconnects.
 */
import { HttpServer } from "@effect/platform"
import { NodeRuntime } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { AccountsConfig } from "@org/accounts"
import { BillingEntitlements } from "@org/billing"
import { IdempotencyStore, UnitOfWork } from "@org/core"
import { PasswordHasherArgon2, SecureRandomNode, TokenSignerJose } from "@org/crypto"
import { PlatformHttp } from "@org/http/platform"
import { LedgerInMemory } from "@org/ledger/testing"
import { deriveTokenKeys, makeTokenCipher } from "@org/pg"
import { AccountsPg } from "@org/pg/accounts"
import { BillingPg } from "@org/pg/billing"
import { LibraryPg } from "@org/pg/library"
import { ResellersInMemory } from "@org/resellers/testing"
import { StripePaymentProvider } from "@org/stripe"
import { Context, Effect, Layer, Logger, LogLevel, Redacted } from "effect"
import { DATABASE_URL, POOL_SIZE, SECRET_KEY, type ServerConfig, WEBHOOK_SECRET } from "./shared.js"

const config = JSON.parse(process.argv[2] ?? "{}") as ServerConfig
const secret = Redacted.make("bench-billing-jwt-secret-of-at-least-32-bytes")

const database = PgClient.layer({ url: Redacted.make(DATABASE_URL), maxConnections: POOL_SIZE })
const stores = Layer.merge(
  BillingPg.layer({ schema: config.billingSchema, accountsSchema: config.accountsSchema, migrate: false }),
  LibraryPg.layer({
    cipher: makeTokenCipher(deriveTokenKeys(secret, "playlist credentials v1")),
    schema: config.librarySchema,
    accountsSchema: config.accountsSchema,
    migrate: false
  })
).pipe(Layer.provideMerge(AccountsPg.layer({ schema: config.accountsSchema, migrate: false })))
const services = Layer.mergeAll(
  BillingEntitlements.pipe(Layer.provideMerge(stores)),
  StripePaymentProvider.layer({
    secretKey: Redacted.make(SECRET_KEY),
    webhookSecret: Redacted.make(WEBHOOK_SECRET),
    // Never called: subscription events carry the whole subscription.
    apiUrl: "http://127.0.0.1:9"
  }),
  PasswordHasherArgon2.layer(),
  TokenSignerJose.layer({ secret }),
  SecureRandomNode,
  AccountsConfig.layer(),
  // Not on the measured path (no request here carries an Idempotency-Key or
  // touches credits): in memory, so the bench leaves no schema behind.
  Layer.mergeAll(LedgerInMemory, IdempotencyStore.layerMemory, UnitOfWork.layerLocal),
  ResellersInMemory.pipe(Layer.provide(stores))
).pipe(Layer.provide(database))

const program = Effect.gen(function* () {
  const server = yield* Layer.build(
    PlatformHttp.serve({ port: 0, host: "127.0.0.1", rateLimits: false }).pipe(Layer.provide(services))
  )
  const address = Context.get(server, HttpServer.HttpServer).address
  if (address._tag !== "TcpAddress") throw new Error("no TCP address")
  process.send?.({ url: `http://127.0.0.1:${address.port}` })
  yield* Effect.async<void>((resume) => {
    process.once("disconnect", () => resume(Effect.void))
  })
}).pipe(Effect.scoped, Logger.withMinimumLogLevel(LogLevel.Warning))

NodeRuntime.runMain(program)
