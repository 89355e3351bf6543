/**
 * One contract for `@org/billing`'s store, in memory, on the Postgres server
 * and on PGlite: what the billing programs rely on of any store.
 */
import { randomUUID } from "node:crypto"
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { Email, Plan, PlanId, PlanStore, Profile, ProfileId, User, UserId, UserStore } from "@org/accounts"
import {
  applyProviderEvent,
  BillingAccount,
  BillingStore,
  type ProviderEvent,
  type ProviderSubscription,
  startTrialSubscription
} from "@org/billing"
import { DateTime, Effect, Exit, Option } from "effect"
import { PgStoreConfig } from "../src/PgStoreConfig.js"
import { billingTargets } from "./harness.js"

const at = (seconds: number) => DateTime.unsafeMake(1_800_000_000_000 + seconds * 1000)

const newUser = Effect.gen(function* () {
  const user = new User({
    id: UserId.make(randomUUID()),
    email: Email.make(`bill-${randomUUID()}@example.com`),
    fullName: "Billing User",
    role: "user",
    preferredLanguage: Option.none(),
    planId: Option.none(),
    createdAt: at(0)
  })
  const profile = new Profile({
    id: ProfileId.make(randomUUID()),
    userId: user.id,
    name: "Main",
    avatarUrl: Option.none(),
    isKids: false,
    hasPin: false,
    isDefault: true,
    createdAt: at(0)
  })
  yield* Effect.flatMap(UserStore, (users) => users.createUser(user, "hash", profile))
  return user
})

const snapshot = (overrides: Partial<ProviderSubscription> = {}): ProviderSubscription => ({
  id: `sub_${randomUUID().slice(0, 8)}`,
  customerId: `cus_${randomUUID().slice(0, 8)}`,
  createdAt: at(10),
  status: "active",
  priceId: "price_family_monthly",
  amountMinor: 999,
  currency: "usd",
  interval: "month",
  currentPeriodStart: at(10),
  currentPeriodEnd: at(10 + 30 * 86_400),
  cancelAtPeriodEnd: false,
  trialEnd: Option.none(),
  userId: Option.none(),
  ...overrides
})

const subscriptionEvent = (
  sub: ProviderSubscription,
  seconds: number,
  id = `evt_${randomUUID()}`
): ProviderEvent => ({
  kind: "subscription",
  id,
  type: "customer.subscription.updated",
  createdAt: at(seconds),
  deleted: false,
  subscription: sub
})

const planId = PlanId.make(randomUUID())
const apply = (event: ProviderEvent) => (account: BillingAccount) =>
  applyProviderEvent(account, event, Option.some(planId), at(1000))

for (const target of billingTargets()) {
  layer(target.layer, { timeout: 60_000 })(`billing store: ${target.name}`, (it) => {
    it.effect("keeps an account's whole state: customer, trial, subscription and its versions", () =>
      Effect.gen(function* () {
        const store = yield* BillingStore
        const user = yield* newUser
        expect(Option.isNone(yield* store.find(user.id))).toBe(true)
        const trial = yield* store.update(user.id, (account) =>
          startTrialSubscription(account, planId, 7, at(0))
        )
        expect(yield* store.find(user.id)).toEqual(Option.some(trial))
        const sub = snapshot({ trialEnd: Option.some(at(50)), userId: Option.some(user.id) })
        const paid = yield* store.update(user.id, apply(subscriptionEvent(sub, 20)))
        expect(paid.trialUsed).toBe(true)
        expect(Option.map(paid.subscription, (s) => [s.source, s.status, s.providerSubscriptionId])).toEqual(
          Option.some(["stripe", "active", Option.some(sub.id)])
        )
        expect(yield* store.find(user.id)).toEqual(Option.some(paid))
      })
    )

    it.effect("records an event once: a second delivery of its id does nothing", () =>
      Effect.gen(function* () {
        const store = yield* BillingStore
        const user = yield* newUser
        const sub = snapshot({ userId: Option.some(user.id) })
        const event = subscriptionEvent(sub, 20)
        let calls = 0
        const counted = (account: BillingAccount) => {
          calls += 1
          return apply(event)(account)
        }
        const parties = { customerId: sub.customerId, userId: user.id }
        const first = yield* store.recordEvent(event, parties, counted)
        expect(first._tag).toBe("Applied")
        expect((yield* store.recordEvent(event, parties, counted))._tag).toBe("Duplicate")
        expect(calls).toBe(1)
        // Found by its customer from now on, whatever account id an event names.
        const other = subscriptionEvent({ ...sub, status: "past_due" }, 30)
        const byCustomer = yield* store.recordEvent(
          other,
          { customerId: sub.customerId, userId: UserId.make(randomUUID()) },
          apply(other)
        )
        expect(byCustomer._tag === "Applied" && byCustomer.account.userId).toBe(user.id)
      })
    )

    it.effect("hands the apply step the catalog plan of the event's price, alone or in a batch", () =>
      Effect.gen(function* () {
        const store = yield* BillingStore
        const priceId = `price_${randomUUID()}`
        const retired = new Plan({
          id: PlanId.make(randomUUID()),
          name: `Retired ${priceId}`,
          stripePriceId: Option.some(priceId),
          priceMonthlyMinor: 999,
          currency: "usd",
          maxProfiles: 5,
          maxPlaylists: 10,
          maxFavorites: 500,
          features: {},
          isFamilyPlan: false,
          maxMembers: 1,
          isDefault: false,
          // A subscriber keeps a plan taken off sale.
          isActive: false,
          createdAt: at(0)
        })
        yield* Effect.flatMap(PlanStore, (plans) => plans.create(retired))
        const users = yield* Effect.all(Array.from({ length: 6 }, () => newUser))
        const seen = yield* Effect.all(
          users.map((user, index) => {
            const event = {
              ...subscriptionEvent(snapshot(), 20),
              priceId: index < 4 ? priceId : "price_unknown"
            }
            let plan = Option.none<PlanId>()
            return Effect.as(
              store.recordEvent(event, { customerId: undefined, userId: user.id }, (account, planId) => {
                plan = planId
                return apply(event)(account)
              }),
              Effect.sync(() => plan)
            ).pipe(Effect.flatten)
          }),
          { concurrency: "unbounded" }
        )
        expect(seen).toEqual([...Array(4).fill(Option.some(retired.id)), Option.none(), Option.none()])
      })
    )

    it.effect("an event about no known account is recorded as such, and stays recorded", () =>
      Effect.gen(function* () {
        const store = yield* BillingStore
        const event = subscriptionEvent(snapshot(), 20)
        const parties = { customerId: "cus_nobody", userId: undefined }
        expect((yield* store.recordEvent(event, parties, apply(event)))._tag).toBe("Unmatched")
        expect((yield* store.recordEvent(event, parties, apply(event)))._tag).toBe("Duplicate")
      })
    )

    it.effect("50 concurrent deliveries of one event: one effect", () =>
      Effect.gen(function* () {
        const store = yield* BillingStore
        const user = yield* newUser
        const event = subscriptionEvent(snapshot(), 20)
        const tag = `cus_${randomUUID()}`
        const bump = (account: BillingAccount) =>
          new BillingAccount({
            ...account,
            customerId: Option.some(`${Option.getOrElse(account.customerId, () => tag)}x`)
          })
        const outcomes = yield* Effect.all(
          Array.from({ length: 50 }, () =>
            store.recordEvent(event, { customerId: undefined, userId: user.id }, bump)
          ),
          { concurrency: "unbounded" }
        )
        expect(outcomes.filter((o) => o._tag === "Applied")).toHaveLength(1)
        expect(Option.flatMap(yield* store.find(user.id), (a) => a.customerId)).toEqual(
          Option.some(`${tag}x`)
        )
      })
    )

    it.effect(
      "events found by their customer, each delivered three times at once: each applied once, the newest wins",
      () =>
        Effect.gen(function* () {
          const store = yield* BillingStore
          const users = yield* Effect.all(Array.from({ length: 6 }, () => newUser))
          const customers = users.map(() => `cus_${randomUUID().slice(0, 12)}`)
          for (const [index, user] of users.entries())
            yield* store.update(
              user.id,
              (account) =>
                new BillingAccount({ ...account, customerId: Option.some(customers[index] as string) })
            )
          const events = users.flatMap((_, index) => {
            const sub = snapshot({ customerId: customers[index] as string })
            return [20, 30, 40, 50].map((created) =>
              subscriptionEvent(
                { ...sub, status: created === 50 && index % 2 === 1 ? "past_due" : "active" },
                created
              )
            )
          })
          const deliveries = [...events, ...events, ...events].map((event, n) => ({ event, n }))
          // A fixed shuffle: copies of one event land in different batches.
          deliveries.sort((a, b) => ((a.n * 7919) % 97) - ((b.n * 7919) % 97) || a.n - b.n)
          const outcomes = yield* Effect.all(
            deliveries.map(({ event }) =>
              store.recordEvent(
                event,
                {
                  customerId: event.kind === "subscription" ? event.subscription.customerId : undefined,
                  userId: undefined
                },
                apply(event)
              )
            ),
            { concurrency: "unbounded" }
          )
          expect(outcomes.filter((o) => o._tag === "Applied")).toHaveLength(events.length)
          expect(outcomes.filter((o) => o._tag === "Duplicate")).toHaveLength(2 * events.length)
          for (const [index, user] of users.entries()) {
            const account = yield* store.find(user.id)
            expect(Option.flatMap(account, (a) => a.customerId)).toEqual(Option.some(customers[index]))
            expect(
              Option.map(
                Option.flatMap(account, (a) => a.subscription),
                (sub) => sub.status
              )
            ).toEqual(Option.some(index % 2 === 1 ? "past_due" : "active"))
          }
        })
    )

    it.effect("20 concurrent events of one account are applied one after another", () =>
      Effect.gen(function* () {
        const store = yield* BillingStore
        const user = yield* newUser
        const tag = `cus_${randomUUID()}`
        const bump = (account: BillingAccount) =>
          new BillingAccount({
            ...account,
            customerId: Option.some(`${Option.getOrElse(account.customerId, () => tag)}x`)
          })
        yield* store.update(user.id, (account) => account)
        yield* Effect.all(
          Array.from({ length: 20 }, () =>
            store.recordEvent(
              subscriptionEvent(snapshot(), 20),
              { customerId: undefined, userId: user.id },
              bump
            )
          ),
          { concurrency: "unbounded" }
        )
        expect(Option.flatMap(yield* store.find(user.id), (a) => a.customerId)).toEqual(
          Option.some(`${tag}${"x".repeat(20)}`)
        )
      })
    )

    it.effect(
      "many accounts' events at once, duplicates and strangers among them: each outcome as if alone",
      () =>
        Effect.gen(function* () {
          const store = yield* BillingStore
          const users = yield* Effect.all(Array.from({ length: 8 }, () => newUser))
          const deliveries = users.flatMap((user, index) => {
            const sub = snapshot({ userId: Option.some(user.id) })
            return [20, 30, 40].map((created) => ({
              event: subscriptionEvent(
                { ...sub, status: created === 40 && index % 2 === 0 ? "past_due" : "active" },
                created
              ),
              parties: { customerId: sub.customerId, userId: user.id }
            }))
          })
          const strangers = Array.from({ length: 3 }, () => ({
            event: subscriptionEvent(snapshot(), 20),
            parties: { customerId: `cus_${randomUUID()}`, userId: undefined }
          }))
          // A customer id Postgres cannot store: its event fails alone, the others in its batch apply.
          const poison = {
            event: subscriptionEvent(snapshot(), 20),
            parties: { customerId: "cus_\u0000", userId: undefined }
          }
          const all = [...deliveries, ...deliveries.slice(0, 5), ...strangers, poison]
          const outcomes = yield* Effect.all(
            all.map(({ event, parties }) => Effect.exit(store.recordEvent(event, parties, apply(event)))),
            { concurrency: "unbounded" }
          )
          const tags = outcomes.map((outcome) => (Exit.isFailure(outcome) ? "failed" : outcome.value._tag))
          expect(tags.filter((tag) => tag === "Applied")).toHaveLength(deliveries.length)
          expect(tags.filter((tag) => tag === "Duplicate")).toHaveLength(5)
          expect(tags.slice(0, -1).filter((tag) => tag === "Unmatched")).toHaveLength(strangers.length)
          expect(tags.at(-1)).toBe(target.name === "in memory" ? "Unmatched" : "failed")
          for (const [index, user] of users.entries()) {
            const account = yield* store.find(user.id)
            expect(
              Option.map(
                Option.flatMap(account, (a) => a.subscription),
                (sub) => sub.status
              )
            ).toEqual(Option.some(index % 2 === 0 ? "past_due" : "active"))
          }
        })
    )

    it.effect("totals: active by plan, currency and interval; trials running; past due", () =>
      Effect.gen(function* () {
        const store = yield* BillingStore
        const before = yield* store.totals(at(100))
        const subscribe = (sub: ProviderSubscription) =>
          Effect.gen(function* () {
            const user = yield* newUser
            yield* store.update(user.id, apply(subscriptionEvent(sub, 20)))
          })
        yield* subscribe(snapshot())
        yield* subscribe(snapshot())
        yield* subscribe(snapshot({ priceId: "price_family_yearly", amountMinor: 9999, interval: "year" }))
        yield* subscribe(snapshot({ status: "past_due" }))
        yield* subscribe(
          snapshot({ status: "trialing", trialEnd: Option.some(at(200)), currentPeriodEnd: at(200) })
        )
        yield* subscribe(
          snapshot({ status: "trialing", trialEnd: Option.some(at(50)), currentPeriodEnd: at(50) })
        )
        const after = yield* store.totals(at(100))
        const sum = (totals: typeof after, interval: string) =>
          totals.active
            .filter((g) => Option.contains(g.planId, planId) && g.interval === interval)
            .reduce((n, g) => ({ count: n.count + g.count, amount: n.amount + g.amountMinor }), {
              count: 0,
              amount: 0
            })
        const grew = (interval: string) => {
          const [a, b] = [sum(after, interval), sum(before, interval)]
          return { count: a.count - b.count, amount: a.amount - b.amount }
        }
        expect(grew("month")).toEqual({ count: 2, amount: 1998 })
        expect(grew("year")).toEqual({ count: 1, amount: 9999 })
        expect(after.pastDue - before.pastDue).toBe(1)
        expect(after.trialsRunning - before.trialsRunning).toBe(1)
      })
    )

    if (target.postgres) {
      it.effect(
        "an event naming an account id that is no user is unmatched; a real user's gets one row",
        () =>
          Effect.gen(function* () {
            const store = yield* BillingStore
            const sql = yield* SqlClient.SqlClient
            const { schema } = yield* PgStoreConfig
            const event = subscriptionEvent(snapshot(), 20)
            const ghost = UserId.make(randomUUID())
            expect(
              (yield* store.recordEvent(event, { customerId: undefined, userId: ghost }, apply(event)))._tag
            ).toBe("Unmatched")
            const user = yield* newUser
            yield* store.update(user.id, apply(subscriptionEvent(snapshot(), 20)))
            const [row] = yield* sql<{ accounts: string }>`
            SELECT (SELECT count(*) FROM ${sql(`${schema}.accounts`)} WHERE user_id = ${user.id}) AS accounts`
            expect(Number(row?.accounts)).toBe(1)
          })
      )
    }
  })
}
