import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option } from "effect"
import {
  createPlan,
  currentAccount,
  getUser,
  listPlans,
  listUsers,
  parseMajorUnits,
  requireAdmin,
  setUserRole,
  toMajorUnits,
  UserStore,
  updatePlan
} from "../src/index.js"
import { AccountsTest } from "../src/testing.js"
import { failureOf, newAccount } from "./helpers.js"

const makeAdmin = Effect.gen(function* () {
  const account = yield* newAccount("admin@example.com", "Ada Admin")
  yield* Effect.flatMap(UserStore, (users) => users.setRole(account.user.id, "admin"))
  return { ...account, admin: yield* requireAdmin(account.caller) }
})

describe("prices", () => {
  it("keeps 7.99 as 799 minor units, exactly, and refuses what is not a price", () => {
    expect(parseMajorUnits(7.99)).toEqual(Either.right(799))
    expect(parseMajorUnits("7.9")).toEqual(Either.right(790))
    expect(parseMajorUnits(0.3)).toEqual(Either.right(30))
    expect(parseMajorUnits(14)).toEqual(Either.right(1400))
    for (const bad of [7.999, -1, "1e3", Number.NaN, "abc", null, 10_000_000])
      expect(Either.isLeft(parseMajorUnits(bad))).toBe(true)
    expect(toMajorUnits(799)).toBe(7.99)
  })
})

describe("the plan catalog", () => {
  it.effect(
    "scenario 7: an admin creates a plan; names and price ids are unique; the default is one plan",
    () =>
      Effect.gen(function* () {
        const { admin } = yield* makeAdmin
        const special = yield* createPlan(admin, {
          name: "Black Friday Special",
          stripe_price_id: "price_bf_2024",
          price_monthly: 7.99,
          max_profiles: 5,
          max_playlists: 10,
          max_favorites: 500,
          features: { ads: false, hd: true }
        })
        expect(special).toMatchObject({
          priceMonthlyMinor: 799,
          currency: "usd",
          features: { ads: false, hd: true }
        })
        const sameName = yield* failureOf(
          createPlan(admin, {
            name: "black friday special",
            price_monthly: 1,
            max_profiles: 1,
            max_playlists: 1,
            max_favorites: 1
          })
        )
        expect(sameName).toMatchObject({ _tag: "PlanConflict", field: "name" })
        const samePrice = yield* failureOf(
          createPlan(admin, {
            name: "Other",
            stripe_price_id: "price_bf_2024",
            price_monthly: 1,
            max_profiles: 1,
            max_playlists: 1,
            max_favorites: 1
          })
        )
        expect(samePrice).toMatchObject({ field: "stripe_price_id" })
        const bad = yield* failureOf(
          createPlan(admin, {
            name: "Bad",
            price_monthly: 7.999,
            max_profiles: 0,
            max_playlists: -1,
            max_favorites: 1
          })
        )
        expect(bad.message).toContain("price_monthly")
        expect(bad.message).toContain("max_profiles")
        expect(bad.message).toContain("max_playlists")

        const trial = yield* createPlan(admin, {
          name: "Trial",
          price_monthly: 0,
          max_profiles: 2,
          max_playlists: 1,
          max_favorites: 50,
          is_default: true
        })
        const family = yield* createPlan(admin, {
          name: "Family",
          price_monthly: "14.99",
          max_profiles: 6,
          max_playlists: 5,
          max_favorites: 1000,
          is_default: true
        })
        const { caller } = yield* newAccount()
        expect((yield* currentAccount(caller)).entitlement.plan.id).toBe(family.id)
        yield* updatePlan(admin, special.id, { is_active: false })
        expect((yield* listPlans).map((p) => [p.name, p.isDefault])).toEqual([
          ["Trial", false],
          ["Family", true]
        ])
        expect(trial.isDefault).toBe(true)
        expect(
          (yield* failureOf(updatePlan(admin, "00000000-0000-4000-8000-000000000001", { name: "X" })))._tag
        ).toBe("PlanNotFound")
      }).pipe(Effect.provide(AccountsTest()))
  )
})

describe("admin users", () => {
  it.effect("pages and searches users, newest first, with a total", () =>
    Effect.gen(function* () {
      const { admin } = yield* makeAdmin
      for (let i = 0; i < 25; i++) yield* newAccount(`user${i}@example.com`, `User ${i}`)
      const first = yield* listUsers(admin, { page: 1, limit: 10 })
      expect(first).toMatchObject({ page: 1, limit: 10, total: 26 })
      expect(first.items).toHaveLength(10)
      const last = yield* listUsers(admin, { page: 3, limit: 10 })
      expect(last.items).toHaveLength(6)
      const found = yield* listUsers(admin, { search: "USER1" })
      expect(found.total).toBe(11)
      expect((yield* listUsers(admin, { search: "admin@example.com" })).items.map((u) => u.role)).toEqual([
        "admin"
      ])
      expect((yield* failureOf(listUsers(admin, { limit: 101 })))._tag).toBe("InvalidInput")
      expect((yield* failureOf(listUsers(admin, { page: 0 })))._tag).toBe("InvalidInput")
    }).pipe(Effect.provide(AccountsTest()))
  )

  it.effect("a role an admin revokes stops working on admin programs at once, old token or not", () =>
    Effect.gen(function* () {
      const { admin } = yield* makeAdmin
      const second = yield* newAccount("second@example.com", "Second Admin")
      yield* setUserRole(admin, second.user.id, { role: "admin" })
      // The token still says "user"; the records say admin.
      const promoted = yield* requireAdmin(second.caller)
      yield* setUserRole(admin, second.user.id, { role: "reseller" })
      expect((yield* failureOf(requireAdmin(second.caller)))._tag).toBe("RoleRequired")
      expect((yield* failureOf(setUserRole(promoted, admin.userId, { role: "king" })))._tag).toBe(
        "InvalidInput"
      )
      const details = yield* getUser(admin, second.user.id)
      expect(details).toMatchObject({ user: { role: "reseller" }, entitlement: { source: "default" } })
      expect((yield* failureOf(getUser(admin, "nope")))._tag).toBe("UserNotFound")
      expect(Option.isSome(details.user.planId)).toBe(false)
    }).pipe(Effect.provide(AccountsTest()))
  )
})
