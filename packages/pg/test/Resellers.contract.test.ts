/**
 * The resellers' programs over every store they use — accounts, billing, the
 * ledger and the resellers' own — in memory, on the Postgres server and on
 * PGlite, with the unit of work of each: a client costs its plan's price in
 * credits, and racing creations never make a client without a debit or a debit
 * without a client.
 */
import { randomUUID } from "node:crypto"
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import {
  AccountsConfig,
  authenticate,
  createPlan,
  requireAdmin,
  requireReseller,
  setUserRole,
  signup,
  UserStore
} from "@org/accounts"
import { AccountsInMemory } from "@org/accounts/testing"
import { BillingEntitlements } from "@org/billing"
import { BillingInMemory } from "@org/billing/testing"
import { UnitOfWork } from "@org/core"
import { PasswordHasherFake, SecureRandomSeeded, TokenSignerFake } from "@org/core/testing"
import { LedgerInMemory } from "@org/ledger/testing"
import {
  addCredits,
  createClient,
  listClients,
  ResellerNotices,
  renewDueClients,
  resellerDashboard,
  resellerTransactions
} from "@org/resellers"
import { ResellersInMemory } from "@org/resellers/testing"
import { Effect, Either, Layer, Redacted, TestClock } from "effect"
import { accountsMigrations } from "../src/accounts/Migrations.js"
import { PgAccountsStores } from "../src/accounts/PgAccountsStores.js"
import { billingMigrations } from "../src/billing/Migrations.js"
import { PgBillingStore } from "../src/billing/PgBillingStore.js"
import { ledgerMigrations } from "../src/ledger/Migrations.js"
import { PgLedgerStore } from "../src/ledger/PgLedgerStore.js"
import { PgStoreConfig } from "../src/PgStoreConfig.js"
import { PgUnitOfWork } from "../src/PgUnitOfWork.js"
import { resellersMigrations } from "../src/resellers/Migrations.js"
import { PgResellerStore } from "../src/resellers/PgResellerStore.js"
import { databases, freshSchema, migratedSchema } from "./harness.js"

const common = Layer.mergeAll(
  PasswordHasherFake,
  TokenSignerFake(),
  SecureRandomSeeded(Math.floor(Math.random() * 1_000_000)),
  AccountsConfig.layer({}),
  ResellerNotices.layerLog
)

const targets = [
  {
    name: "in memory",
    postgres: false,
    layer: Layer.mergeAll(
      ResellersInMemory.pipe(
        Layer.provideMerge(
          BillingEntitlements.pipe(
            Layer.provideMerge(BillingInMemory.pipe(Layer.provideMerge(AccountsInMemory)))
          )
        )
      ),
      LedgerInMemory,
      UnitOfWork.layerLocal,
      common,
      Layer.succeed(SqlClient.SqlClient, {} as SqlClient.SqlClient)
    ).pipe(Layer.orDie)
  },
  ...databases().map((database) => {
    const accountsSchema = freshSchema()
    const billingSchema = freshSchema()
    const ledgerSchema = freshSchema()
    const resellersSchema = freshSchema()
    const stores = Layer.mergeAll(
      PgAccountsStores.pipe(Layer.provide(PgStoreConfig.layer({ schema: accountsSchema }))),
      PgBillingStore({ accountsSchema }).pipe(Layer.provide(PgStoreConfig.layer({ schema: billingSchema }))),
      PgLedgerStore().pipe(Layer.provide(PgStoreConfig.layer({ schema: ledgerSchema }))),
      PgResellerStore({ accountsSchema }).pipe(
        Layer.provide(PgStoreConfig.layer({ schema: resellersSchema }))
      ),
      PgUnitOfWork.layer
    )
    return {
      name: database.name,
      postgres: true,
      layer: Layer.mergeAll(BillingEntitlements.pipe(Layer.provideMerge(stores)), common).pipe(
        Layer.provideMerge(migratedSchema(resellersMigrations({ schema: resellersSchema, accountsSchema }))),
        Layer.provideMerge(migratedSchema(ledgerMigrations({ schema: ledgerSchema }))),
        Layer.provideMerge(migratedSchema(billingMigrations({ schema: billingSchema, accountsSchema }))),
        Layer.provideMerge(migratedSchema(accountsMigrations({ schema: accountsSchema }))),
        Layer.provideMerge(database.layer),
        Layer.orDie
      )
    }
  })
]

/** A fresh admin, plan and reseller with `credits` (emails unique per test: the schemas are shared). */
const setup = (credits: number) =>
  Effect.gen(function* () {
    const tag = randomUUID().slice(0, 8)
    const boss = yield* signup({
      email: `admin-${tag}@example.com`,
      password: "securePass123",
      full_name: "Admin"
    })
    yield* Effect.flatMap(UserStore, (users) => users.setRole(boss.user.id, "admin"))
    const admin = yield* requireAdmin(yield* authenticate(Redacted.value(boss.tokens.accessToken)))
    const priceId = `price_${tag}`
    yield* createPlan(admin, {
      name: `Basic ${tag}`,
      stripe_price_id: priceId,
      price_monthly: 4.99,
      max_profiles: 2,
      max_playlists: 3,
      max_favorites: 100
    })
    const alex = yield* signup({
      email: `alex-${tag}@example.com`,
      password: "securePass123",
      full_name: "Alex"
    })
    yield* setUserRole(admin, alex.user.id, { role: "reseller" })
    const reseller = yield* requireReseller(yield* authenticate(Redacted.value(alex.tokens.accessToken)))
    if (credits > 0) yield* addCredits(admin, { user_id: alex.user.id, amount: credits })
    const client = (n: number) => ({
      email: `client-${tag}-${n}@example.com`,
      password: "tempPass123",
      full_name: `Client ${n}`,
      plan_stripe_price_id: priceId
    })
    return { tag, reseller, client }
  })

for (const target of targets) {
  layer(target.layer, { timeout: 120_000 })(`resellers over the stores: ${target.name}`, (it) => {
    it.effect("a client costs the plan's price in credits and is listed with its plan", () =>
      Effect.gen(function* () {
        const { reseller, client, tag } = yield* setup(10_000)
        const created = yield* createClient(reseller, client(1))
        expect(created.balance).toBe(9_501)
        const page = yield* listClients(reseller, {})
        expect(page.total).toBe(1)
        expect(page.clients[0]).toMatchObject({
          email: `client-${tag}-1@example.com`,
          fullName: "Client 1",
          planName: `Basic ${tag}`,
          status: "active"
        })
        expect(yield* resellerDashboard(reseller)).toMatchObject({
          creditsBalance: 9_501,
          totalClients: 1,
          activeClients: 1,
          creditsSpentThisMonth: 499
        })
        const transactions = yield* resellerTransactions(reseller, { limit: 10 })
        expect(transactions.entries.map((e) => e.amount)).toEqual([-499, 10_000])
      })
    )

    it.effect(
      "20 racing creations against credits for 7: exactly 7 clients, 7 debits, and no orphan account",
      () =>
        Effect.gen(function* () {
          const { reseller, client, tag } = yield* setup(7 * 499 + 100)
          const results = yield* Effect.all(
            Array.from({ length: 20 }, (_, i) => Effect.either(createClient(reseller, client(i)))),
            { concurrency: "unbounded" }
          )
          const created = results.filter(Either.isRight)
          expect(created).toHaveLength(7)
          for (const failed of results.filter(Either.isLeft))
            expect(failed.left).toMatchObject({ _tag: "InsufficientCredits", price: 499 })
          expect(yield* resellerDashboard(reseller)).toMatchObject({ creditsBalance: 100, totalClients: 7 })
          const transactions = yield* resellerTransactions(reseller, { limit: 100 })
          expect(transactions.entries.filter((e) => e.kind === "client_creation")).toHaveLength(7)
          // Every account that exists for these emails is a listed client.
          const users = yield* UserStore
          let accounts = 0
          for (let i = 0; i < 20; i++) {
            const found = yield* users.findCredentials(`client-${tag}-${i}@example.com` as never)
            if (found._tag === "Some") accounts++
          }
          expect(accounts).toBe(7)
        })
    )

    it.effect("renewal runners racing at period end debit each client once for the period", () =>
      Effect.gen(function* () {
        const { reseller, client } = yield* setup(10 * 499)
        for (let i = 0; i < 4; i++) yield* createClient(reseller, client(i))
        yield* TestClock.adjust("32 days")
        yield* Effect.all(
          Array.from({ length: 4 }, () => renewDueClients()),
          { concurrency: "unbounded" }
        )
        const entries = (yield* resellerTransactions(reseller, { limit: 100 })).entries
        expect(entries.filter((e) => e.kind === "renewal")).toHaveLength(4)
        expect(yield* resellerDashboard(reseller)).toMatchObject({
          creditsBalance: 2 * 499,
          activeClients: 4
        })
        const page = yield* listClients(reseller, {})
        expect(page.clients.every((c) => c.status === "active")).toBe(true)
      })
    )
  })
}
