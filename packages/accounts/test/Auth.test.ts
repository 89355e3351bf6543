import { describe, expect, it } from "@effect/vitest"
import { PasswordHasher } from "@org/core"
import { PasswordHasherFake } from "@org/core/testing"
import { Effect, Layer, Option, Redacted, Ref, TestClock } from "effect"
import {
  authenticate,
  currentAccount,
  ensureAdminAccount,
  listProfiles,
  login,
  logout,
  refresh,
  signup,
  UserStore
} from "../src/index.js"
import { AccountsTest } from "../src/testing.js"
import { failureOf, newAccount } from "./helpers.js"

describe("signup", () => {
  it.effect("creates the account with a default profile and signs it in", () =>
    Effect.gen(function* () {
      const { user, caller, tokens } = yield* newAccount("  John@Example.com ")
      expect(user.email).toBe("John@Example.com")
      expect(user.role).toBe("user")
      expect(caller).toMatchObject({ userId: user.id, role: "user", isKids: false, profileId: Option.none() })
      expect(tokens.expiresIn).toBe(900)
      const profiles = yield* listProfiles(caller)
      expect(profiles.map((p) => [p.name, p.isDefault, p.isKids, p.hasPin])).toEqual([
        ["John", true, false, false]
      ])
      const account = yield* currentAccount(caller)
      expect(account.entitlement).toMatchObject({ source: "default", plan: { name: "Free" } })
    }).pipe(Effect.provide(AccountsTest()))
  )

  it.effect("an email is taken case-insensitively; bad input names each rule and writes nothing", () =>
    Effect.gen(function* () {
      yield* newAccount("john@example.com")
      const taken = yield* failureOf(
        signup({ email: "JOHN@example.com", password: "securePass123", full_name: "J" })
      )
      expect(taken._tag).toBe("EmailTaken")
      const short = yield* failureOf(signup({ email: "a@example.com", password: "short", full_name: "A" }))
      expect(short.message).toContain("at least 10 characters")
      const same = yield* failureOf(
        signup({ email: "longname@example.com", password: "LongName@example.com", full_name: "A" })
      )
      expect(same.message).toContain("cannot be the email address")
      const email = yield* failureOf(
        signup({ email: "not-an-email", password: "securePass123", full_name: "A" })
      )
      expect(email.message).toContain("email address such as")
      const users = yield* Effect.flatMap(UserStore, (s) => s.listUsers({ offset: 0, limit: 10 }))
      expect(users.total).toBe(1)
    }).pipe(Effect.provide(AccountsTest()))
  )
})

/** The fake hasher, counting every hash and verification. */
const CountingHasher = Layer.effect(
  PasswordHasher,
  Effect.gen(function* () {
    const inner = yield* PasswordHasher
    const calls = yield* Ref.make(0)
    ;(globalThis as { hasherCalls?: Ref.Ref<number> }).hasherCalls = calls
    return PasswordHasher.of({
      hash: (s) =>
        Effect.zipRight(
          Ref.update(calls, (n) => n + 1),
          inner.hash(s)
        ),
      verify: (h, s) =>
        Effect.zipRight(
          Ref.update(calls, (n) => n + 1),
          inner.verify(h, s)
        )
    })
  })
).pipe(Layer.provide(PasswordHasherFake))

describe("login", () => {
  it.effect("a wrong password and an unknown email are one error, each costing one hash", () =>
    Effect.gen(function* () {
      yield* newAccount()
      const calls = (globalThis as { hasherCalls?: Ref.Ref<number> }).hasherCalls as Ref.Ref<number>
      yield* Ref.set(calls, 0)
      const wrong = yield* failureOf(login({ email: "john@example.com", password: "wrongPass123" }))
      const wrongCalls = yield* Ref.getAndSet(calls, 0)
      const unknown = yield* failureOf(login({ email: "nobody@example.com", password: "wrongPass123" }))
      const unknownCalls = yield* Ref.get(calls)
      expect(wrong).toEqual(unknown)
      expect(wrong.message).toBe("The email address or the password is wrong.")
      expect([wrongCalls, unknownCalls]).toEqual([1, 1])
      const ok = yield* login({ email: " JOHN@example.com", password: "securePass123" })
      expect(ok.user.email).toBe("john@example.com")
    }).pipe(Effect.provide(Layer.merge(AccountsTest(), CountingHasher)))
  )
})

describe("sessions", () => {
  it.effect("an access token lasts 15 minutes; a refresh rotates the pair", () =>
    Effect.gen(function* () {
      const { tokens, refreshToken } = yield* newAccount()
      yield* TestClock.adjust("14 minutes")
      yield* authenticate(Redacted.value(tokens.accessToken))
      yield* TestClock.adjust("1 minute")
      const expired = yield* failureOf(authenticate(Redacted.value(tokens.accessToken)))
      expect(expired).toMatchObject({ _tag: "NotAuthenticated", reason: "expired" })
      const next = yield* refresh(refreshToken)
      expect(Redacted.value(next.tokens.refreshToken)).not.toBe(refreshToken)
      yield* authenticate(Redacted.value(next.tokens.accessToken))
      yield* refresh(Redacted.value(next.tokens.refreshToken))
    }).pipe(Effect.provide(AccountsTest()))
  )

  it.effect("a rotated refresh token used again ends the whole session", () =>
    Effect.gen(function* () {
      const { refreshToken } = yield* newAccount()
      const next = yield* refresh(refreshToken)
      expect((yield* failureOf(refresh(refreshToken)))._tag).toBe("RefreshTokenReused")
      // The thief's replay also cut off the token rotated to: sign in again.
      expect((yield* failureOf(refresh(Redacted.value(next.tokens.refreshToken))))._tag).toBe(
        "RefreshTokenInvalid"
      )
    }).pipe(Effect.provide(AccountsTest()))
  )

  it.effect("logout ends the session; an unknown or expired refresh token is refused", () =>
    Effect.gen(function* () {
      const first = yield* newAccount()
      yield* logout(first.caller)
      expect((yield* failureOf(refresh(first.refreshToken)))._tag).toBe("RefreshTokenInvalid")
      expect((yield* failureOf(refresh("nope")))._tag).toBe("RefreshTokenInvalid")
      expect((yield* failureOf(refresh("")))._tag).toBe("RefreshTokenInvalid")
      const second = yield* login({ email: "john@example.com", password: "securePass123" })
      yield* TestClock.adjust("30 days")
      expect((yield* failureOf(refresh(Redacted.value(second.tokens.refreshToken))))._tag).toBe(
        "RefreshTokenInvalid"
      )
    }).pipe(Effect.provide(AccountsTest()))
  )

  it.effect("a forged or garbage token is refused", () =>
    Effect.gen(function* () {
      const { tokens } = yield* newAccount()
      const token = Redacted.value(tokens.accessToken)
      expect(yield* failureOf(authenticate(""))).toMatchObject({ reason: "missing" })
      expect(yield* failureOf(authenticate("garbage"))).toMatchObject({ reason: "invalid" })
      expect(yield* failureOf(authenticate(`${token}x`))).toMatchObject({ reason: "invalid" })
    }).pipe(Effect.provide(AccountsTest()))
  )
})

describe("ensureAdminAccount", () => {
  it.effect("creates the admin once and never changes an existing account", () =>
    Effect.gen(function* () {
      const first = yield* ensureAdminAccount({ email: "admin@example.com", password: "adminPass123" })
      expect(first.created).toBe(true)
      expect(first.user.role).toBe("admin")
      const again = yield* ensureAdminAccount({ email: "ADMIN@example.com", password: "otherPass123" })
      expect(again).toMatchObject({ created: false, user: { id: first.user.id } })
      yield* login({ email: "admin@example.com", password: "adminPass123" })
      yield* newAccount("plain@example.com")
      const existing = yield* ensureAdminAccount({ email: "plain@example.com", password: "adminPass123" })
      expect(existing).toMatchObject({ created: false, user: { role: "user" } })
    }).pipe(Effect.provide(AccountsTest()))
  )
})
