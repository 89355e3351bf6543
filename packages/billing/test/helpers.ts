import {
  type AdultCaller,
  authenticate,
  createPlan,
  requireAdmin,
  requireAdult,
  signup,
  UserStore
} from "@org/accounts"
import { Effect, Redacted } from "effect"
import { PaymentProviderInMemoryControls } from "../src/testing.js"

/** Sign up an account and its adult caller. */
export const newAccount = (email = "john@example.com") =>
  Effect.gen(function* () {
    const signedIn = yield* signup({ email, password: "securePass123", full_name: "John Doe" })
    const caller = yield* authenticate(Redacted.value(signedIn.tokens.accessToken))
    return { user: signedIn.user, caller, adult: yield* requireAdult(caller, "test") }
  })

export const newAdmin = Effect.gen(function* () {
  const account = yield* newAccount("admin@example.com")
  yield* Effect.flatMap(UserStore, (users) => users.setRole(account.user.id, "admin"))
  return { ...account, admin: yield* requireAdmin(account.caller) }
})

/** Basic (2 profiles) at 4.99 and Family (5 profiles) at 9.99, sold at the in-memory provider. */
export const seedCatalog = Effect.gen(function* () {
  const { admin } = yield* newAdmin
  const controls = yield* PaymentProviderInMemoryControls
  const plan = (name: string, priceId: string, price: number, maxProfiles: number) =>
    createPlan(admin, {
      name,
      stripe_price_id: priceId,
      price_monthly: price,
      max_profiles: maxProfiles,
      max_playlists: maxProfiles * 2,
      max_favorites: 100 * maxProfiles,
      features: { hd: maxProfiles > 2 }
    })
  const free = yield* createPlan(admin, {
    name: "Free",
    price_monthly: 0,
    max_profiles: 1,
    max_playlists: 1,
    max_favorites: 10,
    features: {},
    is_default: true
  })
  const basic = yield* plan("Basic", "price_basic_monthly", 4.99, 2)
  const family = yield* plan("Family", "price_family_monthly", 9.99, 5)
  controls.addPrice({ id: "price_basic_monthly", amountMinor: 499, currency: "usd", interval: "month" })
  controls.addPrice({ id: "price_family_monthly", amountMinor: 999, currency: "usd", interval: "month" })
  controls.addPrice({ id: "price_family_yearly", amountMinor: 9999, currency: "usd", interval: "year" })
  return { admin, free, basic, family }
})

export type Adult = AdultCaller

/** A seeded generator (mulberry32), so a failing order can be replayed from its seed. */
export const seeded = (seed: number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export const shuffle = <A>(items: ReadonlyArray<A>, random: () => number): Array<A> => {
  const copy = [...items]
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const a = copy[i] as A
    copy[i] = copy[j] as A
    copy[j] = a
  }
  return copy
}
