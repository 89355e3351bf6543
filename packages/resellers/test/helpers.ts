import {
  authenticate,
  createPlan,
  requireAdmin,
  requireReseller,
  setUserRole,
  signup,
  UserStore
} from "@org/accounts"
import { Effect, Redacted } from "effect"
import { addCredits } from "../src/index.js"

/** Sign up `email`: the user and their caller. */
export const account = (email: string) =>
  Effect.gen(function* () {
    const signedIn = yield* signup({ email, password: "securePass123", full_name: "Some One" })
    return { user: signedIn.user, caller: yield* authenticate(Redacted.value(signedIn.tokens.accessToken)) }
  })

/** An admin, the Basic plan at 4.99 (2 profiles), and a reseller with `credits`. */
export const setup = (credits: number) =>
  Effect.gen(function* () {
    const boss = yield* account("admin@example.com")
    yield* Effect.flatMap(UserStore, (users) => users.setRole(boss.user.id, "admin"))
    const admin = yield* requireAdmin(boss.caller)
    yield* createPlan(admin, {
      name: "Basic",
      stripe_price_id: "price_basic_monthly",
      price_monthly: 4.99,
      max_profiles: 2,
      max_playlists: 3,
      max_favorites: 100
    })
    const alex = yield* account("alex@example.com")
    yield* setUserRole(admin, alex.user.id, { role: "reseller" })
    const reseller = yield* requireReseller(alex.caller)
    if (credits > 0)
      yield* addCredits(admin, { user_id: alex.user.id, amount: credits, description: "Initial" })
    return { admin, reseller, alex }
  })
