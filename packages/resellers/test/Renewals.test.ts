import { describe, expect, it } from "@effect/vitest"
import { Entitlements, UserStore } from "@org/accounts"
import { mySubscription } from "@org/billing"
import { DateTime, Effect, Option, TestClock } from "effect"
import {
  addCredits,
  createClient,
  getClient,
  ResellerNotices,
  renewDueClients,
  resellerDashboard,
  resellerTransactions,
  setClientRenewal
} from "../src/index.js"
import { ResellersTest } from "../src/testing.js"
import { setup } from "./helpers.js"

/** A reseller with `credits` and one client on Basic (499 a month). */
const withClient = (credits: number) =>
  Effect.gen(function* () {
    const { admin, reseller, alex } = yield* setup(credits)
    const created = yield* createClient(reseller, {
      email: "customer@example.com",
      password: "tempPass123",
      full_name: "Customer",
      plan_stripe_price_id: "price_basic_monthly"
    })
    return { admin, reseller, alex, clientId: created.user.id, firstEnd: created.client.currentPeriodEnd }
  })

const planOf = (userId: string) =>
  Effect.flatMap(Entitlements, (e) => Effect.map(e.forUser(userId as never), (x) => x.plan.name))

describe("renewals", () => {
  it.effect("at period end the reseller is debited once and the client gets the next month", () =>
    Effect.gen(function* () {
      const { reseller, clientId, firstEnd } = yield* withClient(2_000)
      expect(yield* renewDueClients()).toEqual({ due: 0, renewed: 0, unpaid: 0 })
      yield* TestClock.adjust("31 days")
      expect(yield* renewDueClients()).toEqual({ due: 1, renewed: 1, unpaid: 0 })
      expect(yield* renewDueClients()).toEqual({ due: 0, renewed: 0, unpaid: 0 })
      const client = yield* getClient(reseller, clientId)
      expect(client.client.currentPeriodEnd).toEqual(DateTime.add(firstEnd, { months: 1 }))
      expect(client.status).toBe("active")
      expect((yield* resellerDashboard(reseller)).creditsBalance).toBe(2_000 - 2 * 499)
      const kinds = (yield* resellerTransactions(reseller, {})).entries.map((e) => e.kind)
      expect(kinds).toEqual(["renewal", "client_creation", "grant"])
      expect(yield* planOf(clientId)).toBe("Basic")
    }).pipe(Effect.provide(ResellersTest()))
  )

  it.effect(
    "not enough credits: past due with the plan kept for the grace, the reseller told once, then paid",
    () =>
      Effect.gen(function* () {
        const notices = ResellerNotices.memory()
        yield* Effect.gen(function* () {
          const { reseller, clientId, admin, alex } = yield* withClient(499)
          yield* TestClock.adjust("31 days")
          expect(yield* renewDueClients()).toEqual({ due: 1, renewed: 0, unpaid: 1 })
          expect((yield* getClient(reseller, clientId)).status).toBe("past_due")
          expect(yield* planOf(clientId)).toBe("Basic")
          expect(notices.sent).toHaveLength(1)
          expect(notices.sent[0]).toMatchObject({ clientId, balance: 0, price: 499 })
          // Within the hour nothing is tried; after it, tried again and told no more.
          expect(yield* renewDueClients()).toEqual({ due: 1, renewed: 0, unpaid: 0 })
          yield* TestClock.adjust("2 hours")
          expect(yield* renewDueClients()).toEqual({ due: 1, renewed: 0, unpaid: 1 })
          expect(notices.sent).toHaveLength(1)
          yield* addCredits(admin, { user_id: alex.user.id, amount: 1_000 })
          yield* TestClock.adjust("2 hours")
          expect(yield* renewDueClients()).toEqual({ due: 1, renewed: 1, unpaid: 0 })
          expect((yield* getClient(reseller, clientId)).status).toBe("active")
          expect((yield* resellerDashboard(reseller)).creditsBalance).toBe(501)
          const caller = yield* Effect.flatMap(UserStore, (users) => users.findUser(clientId as never))
          expect(Option.isSome(caller)).toBe(true)
        }).pipe(Effect.provide(notices.layer))
      }).pipe(Effect.provide(ResellersTest()))
  )

  it.effect(
    "unpaid past the grace: the client ends and falls to the free plan; resumed, it starts afresh",
    () =>
      Effect.gen(function* () {
        const { reseller, clientId, admin, alex } = yield* withClient(499)
        yield* TestClock.adjust("31 days")
        yield* renewDueClients()
        yield* TestClock.adjust("4 days")
        expect(yield* renewDueClients()).toMatchObject({ unpaid: 1 })
        const ended = yield* getClient(reseller, clientId)
        expect(ended.client.autoRenew).toBe(false)
        expect(ended.status).toBe("ended")
        expect(yield* planOf(clientId)).not.toBe("Basic")
        expect(yield* renewDueClients()).toEqual({ due: 0, renewed: 0, unpaid: 0 })
        yield* addCredits(admin, { user_id: alex.user.id, amount: 499 })
        yield* setClientRenewal(reseller, clientId, true)
        yield* TestClock.adjust("2 hours")
        expect(yield* renewDueClients()).toMatchObject({ renewed: 1 })
        const now = yield* DateTime.now
        expect((yield* getClient(reseller, clientId)).client.currentPeriodEnd).toEqual(
          DateTime.add(now, { months: 1 })
        )
        expect(yield* planOf(clientId)).toBe("Basic")
      }).pipe(Effect.provide(ResellersTest()))
  )

  it.effect("a stopped renewal is not renewed, and runners racing renew a period once", () =>
    Effect.gen(function* () {
      const { reseller, clientId } = yield* withClient(5_000)
      yield* TestClock.adjust("31 days")
      const results = yield* Effect.all([renewDueClients(), renewDueClients(), renewDueClients()], {
        concurrency: "unbounded"
      })
      expect(results.reduce((n, r) => n + r.renewed, 0)).toBeGreaterThanOrEqual(1)
      const renewals = (yield* resellerTransactions(reseller, {})).entries.filter((e) => e.kind === "renewal")
      expect(renewals).toHaveLength(1)
      yield* setClientRenewal(reseller, clientId, false)
      yield* TestClock.adjust("31 days")
      expect(yield* renewDueClients()).toEqual({ due: 0, renewed: 0, unpaid: 0 })
      expect((yield* getClient(reseller, clientId)).status).toBe("ended")
      const sub = yield* mySubscription({
        userId: clientId as never,
        role: "user",
        sessionId: "s" as never,
        profileId: Option.none(),
        isKids: false
      })
      expect(sub.access.pipe(Option.map((a) => a.status))).toEqual(Option.some("expired"))
    }).pipe(Effect.provide(ResellersTest()))
  )
})
