/**
 * One contract for the accounts store ports (`UserStore`, `SessionStore`,
 * `ProfileStore`, `PlanStore`), run in memory, on the Postgres server and on
 * PGlite: what `@org/accounts` relies on of any store.
 */
import { randomUUID } from "node:crypto"
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import {
  Email,
  Plan,
  PlanId,
  PlanStore,
  Profile,
  ProfileId,
  ProfileStore,
  SessionId,
  SessionStore,
  User,
  UserId,
  UserStore
} from "@org/accounts"
import { DateTime, Duration, Effect, Exit, Option } from "effect"
import { PgStoreConfig } from "../src/PgStoreConfig.js"
import { accountsTargets } from "./harness.js"

const at = (seconds: number) => DateTime.unsafeMake(1_800_000_000_000 + seconds * 1000)

const newUser = (
  email = `u-${randomUUID().slice(0, 8)}@example.com`,
  fullName = "Test User",
  seconds = 0
) => {
  const user = new User({
    id: UserId.make(randomUUID()),
    email: Email.make(email),
    fullName,
    role: "user",
    preferredLanguage: Option.none(),
    planId: Option.none(),
    createdAt: at(seconds)
  })
  return { user, profile: newProfile(user, "Main", { isDefault: true }) }
}

const newProfile = (
  user: User,
  name: string,
  options: { readonly isDefault?: boolean; readonly isKids?: boolean; readonly hasPin?: boolean } = {}
) =>
  new Profile({
    id: ProfileId.make(randomUUID()),
    userId: user.id,
    name,
    avatarUrl: Option.none(),
    isKids: options.isKids ?? false,
    hasPin: options.hasPin ?? false,
    isDefault: options.isDefault ?? false,
    createdAt: at(1)
  })

const newPlan = (name: string, fields: Partial<ConstructorParameters<typeof Plan>[0]> = {}) =>
  new Plan({
    id: PlanId.make(randomUUID()),
    name,
    stripePriceId: Option.none(),
    priceMonthlyMinor: 799,
    currency: "usd",
    maxProfiles: 5,
    maxPlaylists: 10,
    maxFavorites: 500,
    features: { ads: false, hd: true, nested: { quality: "4k" } },
    isFamilyPlan: false,
    maxMembers: 1,
    isDefault: false,
    isActive: true,
    createdAt: at(0),
    ...fields
  })

const signedUp = (email?: string, fullName?: string, seconds?: number) =>
  Effect.gen(function* () {
    const made = newUser(email, fullName, seconds)
    yield* Effect.flatMap(UserStore, (users) => users.createUser(made.user, "hash$secret", made.profile))
    return made
  })

const failureTag = <A, E extends { _tag: string }>(exit: Exit.Exit<A, E>) =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error._tag : "no typed failure"

const refreshToken = (seconds = 3600) => ({ token: `rt-${randomUUID()}`, expiresAt: at(seconds) })

const pinPolicy = { maxFailures: 5, window: Duration.minutes(15), lockout: Duration.minutes(15) }

for (const target of accountsTargets()) {
  layer(target.layer, { timeout: 60_000 })(`accounts stores: ${target.name}`, (it) => {
    it.effect("creates a user with the default profile; an email is one account, case-insensitively", () =>
      Effect.gen(function* () {
        const users = yield* UserStore
        const { user, profile } = yield* signedUp("Mixed.Case@Example.com")
        const found = yield* users.findCredentials("  mixed.case@EXAMPLE.com ")
        expect(Option.map(found, (f) => [f.user, f.passwordHash])).toEqual(Option.some([user, "hash$secret"]))
        expect(yield* Effect.flatMap(ProfileStore, (p) => p.list(user.id))).toEqual([profile])
        const again = newUser("MIXED.case@example.com")
        expect(failureTag(yield* Effect.exit(users.createUser(again.user, "h", again.profile)))).toBe(
          "EmailTaken"
        )
        expect(Option.isNone(yield* users.findUser(again.user.id))).toBe(true)
        expect(yield* Effect.flatMap(ProfileStore, (p) => p.list(again.user.id))).toEqual([])
      })
    )

    it.effect(
      "lists users newest first, by page, searching email and name with wildcards taken literally",
      () =>
        Effect.gen(function* () {
          const users = yield* UserStore
          const tag = randomUUID().slice(0, 6)
          for (let i = 0; i < 7; i++) yield* signedUp(`p${i}-${tag}@example.com`, `Person ${i}`, 100 + i)
          yield* signedUp(`x_%-${tag}@example.com`, "Under Score", 200)
          const all = yield* users.listUsers({ search: tag, offset: 0, limit: 3 })
          expect(all.total).toBe(8)
          expect(all.users.map((u) => u.fullName)).toEqual(["Under Score", "Person 6", "Person 5"])
          const page3 = yield* users.listUsers({ search: tag, offset: 6, limit: 3 })
          expect(page3.users.map((u) => u.fullName)).toEqual(["Person 1", "Person 0"])
          expect((yield* users.listUsers({ search: tag, offset: 30, limit: 3 })).total).toBe(8)
          expect((yield* users.listUsers({ search: `_%-${tag}`, offset: 0, limit: 10 })).total).toBe(1)
          expect(
            (yield* users.listUsers({ search: "PERSON 3", offset: 0, limit: 10 })).users.length
          ).toBeGreaterThan(0)
        })
    )

    it.effect("sets a role and a plan; an unknown user is none", () =>
      Effect.gen(function* () {
        const users = yield* UserStore
        const plans = yield* PlanStore
        const { user } = yield* signedUp()
        const before = yield* users.countByRole()
        expect(Option.map(yield* users.setRole(user.id, "reseller"), (u) => u.role)).toEqual(
          Option.some("reseller")
        )
        // The store is shared by the suite's tests: compare counts before and after.
        const after = yield* users.countByRole()
        expect([
          after.user - before.user,
          after.reseller - before.reseller,
          after.admin - before.admin
        ]).toEqual([-1, 1, 0])
        const plan = newPlan(`Plan ${randomUUID()}`)
        yield* plans.create(plan)
        expect(Option.flatMap(yield* users.setPlan(user.id, Option.some(plan.id)), (u) => u.planId)).toEqual(
          Option.some(plan.id)
        )
        expect(Option.isNone(yield* users.setRole(UserId.make(randomUUID()), "admin"))).toBe(true)
      })
    )

    it.effect("rotates a refresh token once; a rotated one used again revokes the session", () =>
      Effect.gen(function* () {
        const sessions = yield* SessionStore
        const { user, profile } = yield* signedUp()
        const sessionId = SessionId.make(randomUUID())
        const first = refreshToken()
        yield* sessions.create(
          { id: sessionId, userId: user.id, profileId: Option.none(), createdAt: at(0) },
          first
        )
        yield* sessions.selectProfile(sessionId, profile.id)
        const second = refreshToken()
        const session = yield* sessions.rotate(first.token, second, at(10))
        expect(session).toMatchObject({ id: sessionId, userId: user.id, profileId: Option.some(profile.id) })
        expect(failureTag(yield* Effect.exit(sessions.rotate(first.token, refreshToken(), at(11))))).toBe(
          "RefreshTokenReused"
        )
        expect(failureTag(yield* Effect.exit(sessions.rotate(second.token, refreshToken(), at(12))))).toBe(
          "RefreshTokenInvalid"
        )
        expect(failureTag(yield* Effect.exit(sessions.rotate("unknown", refreshToken(), at(12))))).toBe(
          "RefreshTokenInvalid"
        )
      })
    )

    it.effect("an expired or revoked refresh token is refused; racing rotations of one token: one wins", () =>
      Effect.gen(function* () {
        const sessions = yield* SessionStore
        const { user } = yield* signedUp()
        const start = (token: { token: string; expiresAt: DateTime.Utc }) =>
          sessions.create(
            { id: SessionId.make(randomUUID()), userId: user.id, profileId: Option.none(), createdAt: at(0) },
            token
          )
        const expiring = refreshToken(60)
        yield* start(expiring)
        expect(failureTag(yield* Effect.exit(sessions.rotate(expiring.token, refreshToken(), at(60))))).toBe(
          "RefreshTokenInvalid"
        )
        const revokedToken = refreshToken()
        const revokedId = SessionId.make(randomUUID())
        yield* sessions.create(
          { id: revokedId, userId: user.id, profileId: Option.none(), createdAt: at(0) },
          revokedToken
        )
        yield* sessions.revoke(revokedId)
        expect(
          failureTag(yield* Effect.exit(sessions.rotate(revokedToken.token, refreshToken(), at(1))))
        ).toBe("RefreshTokenInvalid")
        const raced = refreshToken()
        yield* start(raced)
        const exits = yield* Effect.forEach(
          Array.from({ length: 5 }, () => refreshToken()),
          (next) => Effect.exit(sessions.rotate(raced.token, next, at(2))),
          { concurrency: "unbounded" }
        )
        expect(exits.filter(Exit.isSuccess)).toHaveLength(1)
      })
    )

    it.effect("twenty concurrent profile creations at a limit of five leave exactly five", () =>
      Effect.gen(function* () {
        const profiles = yield* ProfileStore
        const { user } = yield* signedUp()
        const exits = yield* Effect.forEach(
          Array.from({ length: 20 }, (_, i) => newProfile(user, `P${i}`)),
          (profile) => Effect.exit(profiles.create(profile, Option.none(), 5)),
          { concurrency: "unbounded" }
        )
        expect(exits.filter(Exit.isSuccess)).toHaveLength(4)
        expect(new Set(exits.filter(Exit.isFailure).map(failureTag))).toEqual(new Set(["PlanLimitReached"]))
        expect(yield* profiles.list(user.id)).toHaveLength(5)
      })
    )

    it.effect("profile names are unique per account; reads and writes are scoped to the owner", () =>
      Effect.gen(function* () {
        const profiles = yield* ProfileStore
        const john = yield* signedUp()
        const mary = yield* signedUp()
        const sarah = newProfile(john.user, "Sarah")
        yield* profiles.create(sarah, Option.some("pin$hash"), 5)
        expect(
          failureTag(yield* Effect.exit(profiles.create(newProfile(john.user, "SARAH"), Option.none(), 5)))
        ).toBe("ProfileNameTaken")
        // Another account may use the name.
        yield* profiles.create(newProfile(mary.user, "Sarah"), Option.none(), 5)
        expect(Option.map(yield* profiles.find(john.user.id, sarah.id), (p) => p.hasPin)).toEqual(
          Option.some(true)
        )
        expect(yield* profiles.findPinHash(john.user.id, sarah.id)).toEqual(Option.some("pin$hash"))
        expect(Option.isNone(yield* profiles.find(mary.user.id, sarah.id))).toBe(true)
        expect(Option.isNone(yield* profiles.findPinHash(mary.user.id, sarah.id))).toBe(true)
        expect(
          failureTag(yield* Effect.exit(profiles.update(mary.user.id, sarah.id, { name: "Mine" })))
        ).toBe("ProfileNotFound")
        expect(failureTag(yield* Effect.exit(profiles.delete(mary.user.id, sarah.id)))).toBe(
          "ProfileNotFound"
        )
        expect(
          failureTag(yield* Effect.exit(profiles.update(john.user.id, sarah.id, { name: "main" })))
        ).toBe("ProfileNameTaken")
        const updated = yield* profiles.update(john.user.id, sarah.id, {
          name: "Sarah J",
          avatarUrl: Option.some("https://example.com/s.png"),
          isKids: true,
          pinHash: Option.none()
        })
        expect(updated).toMatchObject({ name: "Sarah J", isKids: true, hasPin: false })
        expect(updated.avatarUrl).toEqual(Option.some("https://example.com/s.png"))
        expect(yield* profiles.update(john.user.id, sarah.id, {})).toEqual(updated)
        expect((yield* profiles.list(john.user.id)).map((p) => p.name)).toEqual(["Main", "Sarah J"])
      })
    )

    it.effect("the last profile stays, even when two deletions race", () =>
      Effect.gen(function* () {
        const profiles = yield* ProfileStore
        const { user, profile } = yield* signedUp()
        const other = newProfile(user, "Other")
        yield* profiles.create(other, Option.none(), 5)
        const exits = yield* Effect.all(
          [
            Effect.exit(profiles.delete(user.id, profile.id)),
            Effect.exit(profiles.delete(user.id, other.id))
          ],
          { concurrency: "unbounded" }
        )
        expect(exits.filter(Exit.isSuccess)).toHaveLength(1)
        expect(exits.filter(Exit.isFailure).map(failureTag)).toEqual(["LastProfile"])
        expect(yield* profiles.list(user.id)).toHaveLength(1)
      })
    )

    it.effect(
      "counts wrong PINs in a window, locks at the fifth, and starts again after the window or a success",
      () =>
        Effect.gen(function* () {
          const profiles = yield* ProfileStore
          const { user } = yield* signedUp()
          const kids = newProfile(user, "Kids", { hasPin: true })
          yield* profiles.create(kids, Option.some("pin$hash"), 5)
          for (let i = 1; i <= 4; i++) {
            const failure = yield* profiles.recordPinFailure(kids.id, at(i), pinPolicy)
            expect(failure).toEqual({ failures: i, lockedUntil: Option.none() })
          }
          const fifth = yield* profiles.recordPinFailure(kids.id, at(5), pinPolicy)
          expect(fifth).toEqual({ failures: 5, lockedUntil: Option.some(at(5 + 900)) })
          expect(yield* profiles.pinLockedUntil(kids.id, at(6))).toEqual(Option.some(at(905)))
          expect(yield* profiles.pinLockedUntil(kids.id, at(905))).toEqual(Option.none())
          // After the lock, the count starts again.
          expect(yield* profiles.recordPinFailure(kids.id, at(906), pinPolicy)).toMatchObject({ failures: 1 })
          // A window past its 15 minutes starts again too.
          expect(yield* profiles.recordPinFailure(kids.id, at(906 + 901), pinPolicy)).toMatchObject({
            failures: 1
          })
          yield* profiles.recordPinFailure(kids.id, at(906 + 902), pinPolicy)
          yield* profiles.clearPinFailures(kids.id)
          expect(yield* profiles.recordPinFailure(kids.id, at(906 + 903), pinPolicy)).toMatchObject({
            failures: 1
          })
        })
    )

    it.effect(
      "plans: unique names and price ids, one default, cheapest first, features and prices exact",
      () =>
        Effect.gen(function* () {
          const plans = yield* PlanStore
          const tag = randomUUID().slice(0, 6)
          const basic = newPlan(`Basic ${tag}`, {
            priceMonthlyMinor: 499,
            stripePriceId: Option.some(`price_basic_${tag}`)
          })
          const family = newPlan(`Family ${tag}`, {
            priceMonthlyMinor: 1499,
            isDefault: true,
            isFamilyPlan: true,
            maxMembers: 5
          })
          yield* plans.create(basic)
          yield* plans.create(family)
          expect(failureTag(yield* Effect.exit(plans.create(newPlan(`basic ${tag}`))))).toBe("PlanConflict")
          const samePrice = newPlan(`Other ${tag}`, { stripePriceId: Option.some(`price_basic_${tag}`) })
          expect(yield* Effect.flip(plans.create(samePrice))).toMatchObject({ field: "stripe_price_id" })
          expect(Option.map(yield* plans.findDefault(), (p) => p.id)).toEqual(Option.some(family.id))
          const trial = newPlan(`Trial ${tag}`, { priceMonthlyMinor: 0, isDefault: true })
          yield* plans.create(trial)
          expect(Option.map(yield* plans.findDefault(), (p) => p.id)).toEqual(Option.some(trial.id))
          expect(Option.map(yield* plans.find(family.id), (p) => p.isDefault)).toEqual(Option.some(false))
          yield* plans.update(new Plan({ ...basic, isActive: false, priceMonthlyMinor: 799 }))
          const active = (yield* plans.list({ activeOnly: true })).filter((p) => p.name.endsWith(tag))
          expect(active.map((p) => p.name)).toEqual([`Trial ${tag}`, `Family ${tag}`])
          const all = (yield* plans.list({ activeOnly: false })).filter((p) => p.name.endsWith(tag))
          expect(all.map((p) => [p.name, p.priceMonthlyMinor])).toEqual([
            [`Trial ${tag}`, 0],
            [`Basic ${tag}`, 799],
            [`Family ${tag}`, 1499]
          ])
          expect(Option.map(yield* plans.find(family.id), (p) => [p.features, p.maxMembers])).toEqual(
            Option.some([{ ads: false, hd: true, nested: { quality: "4k" } }, 5])
          )
          expect(failureTag(yield* Effect.exit(plans.update(newPlan(`Ghost ${tag}`))))).toBe("PlanNotFound")
        })
    )

    if (target.postgres) {
      it.effect("keeps refresh tokens as hashes and passwords only as their hash", () =>
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const { schema } = yield* PgStoreConfig
          const sessions = yield* SessionStore
          const { user } = yield* signedUp()
          const token = refreshToken()
          yield* sessions.create(
            { id: SessionId.make(randomUUID()), userId: user.id, profileId: Option.none(), createdAt: at(0) },
            token
          )
          const rows = yield* sql`SELECT * FROM ${sql(`${schema}.refresh_tokens`)}`
          expect(JSON.stringify(rows)).not.toContain(token.token)
        })
      )

      it.effect("deleting a profile ends the sessions that had it selected", () =>
        Effect.gen(function* () {
          const sessions = yield* SessionStore
          const profiles = yield* ProfileStore
          const { user } = yield* signedUp()
          const kids = newProfile(user, "Kids", { isKids: true })
          yield* profiles.create(kids, Option.none(), 5)
          const sessionId = SessionId.make(randomUUID())
          const token = refreshToken()
          yield* sessions.create(
            { id: sessionId, userId: user.id, profileId: Option.none(), createdAt: at(0) },
            token
          )
          yield* sessions.selectProfile(sessionId, kids.id)
          yield* profiles.delete(user.id, kids.id)
          expect(failureTag(yield* Effect.exit(sessions.rotate(token.token, refreshToken(), at(1))))).toBe(
            "RefreshTokenInvalid"
          )
        })
      )
    }
  })
}
