import { describe, expect, it } from "@effect/vitest"
import { Entitlements, requireReseller, setUserRole, UserStore } from "@org/accounts"
import { Effect, Option, TestClock } from "effect"
import {
  createClient,
  getClient,
  listClients,
  resellerDashboard,
  resellerTransactions,
  setClientRenewal
} from "../src/index.js"
import { ResellersTest } from "../src/testing.js"
import { account, setup } from "./helpers.js"

const client = (n: number) => ({
  email: `customer${n}@example.com`,
  password: "tempPass123",
  full_name: `Local Customer ${n}`,
  plan_stripe_price_id: "price_basic_monthly"
})

describe("resellers", () => {
  it.effect("credits granted, a client created for 499 of them, on the plan at once", () =>
    Effect.gen(function* () {
      const { reseller } = yield* setup(10_000)
      expect(yield* resellerDashboard(reseller)).toEqual({
        creditsBalance: 10_000,
        totalClients: 0,
        activeClients: 0,
        creditsSpentThisMonth: 0
      })
      const created = yield* createClient(reseller, client(1))
      expect(created.balance).toBe(9_501)
      expect(created.transfer).toMatchObject({ amount: 499, kind: "client_creation" })
      expect(yield* resellerDashboard(reseller)).toEqual({
        creditsBalance: 9_501,
        totalClients: 1,
        activeClients: 1,
        creditsSpentThisMonth: 499
      })
      // The client is on Basic now, paid in credits.
      const entitlement = yield* Effect.flatMap(Entitlements, (e) => e.forUser(created.user.id))
      expect(entitlement.plan.name).toBe("Basic")
      const transactions = yield* resellerTransactions(reseller, {})
      expect(transactions.entries.map((e) => [e.kind, e.amount, e.balanceAfter])).toEqual([
        ["client_creation", -499, 9_501],
        ["grant", 10_000, 10_000]
      ])
    }).pipe(Effect.provide(ResellersTest()))
  )

  it.effect("not enough credits: 402's error with the balance and the price, and nothing is created", () =>
    Effect.gen(function* () {
      const { reseller, admin } = yield* setup(600)
      yield* createClient(reseller, client(1))
      const refused = yield* Effect.flip(createClient(reseller, client(2)))
      expect(refused).toMatchObject({ _tag: "InsufficientCredits", balance: 101, price: 499 })
      expect(refused.message).toContain("costs 499 credits and the balance is 101")
      const users = yield* UserStore
      expect(Option.isNone(yield* users.findCredentials("customer2@example.com" as never))).toBe(true)
      expect((yield* resellerDashboard(reseller)).totalClients).toBe(1)
      // Without any credits at all.
      const other = yield* account("bea@example.com")
      yield* setUserRole(admin, other.user.id, { role: "reseller" })
      const bea = yield* requireReseller(other.caller)
      expect(yield* Effect.flip(createClient(bea, client(3)))).toMatchObject({ balance: 0, price: 499 })
    }).pipe(Effect.provide(ResellersTest()))
  )

  it.effect("a reseller sees only their own clients; pages of up to 1,000", () =>
    Effect.gen(function* () {
      const { reseller, admin } = yield* setup(10_000)
      for (let i = 1; i <= 5; i++) {
        yield* TestClock.adjust("1 minute")
        yield* createClient(reseller, client(i))
      }
      const page = yield* listClients(reseller, { page: 2, limit: 2 })
      expect(page).toMatchObject({ page: 2, limit: 2, total: 5 })
      expect(page.clients.map((c) => c.email)).toEqual(["customer3@example.com", "customer2@example.com"])
      expect(page.clients[0]).toMatchObject({
        planName: "Basic",
        status: "active",
        fullName: "Local Customer 3"
      })
      expect((yield* Effect.flip(listClients(reseller, { limit: 1001 })))._tag).toBe("InvalidInput")
      const other = yield* account("bea@example.com")
      yield* setUserRole(admin, other.user.id, { role: "reseller" })
      const bea = yield* requireReseller(other.caller)
      const alexClient = page.clients[0]?.client.clientId as string
      expect(yield* Effect.flip(getClient(bea, alexClient))).toMatchObject({ _tag: "ClientNotFound" })
      expect(yield* Effect.flip(setClientRenewal(bea, alexClient, false))).toMatchObject({
        _tag: "ClientNotFound"
      })
      expect((yield* listClients(bea, {})).total).toBe(0)
      expect((yield* getClient(reseller, alexClient)).email).toBe("customer3@example.com")
    }).pipe(Effect.provide(ResellersTest()))
  )

  it.effect("only a reseller (as the records say now) may use the reseller programs", () =>
    Effect.gen(function* () {
      const { alex, admin } = yield* setup(0)
      yield* setUserRole(admin, alex.user.id, { role: "user" })
      expect(yield* Effect.flip(requireReseller(alex.caller))).toMatchObject({
        _tag: "RoleRequired",
        role: "reseller"
      })
    }).pipe(Effect.provide(ResellersTest()))
  )

  it.effect("a stopped renewal ends the client's subscription at its period end", () =>
    Effect.gen(function* () {
      const { reseller } = yield* setup(1_000)
      const created = yield* createClient(reseller, client(1))
      const stopped = yield* setClientRenewal(reseller, created.user.id, false)
      expect(stopped.client.autoRenew).toBe(false)
      yield* TestClock.adjust("32 days")
      expect((yield* getClient(reseller, created.user.id)).status).toBe("ended")
      const entitlement = yield* Effect.flatMap(Entitlements, (e) => e.forUser(created.user.id))
      expect(entitlement.plan.name).not.toBe("Basic")
    }).pipe(Effect.provide(ResellersTest()))
  )

  it.effect("bad input is a typed error: an unknown plan, a bad email, a weak password", () =>
    Effect.gen(function* () {
      const { reseller } = yield* setup(10_000)
      expect(
        yield* Effect.flip(createClient(reseller, { ...client(1), plan_stripe_price_id: "price_nope" }))
      ).toMatchObject({ _tag: "PlanNotForSale" })
      expect((yield* Effect.flip(createClient(reseller, { ...client(1), email: "not-an-email" })))._tag).toBe(
        "InvalidInput"
      )
      expect((yield* Effect.flip(createClient(reseller, { ...client(1), password: "short" })))._tag).toBe(
        "InvalidInput"
      )
      yield* createClient(reseller, client(1))
      expect((yield* Effect.flip(createClient(reseller, client(1))))._tag).toBe("EmailTaken")
      expect((yield* resellerDashboard(reseller)).creditsBalance).toBe(9_501)
    }).pipe(Effect.provide(ResellersTest()))
  )
})
