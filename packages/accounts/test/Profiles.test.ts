import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Redacted, TestClock } from "effect"
import {
  authenticate,
  createPlan,
  createProfile,
  deleteProfile,
  getProfile,
  listProfiles,
  refresh,
  requireAdmin,
  requireAdult,
  selectProfile,
  setUserPlan,
  UserStore,
  updateProfile
} from "../src/index.js"
import { AccountsTest } from "../src/testing.js"
import { callerFor, failureOf, newAccount } from "./helpers.js"

describe("profiles", () => {
  it.effect("scenario 1: Sarah's profile and a kids profile with a PIN that is never shown", () =>
    Effect.gen(function* () {
      const { adult, caller } = yield* newAccount()
      const sarah = yield* createProfile(adult, {
        name: "Sarah",
        avatar_url: "https://example.com/sarah.jpg"
      })
      expect(sarah.avatarUrl).toEqual(Option.some("https://example.com/sarah.jpg"))
      const kids = yield* createProfile(adult, { name: "Kids", is_kids_profile: true, parental_pin: "1234" })
      expect(kids).toMatchObject({ isKids: true, hasPin: true })
      expect(JSON.stringify(kids)).not.toContain("1234")
      expect((yield* listProfiles(caller)).map((p) => p.name)).toEqual(["John", "Sarah", "Kids"])
    }).pipe(Effect.provide(AccountsTest()))
  )

  it.effect("refuses a bad name, avatar or PIN, a taken name, and more than the plan allows", () =>
    Effect.gen(function* () {
      const { adult, caller } = yield* newAccount()
      expect((yield* failureOf(createProfile(adult, { name: " " })))._tag).toBe("InvalidInput")
      const avatar = yield* failureOf(createProfile(adult, { name: "A", avatar_url: "javascript:alert(1)" }))
      expect(avatar.message).toContain("only http and https URLs")
      const pin = yield* failureOf(createProfile(adult, { name: "A", parental_pin: "12a4" }))
      expect(pin.message).toContain("4 to 8 digits")
      expect((yield* failureOf(createProfile(adult, { name: "JOHN" })))._tag).toBe("ProfileNameTaken")
      for (const name of ["B", "C", "D", "E"]) yield* createProfile(adult, { name })
      const limit = yield* failureOf(createProfile(adult, { name: "F" }))
      expect(limit).toMatchObject({ _tag: "PlanLimitReached", resource: "profiles", limit: 5 })
      expect(yield* listProfiles(caller)).toHaveLength(5)
    }).pipe(Effect.provide(AccountsTest()))
  )

  it.effect("twenty concurrent creations at max_profiles = 5 leave exactly five", () =>
    Effect.gen(function* () {
      const { adult, caller } = yield* newAccount()
      const exits = yield* Effect.forEach(
        Array.from({ length: 20 }, (_, i) => `P${i}`),
        (name) => Effect.either(createProfile(adult, { name })),
        { concurrency: "unbounded" }
      )
      expect(exits.filter((e) => e._tag === "Right")).toHaveLength(4)
      expect(yield* listProfiles(caller)).toHaveLength(5)
    }).pipe(Effect.provide(AccountsTest()))
  )

  it.effect("another account's profile is not found, for every operation", () =>
    Effect.gen(function* () {
      const john = yield* newAccount("john@example.com")
      const mary = yield* newAccount("mary@example.com", "Mary Major")
      const [marysProfile] = yield* listProfiles(mary.caller)
      const id = marysProfile?.id ?? ""
      const tags = [
        (yield* failureOf(getProfile(john.caller, id)))._tag,
        (yield* failureOf(updateProfile(john.adult, id, { name: "Mine" })))._tag,
        (yield* failureOf(deleteProfile(john.adult, id)))._tag,
        (yield* failureOf(selectProfile(john.caller, id)))._tag
      ]
      expect(tags).toEqual(Array(4).fill("ProfileNotFound"))
      expect((yield* failureOf(getProfile(john.caller, "not-a-uuid")))._tag).toBe("ProfileNotFound")
    }).pipe(Effect.provide(AccountsTest()))
  )

  it.effect("the last profile cannot be deleted", () =>
    Effect.gen(function* () {
      const { adult, caller } = yield* newAccount()
      const extra = yield* createProfile(adult, { name: "Extra" })
      const [first] = yield* listProfiles(caller)
      yield* deleteProfile(adult, first?.id ?? "")
      expect((yield* failureOf(deleteProfile(adult, extra.id)))._tag).toBe("LastProfile")
    }).pipe(Effect.provide(AccountsTest()))
  )
})

describe("PINs and kids sessions", () => {
  it.effect("scenario 3: a wrong PIN is refused, five lock the profile for 15 minutes", () =>
    Effect.gen(function* () {
      const { adult, caller } = yield* newAccount()
      const profile = yield* createProfile(adult, { name: "Dad", parental_pin: "1234" })
      expect((yield* failureOf(selectProfile(caller, profile.id)))._tag).toBe("PinRequired")
      const first = yield* failureOf(selectProfile(caller, profile.id, { pin: "0000" }))
      expect(first).toMatchObject({ _tag: "InvalidPin", remainingAttempts: 4 })
      expect(first.message).toContain("Invalid PIN")
      for (let i = 0; i < 3; i++) yield* failureOf(selectProfile(caller, profile.id, { pin: "0000" }))
      const fifth = yield* failureOf(selectProfile(caller, profile.id, { pin: "0000" }))
      expect(fifth).toMatchObject({ _tag: "PinLocked", retryAfterSeconds: 900 })
      // Locked: even the right PIN waits.
      expect((yield* failureOf(selectProfile(caller, profile.id, { pin: "1234" })))._tag).toBe("PinLocked")
      yield* TestClock.adjust("15 minutes")
      const selected = yield* selectProfile(caller, profile.id, { pin: "1234" })
      expect(selected.profile.id).toBe(profile.id)
      // The count started again after the success.
      expect(yield* failureOf(selectProfile(caller, profile.id, { pin: "0000" }))).toMatchObject({
        remainingAttempts: 4
      })
    }).pipe(Effect.provide(AccountsTest()))
  )

  it.effect("wrong PINs spread over more than 15 minutes do not lock", () =>
    Effect.gen(function* () {
      const { adult, caller } = yield* newAccount()
      const profile = yield* createProfile(adult, { name: "Dad", parental_pin: "1234" })
      for (let i = 0; i < 4; i++) yield* failureOf(selectProfile(caller, profile.id, { pin: "0000" }))
      yield* TestClock.adjust("16 minutes")
      expect(yield* failureOf(selectProfile(caller, profile.id, { pin: "0000" }))).toMatchObject({
        _tag: "InvalidPin",
        remainingAttempts: 4
      })
    }).pipe(Effect.provide(AccountsTest()))
  )

  it.effect(
    "a kids session cannot manage profiles, stays kids across refreshes, and leaves only by a PIN",
    () =>
      Effect.gen(function* () {
        const { adult, caller, refreshToken } = yield* newAccount()
        const kids = yield* createProfile(adult, { name: "Timmy", is_kids_profile: true })
        const parent = yield* createProfile(adult, { name: "Parent", parental_pin: "5555" })
        const [open] = yield* listProfiles(caller)
        const kidsCaller = yield* callerFor(caller, kids.id)
        expect(kidsCaller).toMatchObject({ isKids: true, profileId: Option.some(kids.id) })
        expect((yield* failureOf(requireAdult(kidsCaller, "manage profiles"))).message).toBe(
          "A kids profile cannot manage profiles. Switch to an adult profile first."
        )
        expect((yield* failureOf(requireAdmin(kidsCaller)))._tag).toBe("KidsProfileRestricted")
        // The session's refreshed token is still the kids profile's.
        const refreshed = yield* refresh(refreshToken)
        expect(yield* authenticate(Redacted.value(refreshed.tokens.accessToken))).toMatchObject({
          isKids: true,
          profileId: Option.some(kids.id)
        })
        // An adult profile without a PIN is out of reach; one with a PIN takes it.
        expect((yield* failureOf(selectProfile(kidsCaller, open?.id ?? "")))._tag).toBe(
          "KidsProfileRestricted"
        )
        expect((yield* failureOf(selectProfile(kidsCaller, parent.id, { pin: "1234" })))._tag).toBe(
          "InvalidPin"
        )
        const back = yield* callerFor(kidsCaller, parent.id, "5555")
        expect(back).toMatchObject({ isKids: false, profileId: Option.some(parent.id) })
      }).pipe(Effect.provide(AccountsTest()))
  )

  it.effect("an adult changes and removes a PIN; the answer never holds it", () =>
    Effect.gen(function* () {
      const { adult, caller } = yield* newAccount()
      const kids = yield* createProfile(adult, { name: "Kids", is_kids_profile: true, parental_pin: "1234" })
      const changed = yield* updateProfile(adult, kids.id, { parental_pin: "5555" })
      expect(changed.hasPin).toBe(true)
      expect((yield* failureOf(selectProfile(caller, kids.id, { pin: "1234" })))._tag).toBe("InvalidPin")
      yield* selectProfile(caller, kids.id, { pin: "5555" })
      const removed = yield* updateProfile(adult, kids.id, {
        parental_pin: null,
        avatar_url: "http://x.test/a.png"
      })
      expect(removed).toMatchObject({ hasPin: false, avatarUrl: Option.some("http://x.test/a.png") })
      yield* selectProfile(caller, kids.id)
    }).pipe(Effect.provide(AccountsTest()))
  )

  it.effect("a plan an admin assigns sets the profile limit", () =>
    Effect.gen(function* () {
      const admin = yield* newAccount("admin@example.com", "Ada Admin")
      yield* Effect.flatMap(UserStore, (users) => users.setRole(admin.user.id, "admin"))
      const adminCaller = yield* requireAdmin(admin.caller)
      const duo = yield* createPlan(adminCaller, {
        name: "Duo",
        price_monthly: 4.99,
        max_profiles: 2,
        max_playlists: 1,
        max_favorites: 10
      })
      expect(duo.priceMonthlyMinor).toBe(499)
      const { adult, caller } = yield* newAccount()
      yield* setUserPlan(adminCaller, caller.userId, { plan_id: duo.id })
      yield* createProfile(adult, { name: "Second" })
      expect(yield* failureOf(createProfile(adult, { name: "Third" }))).toMatchObject({ limit: 2 })
    }).pipe(Effect.provide(AccountsTest()))
  )
})
