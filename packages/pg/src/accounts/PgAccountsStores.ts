/**
 * The accounts ports on Postgres. Limits and "the last one" are checked under a
 * lock on the account's row, in the transaction that writes; refresh tokens
 * are kept as SHA-256 hashes (they are 256 random bits) and rotate by a
 * compare-and-set on `used_at`. Rows read back are the store's own writes: they are
 * built without validating them again (`new X(row, true)`), on the hot path of every read.
 */
import { createHash } from "node:crypto"
import { SqlClient, type SqlError } from "@effect/sql"
import {
  EmailTaken,
  LastProfile,
  normalizeEmail,
  Plan,
  PlanConflict,
  type PlanId,
  PlanLimitReached,
  PlanNotFound,
  PlanStore,
  type PlanStoreService,
  Profile,
  type ProfileId,
  ProfileNameTaken,
  ProfileNotFound,
  ProfileStore,
  type ProfileStoreService,
  RefreshTokenInvalid,
  RefreshTokenReused,
  type Role,
  type Session,
  type SessionId,
  SessionStore,
  type SessionStoreService,
  User,
  type UserId,
  UserStore,
  type UserStoreService
} from "@org/accounts"
import { Context, DateTime, Effect, Layer, Option } from "effect"
import { pageTotal } from "../Paging.js"
import { PgStoreConfig } from "../PgStoreConfig.js"
import { storeFailures } from "../StoreErrors.js"

const tokenHash = (token: string): string => createHash("sha256").update(token).digest("base64")

/** The constraint a unique violation broke, if that is what `error` is. */
const uniqueViolation = (error: SqlError.SqlError): string | undefined => {
  const cause = error.cause as { code?: unknown; constraint?: unknown } | undefined
  return cause?.code === "23505" && typeof cause.constraint === "string" ? cause.constraint : undefined
}

const toDate = (value: DateTime.DateTime) => DateTime.toDate(value)
const dateOf = (value: Date) => DateTime.unsafeMake(value)

interface UserRow {
  readonly id: string
  readonly email: string
  readonly full_name: string
  readonly role: Role
  readonly preferred_language: string | null
  readonly plan_id: string | null
  readonly created_at: Date
}

const toUser = (row: UserRow) =>
  new User(
    {
      id: row.id as UserId,
      email: row.email as User["email"],
      fullName: row.full_name,
      role: row.role,
      preferredLanguage: Option.fromNullable(row.preferred_language),
      planId: Option.fromNullable(row.plan_id as PlanId | null),
      createdAt: dateOf(row.created_at)
    },
    true
  )

interface ProfileRow {
  readonly id: string
  readonly user_id: string
  readonly name: string
  readonly avatar_url: string | null
  readonly is_kids: boolean
  readonly has_pin: boolean
  readonly is_default: boolean
  readonly created_at: Date
}

const toProfile = (row: ProfileRow) =>
  new Profile(
    {
      id: row.id as ProfileId,
      userId: row.user_id as UserId,
      name: row.name,
      avatarUrl: Option.fromNullable(row.avatar_url),
      isKids: row.is_kids,
      hasPin: row.has_pin,
      isDefault: row.is_default,
      createdAt: dateOf(row.created_at)
    },
    true
  )

interface PlanRow {
  readonly id: string
  readonly name: string
  readonly stripe_price_id: string | null
  readonly price_monthly_minor: string | number
  readonly currency: string
  readonly max_profiles: number
  readonly max_playlists: number
  readonly max_favorites: number
  readonly features: Record<string, unknown> | string
  readonly is_family_plan: boolean
  readonly max_members: number
  readonly is_default: boolean
  readonly is_active: boolean
  readonly created_at: Date
}

const toPlan = (row: PlanRow) =>
  new Plan(
    {
      id: row.id as PlanId,
      name: row.name,
      stripePriceId: Option.fromNullable(row.stripe_price_id),
      priceMonthlyMinor: Number(row.price_monthly_minor),
      currency: row.currency,
      maxProfiles: row.max_profiles,
      maxPlaylists: row.max_playlists,
      maxFavorites: row.max_favorites,
      features:
        typeof row.features === "string"
          ? (JSON.parse(row.features) as Record<string, unknown>)
          : row.features,
      isFamilyPlan: row.is_family_plan,
      maxMembers: row.max_members,
      isDefault: row.is_default,
      isActive: row.is_active,
      createdAt: dateOf(row.created_at)
    },
    true
  )

/** `%`, `_` and `\` taken literally in a LIKE pattern. */
const likePattern = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`

export const makePgAccountsStores = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const { schema } = yield* PgStoreConfig
  const users = sql(`${schema}.users`)
  const profiles = sql(`${schema}.profiles`)
  const sessions = sql(`${schema}.sessions`)
  const refreshTokens = sql(`${schema}.refresh_tokens`)
  const plans = sql(`${schema}.plans`)

  const userColumns = sql`id, email, full_name, role, preferred_language, plan_id, created_at`
  const profileColumns = sql`id, user_id, name, avatar_url, is_kids, pin_hash IS NOT NULL AS has_pin, is_default, created_at`

  const profileInsert = (profile: Profile, pinHash: Option.Option<string>) => ({
    id: profile.id,
    user_id: profile.userId,
    name: profile.name,
    name_key: profile.name.toLowerCase(),
    avatar_url: Option.getOrNull(profile.avatarUrl),
    is_kids: profile.isKids,
    pin_hash: Option.getOrNull(pinHash),
    is_default: profile.isDefault,
    created_at: toDate(profile.createdAt)
  })

  const nameTaken =
    (name: string) =>
    (error: SqlError.SqlError): Effect.Effect<never, ProfileNameTaken | SqlError.SqlError> =>
      uniqueViolation(error) === "profiles_user_id_name_key_key"
        ? Effect.fail(new ProfileNameTaken({ name }))
        : Effect.fail(error)

  const updateUser = (userId: UserId, change: Record<string, unknown>) =>
    storeFailures(
      sql<UserRow>`UPDATE ${users} SET ${sql.update(change)} WHERE id = ${userId} RETURNING ${userColumns}`.pipe(
        Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), toUser))
      )
    )

  const userStore: UserStoreService = {
    createUser: (user, passwordHash, defaultProfile) =>
      storeFailures(
        // One statement: the user and its default profile, atomically, in one round trip.
        Effect.asVoid(
          sql`
            WITH created AS (
              INSERT INTO ${users} ${sql.insert({
                id: user.id,
                email: user.email,
                email_key: normalizeEmail(user.email),
                full_name: user.fullName,
                role: user.role,
                password_hash: passwordHash,
                preferred_language: Option.getOrNull(user.preferredLanguage),
                plan_id: Option.getOrNull(user.planId),
                created_at: toDate(user.createdAt)
              })} RETURNING id
            )
            INSERT INTO ${profiles} ${sql.insert(profileInsert(defaultProfile, Option.none()))}`
        ).pipe(
          Effect.catchAll(
            (error): Effect.Effect<never, EmailTaken | SqlError.SqlError> =>
              uniqueViolation(error) === "users_email_key_key"
                ? Effect.fail(new EmailTaken())
                : Effect.fail(error)
          )
        )
      ),
    findCredentials: (email) =>
      storeFailures(
        sql<UserRow & { password_hash: string }>`
          SELECT ${userColumns}, password_hash FROM ${users} WHERE email_key = ${normalizeEmail(email)}`.pipe(
          Effect.map((rows) =>
            Option.map(Option.fromNullable(rows[0]), (row) => ({
              user: toUser(row),
              passwordHash: row.password_hash
            }))
          )
        )
      ),
    findUser: (userId) =>
      storeFailures(
        sql<UserRow>`SELECT ${userColumns} FROM ${users} WHERE id = ${userId}`.pipe(
          Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), toUser))
        )
      ),
    listUsers: ({ search, offset, limit }) =>
      storeFailures(
        Effect.gen(function* () {
          const filter =
            search === undefined
              ? sql`true`
              : sql`(email_key LIKE ${likePattern(search)} OR lower(full_name) LIKE ${likePattern(search)})`
          const rows = yield* sql<UserRow & { total: string }>`
            SELECT ${userColumns}, count(*) OVER () AS total FROM ${users}
            WHERE ${filter} ORDER BY created_at DESC, id DESC LIMIT ${limit} OFFSET ${offset}`
          const total = yield* pageTotal(
            rows,
            sql<{ n: string }>`SELECT count(*) AS n FROM ${users} WHERE ${filter}`
          )
          return { users: rows.map(toUser), total }
        })
      ),
    countByRole: () =>
      storeFailures(
        Effect.map(
          sql<{ role: Role; n: string }>`SELECT role, count(*) AS n FROM ${users} GROUP BY role`,
          (rows) => {
            const counts = { user: 0, reseller: 0, admin: 0 }
            for (const row of rows) counts[row.role] = Number(row.n)
            return counts
          }
        )
      ),
    setRole: (userId, role) => updateUser(userId, { role }),
    setPlan: (userId, planId) => updateUser(userId, { plan_id: Option.getOrNull(planId) })
  }

  const sessionStore: SessionStoreService = {
    create: (session, refresh) =>
      storeFailures(
        sql.withTransaction(
          Effect.gen(function* () {
            yield* sql`INSERT INTO ${sessions} ${sql.insert({
              id: session.id,
              user_id: session.userId,
              profile_id: Option.getOrNull(session.profileId),
              created_at: toDate(session.createdAt)
            })}`
            yield* sql`INSERT INTO ${refreshTokens} ${sql.insert({
              token_hash: tokenHash(refresh.token),
              session_id: session.id,
              expires_at: toDate(refresh.expiresAt)
            })}`
          })
        )
      ),
    rotate: (presented, next, at) =>
      storeFailures(
        Effect.gen(function* () {
          const now = toDate(at)
          // The outcome leaves the transaction as a value: a reuse's revocation must commit.
          const outcome = yield* sql.withTransaction(
            Effect.gen(function* () {
              const rotated = yield* sql<{
                id: string
                user_id: string
                profile_id: string | null
                created_at: Date
              }>`
                UPDATE ${refreshTokens} r SET used_at = ${now}
                FROM ${sessions} s
                WHERE r.token_hash = ${tokenHash(presented)} AND r.used_at IS NULL AND r.expires_at > ${now}
                  AND s.id = r.session_id AND s.revoked_at IS NULL
                RETURNING s.id, s.user_id, s.profile_id, s.created_at`
              const row = rotated[0]
              if (row !== undefined) {
                yield* sql`INSERT INTO ${refreshTokens} ${sql.insert({
                  token_hash: tokenHash(next.token),
                  session_id: row.id,
                  expires_at: toDate(next.expiresAt)
                })}`
                const session: Session = {
                  id: row.id as SessionId,
                  userId: row.user_id as UserId,
                  profileId: Option.fromNullable(row.profile_id as ProfileId | null),
                  createdAt: dateOf(row.created_at)
                }
                return { _tag: "Rotated" as const, session }
              }
              const reused = yield* sql`
                UPDATE ${sessions} s SET revoked_at = ${now}
                FROM ${refreshTokens} r
                WHERE r.token_hash = ${tokenHash(presented)} AND r.used_at IS NOT NULL
                  AND s.id = r.session_id AND s.revoked_at IS NULL
                RETURNING s.id`
              return { _tag: reused.length > 0 ? ("Reused" as const) : ("Invalid" as const) }
            })
          )
          switch (outcome._tag) {
            case "Rotated":
              return outcome.session
            case "Reused":
              return yield* new RefreshTokenReused()
            default:
              return yield* new RefreshTokenInvalid()
          }
        })
      ),
    selectProfile: (sessionId, profileId) =>
      storeFailures(
        sql`UPDATE ${sessions} SET profile_id = ${profileId} WHERE id = ${sessionId}`.pipe(Effect.asVoid)
      ),
    revoke: (sessionId) =>
      storeFailures(
        sql`UPDATE ${sessions} SET revoked_at = now() WHERE id = ${sessionId} AND revoked_at IS NULL`.pipe(
          Effect.asVoid
        )
      )
  }

  /** Lock the account's row for the rest of the transaction; false when there is none. */
  const lockAccount = (userId: UserId) =>
    Effect.map(sql`SELECT id FROM ${users} WHERE id = ${userId} FOR UPDATE`, (rows) => rows.length > 0)

  const profileStore: ProfileStoreService = {
    create: (profile, pinHash, maxProfiles) =>
      storeFailures(
        sql.withTransaction(
          Effect.gen(function* () {
            yield* lockAccount(profile.userId)
            const [count] = yield* sql<{
              n: string
            }>`SELECT count(*) AS n FROM ${profiles} WHERE user_id = ${profile.userId}`
            if (Number(count?.n ?? 0) >= maxProfiles)
              return yield* new PlanLimitReached({ resource: "profiles", limit: maxProfiles })
            yield* sql`INSERT INTO ${profiles} ${sql.insert(profileInsert(profile, pinHash))}`.pipe(
              Effect.catchTag("SqlError", nameTaken(profile.name))
            )
          })
        )
      ),
    list: (userId) =>
      storeFailures(
        sql<ProfileRow>`SELECT ${profileColumns} FROM ${profiles} WHERE user_id = ${userId} ORDER BY position`.pipe(
          Effect.map((rows) => rows.map(toProfile))
        )
      ),
    find: (userId, profileId) =>
      storeFailures(
        sql<ProfileRow>`SELECT ${profileColumns} FROM ${profiles} WHERE id = ${profileId} AND user_id = ${userId}`.pipe(
          Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), toProfile))
        )
      ),
    findPinHash: (userId, profileId) =>
      storeFailures(
        sql<{ pin_hash: string | null }>`
          SELECT pin_hash FROM ${profiles} WHERE id = ${profileId} AND user_id = ${userId}`.pipe(
          Effect.map((rows) => Option.fromNullable(rows[0]?.pin_hash))
        )
      ),
    update: (userId, profileId, changes) =>
      storeFailures(
        Effect.gen(function* () {
          const set: Record<string, unknown> = {}
          if (changes.name !== undefined) {
            set.name = changes.name
            set.name_key = changes.name.toLowerCase()
          }
          if (changes.avatarUrl !== undefined) set.avatar_url = Option.getOrNull(changes.avatarUrl)
          if (changes.isKids !== undefined) set.is_kids = changes.isKids
          if (changes.pinHash !== undefined) set.pin_hash = Option.getOrNull(changes.pinHash)
          const rows =
            Object.keys(set).length === 0
              ? yield* sql<ProfileRow>`SELECT ${profileColumns} FROM ${profiles} WHERE id = ${profileId} AND user_id = ${userId}`
              : yield* sql<ProfileRow>`
                  UPDATE ${profiles} SET ${sql.update(set)} WHERE id = ${profileId} AND user_id = ${userId}
                  RETURNING ${profileColumns}`.pipe(
                  Effect.catchTag("SqlError", nameTaken(changes.name ?? ""))
                )
          const row = rows[0]
          if (row === undefined) return yield* new ProfileNotFound({ profileId })
          return toProfile(row)
        })
      ),
    delete: (userId, profileId) =>
      storeFailures(
        sql.withTransaction(
          Effect.gen(function* () {
            yield* lockAccount(userId)
            const [count] = yield* sql<{ n: string; own: string }>`
              SELECT count(*) AS n, count(*) FILTER (WHERE id = ${profileId}) AS own
              FROM ${profiles} WHERE user_id = ${userId}`
            if (Number(count?.own ?? 0) === 0) return yield* new ProfileNotFound({ profileId })
            if (Number(count?.n ?? 0) <= 1) return yield* new LastProfile()
            yield* sql`DELETE FROM ${profiles} WHERE id = ${profileId} AND user_id = ${userId}`
          })
        )
      ),
    pinLockedUntil: (profileId, at) =>
      storeFailures(
        sql<{ pin_locked_until: Date }>`
          SELECT pin_locked_until FROM ${profiles}
          WHERE id = ${profileId} AND pin_locked_until > ${toDate(at)}`.pipe(
          Effect.map((rows) =>
            Option.map(Option.fromNullable(rows[0]), (row) => dateOf(row.pin_locked_until))
          )
        )
      ),
    recordPinFailure: (profileId, at, policy) =>
      storeFailures(
        Effect.gen(function* () {
          const now = toDate(at)
          const windowOpenedAfter = toDate(DateTime.subtractDuration(at, policy.window))
          const lockUntil = toDate(DateTime.addDuration(at, policy.lockout))
          // A window past its time, or a lock that ended, starts the count again.
          const fresh = sql`(pin_window_start IS NULL OR pin_window_start <= ${windowOpenedAfter}
            OR (pin_locked_until IS NOT NULL AND pin_locked_until <= ${now}))`
          const failures = sql`(CASE WHEN ${fresh} THEN 1 ELSE pin_failures + 1 END)`
          const rows = yield* sql<{ pin_failures: number; pin_locked_until: Date | null }>`
            UPDATE ${profiles} SET
              pin_failures = ${failures},
              pin_window_start = CASE WHEN ${fresh} THEN ${now}::timestamptz ELSE pin_window_start END,
              pin_locked_until = CASE WHEN ${failures} >= ${policy.maxFailures} THEN ${lockUntil}::timestamptz ELSE NULL END
            WHERE id = ${profileId}
            RETURNING pin_failures, pin_locked_until`
          const row = rows[0]
          return {
            failures: row?.pin_failures ?? 0,
            lockedUntil: Option.map(Option.fromNullable(row?.pin_locked_until), dateOf)
          }
        })
      ),
    clearPinFailures: (profileId) =>
      storeFailures(
        sql`UPDATE ${profiles} SET pin_failures = 0, pin_window_start = NULL, pin_locked_until = NULL
            WHERE id = ${profileId}`.pipe(Effect.asVoid)
      )
  }

  const planRow = (plan: Plan) => ({
    id: plan.id,
    name: plan.name,
    name_key: plan.name.toLowerCase(),
    stripe_price_id: Option.getOrNull(plan.stripePriceId),
    price_monthly_minor: plan.priceMonthlyMinor,
    currency: plan.currency,
    max_profiles: plan.maxProfiles,
    max_playlists: plan.maxPlaylists,
    max_favorites: plan.maxFavorites,
    features: JSON.stringify(plan.features),
    is_family_plan: plan.isFamilyPlan,
    max_members: plan.maxMembers,
    is_default: plan.isDefault,
    is_active: plan.isActive,
    created_at: toDate(plan.createdAt)
  })

  const planConflicts = (
    error: SqlError.SqlError
  ): Effect.Effect<never, PlanConflict | SqlError.SqlError> => {
    const constraint = uniqueViolation(error)
    return constraint === "plans_name_key_key"
      ? Effect.fail(new PlanConflict({ field: "name" }))
      : constraint === "plans_stripe_price_id_key"
        ? Effect.fail(new PlanConflict({ field: "stripe_price_id" }))
        : Effect.fail(error)
  }

  /** Write a plan, unmarking the previous default first when it is the default. */
  const writePlan = (plan: Plan, write: Effect.Effect<number, SqlError.SqlError>) =>
    storeFailures(
      sql
        .withTransaction(
          Effect.gen(function* () {
            if (plan.isDefault)
              yield* sql`UPDATE ${plans} SET is_default = false WHERE is_default AND id <> ${plan.id}`
            return yield* write
          })
        )
        .pipe(Effect.catchTag("SqlError", planConflicts))
    )

  const planColumns = sql`id, name, stripe_price_id, price_monthly_minor, currency, max_profiles, max_playlists,
    max_favorites, features, is_family_plan, max_members, is_default, is_active, created_at`

  const planStore: PlanStoreService = {
    create: (plan) =>
      writePlan(plan, Effect.as(sql`INSERT INTO ${plans} ${sql.insert(planRow(plan))}`, 1)).pipe(
        Effect.asVoid
      ),
    update: (plan) =>
      Effect.flatMap(
        writePlan(
          plan,
          Effect.map(
            sql`UPDATE ${plans} SET ${sql.update(planRow(plan), ["id", "created_at"])} WHERE id = ${plan.id} RETURNING id`,
            (rows) => rows.length
          )
        ),
        (updated) => (updated === 0 ? Effect.fail(new PlanNotFound({ planId: plan.id })) : Effect.void)
      ),
    list: ({ activeOnly }) =>
      storeFailures(
        sql<PlanRow>`
          SELECT ${planColumns} FROM ${plans} WHERE ${activeOnly ? sql`is_active` : sql`true`}
          ORDER BY price_monthly_minor, name`.pipe(Effect.map((rows) => rows.map(toPlan)))
      ),
    find: (planId) =>
      storeFailures(
        sql<PlanRow>`SELECT ${planColumns} FROM ${plans} WHERE id = ${planId}`.pipe(
          Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), toPlan))
        )
      ),
    findDefault: () =>
      storeFailures(
        sql<PlanRow>`SELECT ${planColumns} FROM ${plans} WHERE is_default`.pipe(
          Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), toPlan))
        )
      )
  }

  return Context.empty().pipe(
    Context.add(UserStore, userStore),
    Context.add(SessionStore, sessionStore),
    Context.add(ProfileStore, profileStore),
    Context.add(PlanStore, planStore)
  )
})

/** The four accounts stores; needs a `SqlClient` and the schema (`PgStoreConfig`). */
export const PgAccountsStores: Layer.Layer<
  UserStore | SessionStore | ProfileStore | PlanStore,
  never,
  SqlClient.SqlClient | PgStoreConfig
> = Layer.effectContext(makePgAccountsStores)
