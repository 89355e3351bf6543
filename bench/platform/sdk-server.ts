/**
 * The SDK's platform API, as a user runs it: `PlatformHttp.serve` over the
 * accounts and library stores on Postgres, argon2id and HS256 JWTs. Sends
 * `{ url }` to the driver once listening; stops when the driver disconnects.
 */
import { HttpServer } from "@effect/platform"
import { NodeRuntime } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { AccountsConfig } from "@org/accounts"
import { BillingEntitlements, PaymentProviderDisabled } from "@org/billing"
import { IdempotencyStore, UnitOfWork } from "@org/core"
import { PasswordHasherArgon2, SecureRandomNode, TokenSignerJose } from "@org/crypto"
import { PlatformHttp } from "@org/http/platform"
import { LedgerInMemory } from "@org/ledger/testing"
import { deriveTokenKeys, makeTokenCipher, PgDatabase } from "@org/pg"
import { AccountsPg } from "@org/pg/accounts"
import { BillingPg } from "@org/pg/billing"
import { LibraryPg } from "@org/pg/library"
import { ResellersInMemory } from "@org/resellers/testing"
import { Context, Effect, Layer, Logger, LogLevel, Redacted } from "effect"
import { DATABASE_URL, JWT_SECRET, POOL_SIZE, type ServerConfig } from "./shared.js"

const config = JSON.parse(process.argv[2] ?? "{}") as ServerConfig
const secret = Redacted.make(JWT_SECRET)
void PgDatabase

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
  PaymentProviderDisabled,
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
