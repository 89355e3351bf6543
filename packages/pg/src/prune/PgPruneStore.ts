/**
 * The prune engine's store (`PruneStore` of `@org/prune`) on Postgres.
 *
 * Every write is one statement that sets only its own columns and checks, in its
 * `WHERE`, the state the in-memory reference checks, so the new-user and
 * inactivity passes (and several processes) never overwrite each other: a
 * warning recorded while a welcome completes keeps both. Batches (new users,
 * audit entries) go as one `jsonb` parameter of one `INSERT … SELECT`, so no
 * batch meets the protocol's 65,535-parameter limit and each is atomic.
 * New users are inserted in `user_id` order, so two overlapping batches lock
 * their rows in the same order and cannot deadlock; their `position` (the tie
 * break of welcome claims) still follows the order given. Welcome claims lock
 * with `FOR UPDATE SKIP LOCKED`, so two claimers get disjoint sets; a user whose
 * row another statement is writing at that instant is left for the next claim
 * (still owed, not leased), never handed out twice.
 */
import { SqlClient } from "@effect/sql"
import {
  type AuditAction,
  type AuditEntry,
  type AuditOutcome,
  type NewUser,
  type PlexUserKind,
  PruneStore,
  type PruneStoreService,
  type UserRecord,
  type WelcomeState
} from "@org/prune"
import { DateTime, Effect, Layer, Option, Schema } from "effect"
import { PgStoreConfig } from "../PgStoreConfig.js"

// Annotated with the domain's unions: the compiler keeps them in step both ways.
const Kind: Schema.Schema<PlexUserKind> = Schema.Literal("friend", "home", "managed")
const Welcome: Schema.Schema<WelcomeState> = Schema.Literal("pending", "sent", "not-needed")
const Pass: Schema.Schema<AuditEntry["pass"]> = Schema.Literal("new-users", "inactivity")
const Action: Schema.Schema<AuditAction> = Schema.Literal(
  "record-existing",
  "record-new",
  "welcome",
  "warn",
  "clear-warning",
  "remove",
  "activity-cleanup",
  "removal-email",
  "admin-report",
  "chat",
  "skip",
  "cycle"
)
const Outcome: Schema.Schema<AuditOutcome> = Schema.Literal("planned", "done", "failed")

const Timestamp = Schema.DateTimeUtcFromDate
const OptionalTimestamp = Schema.OptionFromNullOr(Schema.DateTimeUtcFromDate)

/** A `prune_users` row as the driver returns it (timestamps as `Date`). */
const UserRow = Schema.Struct({
  user_id: Schema.String,
  username: Schema.String,
  email: Schema.String,
  kind: Kind,
  first_seen_at: Timestamp,
  joined_at: OptionalTimestamp,
  welcome: Welcome,
  welcomed_at: OptionalTimestamp,
  warned_at: OptionalTimestamp,
  removed_at: OptionalTimestamp,
  removal_attempts: Schema.NullOr(Schema.Int),
  removal_last_error: Schema.NullOr(Schema.String),
  removal_last_attempt_at: Schema.NullOr(Timestamp),
  removal_next_attempt_at: OptionalTimestamp,
  removal_gave_up_at: OptionalTimestamp
})

const toUserRecord = (row: typeof UserRow.Type): UserRecord => ({
  userId: row.user_id,
  username: row.username,
  email: row.email,
  kind: row.kind,
  firstSeenAt: row.first_seen_at,
  joinedAt: row.joined_at,
  welcome: row.welcome,
  welcomedAt: row.welcomed_at,
  warnedAt: row.warned_at,
  removedAt: row.removed_at,
  // Whole or absent: the table's checks keep the three together.
  removalFailure:
    row.removal_attempts === null || row.removal_last_error === null || row.removal_last_attempt_at === null
      ? Option.none()
      : Option.some({
          attempts: row.removal_attempts,
          lastError: row.removal_last_error,
          lastAttemptAt: row.removal_last_attempt_at,
          nextAttemptAt: row.removal_next_attempt_at,
          gaveUpAt: row.removal_gave_up_at
        })
})

/** A `prune_audit` row. */
const AuditRow = Schema.Struct({
  at: Timestamp,
  dry_run: Schema.Boolean,
  pass: Pass,
  user_id: Schema.NullOr(Schema.String),
  username: Schema.NullOr(Schema.String),
  action: Action,
  outcome: Outcome,
  reason: Schema.String
})

const toAuditEntry = (row: typeof AuditRow.Type): AuditEntry => ({
  at: row.at,
  dryRun: row.dry_run,
  pass: row.pass,
  userId: row.user_id ?? undefined,
  username: row.username ?? undefined,
  action: row.action,
  outcome: row.outcome,
  reason: row.reason
})

const MetaRow = Schema.Struct({ initialized_at: Timestamp })

const decodeUsers = Schema.decodeUnknown(Schema.Array(UserRow))
const decodeAudit = Schema.decodeUnknown(Schema.Array(AuditRow))
const decodeMeta = Schema.decodeUnknown(Schema.Array(MetaRow))

const toDate = (value: DateTime.Utc) => DateTime.toDate(value)
const isoOrNull = (value: Option.Option<DateTime.Utc>) =>
  Option.isSome(value) ? DateTime.formatIso(value.value) : null

/** The first of each user id, in the order given (as the in-memory store keeps the first). */
const firstOfEach = (users: ReadonlyArray<NewUser>): ReadonlyArray<NewUser> => {
  const seen = new Set<string>()
  const unique: Array<NewUser> = []
  for (const user of users) {
    if (seen.has(user.userId)) continue
    seen.add(user.userId)
    unique.push(user)
  }
  return unique
}

export const makePgPruneStore = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const { schema } = yield* PgStoreConfig
  const users = sql(`${schema}.prune_users`)
  const meta = sql(`${schema}.prune_meta`)
  const audit = sql(`${schema}.prune_audit`)
  const leases = sql(`${schema}.prune_leases`)
  const alerts = sql(`${schema}.prune_alerts`)
  // The schema name is a checked identifier (see `isSchemaName`).
  const positions = `${schema}.prune_users_position_seq`
  const userColumns = sql`user_id, username, email, kind, first_seen_at, joined_at, welcome, welcomed_at,
    warned_at, removed_at, removal_attempts, removal_last_error, removal_last_attempt_at,
    removal_next_attempt_at, removal_gave_up_at`
  const noRemovalFailure = sql`removal_attempts = NULL, removal_last_error = NULL,
    removal_last_attempt_at = NULL, removal_next_attempt_at = NULL, removal_gave_up_at = NULL`

  /** Whether an `UPDATE … RETURNING user_id` changed its row. */
  const changed = <E, R>(statement: Effect.Effect<ReadonlyArray<unknown>, E, R>) =>
    statement.pipe(
      Effect.map((rows) => rows.length > 0),
      Effect.orDie
    )

  /**
   * New records in one statement: users already there are left alone. Positions
   * are drawn in the order given, the rows are inserted in `user_id` order (the
   * same lock order for every batch). Returns the ids inserted, in the order given.
   */
  const insertUsers = (batch: ReadonlyArray<NewUser>, at: DateTime.Utc, welcome: WelcomeState) => {
    const rows = JSON.stringify(
      batch.map((user) => ({
        user_id: user.userId,
        username: user.username,
        email: user.email,
        kind: user.kind,
        joined_at: isoOrNull(user.joinedAt)
      }))
    )
    return sql<{ readonly user_id: string }>`
      WITH input AS (
        SELECT r.user_id, r.username, r.email, r.kind, r.joined_at, nextval(${positions}::regclass) AS position
        FROM ROWS FROM (jsonb_to_recordset(${rows}::jsonb)
          AS (user_id text, username text, email text, kind text, joined_at timestamptz))
          WITH ORDINALITY AS r (user_id, username, email, kind, joined_at, n)
        ORDER BY r.n
      )
      INSERT INTO ${users} (user_id, position, username, email, kind, first_seen_at, joined_at, welcome)
      SELECT user_id, position, username, email, kind, ${toDate(at)}, joined_at, ${welcome} FROM input
      ORDER BY user_id
      ON CONFLICT (user_id) DO NOTHING
      RETURNING user_id`.pipe(
      Effect.map((inserted) => {
        const ids = new Set(inserted.map((row) => row.user_id))
        return batch.filter((user) => ids.has(user.userId)).map((user) => user.userId)
      })
    )
  }

  const service: PruneStoreService = {
    initializedAt: sql`SELECT initialized_at FROM ${meta}`.pipe(
      Effect.flatMap(decodeMeta),
      Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), (row) => row.initialized_at)),
      Effect.orDie
    ),

    initialize: (batch, at) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            // The meta row is the claim: a concurrent initializer waits for this
            // transaction, then finds the row and writes nothing.
            const claimed = yield* sql`
              INSERT INTO ${meta} (singleton, initialized_at) VALUES (true, ${toDate(at)})
              ON CONFLICT (singleton) DO NOTHING
              RETURNING singleton`
            if (claimed.length === 0) return false
            const unique = firstOfEach(batch)
            if (unique.length > 0) yield* insertUsers(unique, at, "not-needed")
            return true
          })
        )
        .pipe(Effect.orDie),

    users: sql`SELECT ${userColumns} FROM ${users} ORDER BY position`.pipe(
      Effect.flatMap(decodeUsers),
      Effect.map((rows) => new Map(rows.map((row) => [row.user_id, toUserRecord(row)] as const))),
      Effect.orDie
    ),

    recordNewUsers: (batch, at, welcome) => {
      const unique = firstOfEach(batch)
      return unique.length === 0
        ? Effect.succeed([])
        : insertUsers(unique, at, welcome ? "pending" : "not-needed").pipe(Effect.orDie)
    },

    // A new record in place: the position (and any welcome lease) stay, as in memory.
    reinstate: (user, at) =>
      changed(sql`
        UPDATE ${users} SET
          username = ${user.username}, email = ${user.email}, kind = ${user.kind},
          first_seen_at = ${toDate(at)}, joined_at = ${toDate(at)},
          welcome = 'pending', welcomed_at = NULL, warned_at = NULL, removed_at = NULL, ${noRemovalFailure}
        WHERE user_id = ${user.userId} AND removed_at IS NOT NULL
        RETURNING user_id`),

    claimWelcomes: (now, leaseUntil, limit) =>
      !(limit > 0)
        ? Effect.succeed([])
        : sql`
            WITH due AS (
              SELECT user_id FROM ${users}
              WHERE welcome = 'pending' AND (welcome_lease_until IS NULL OR welcome_lease_until <= ${toDate(now)})
              ORDER BY first_seen_at, position
              ${Number.isFinite(limit) ? sql`LIMIT ${Math.ceil(limit)}` : sql``}
              FOR UPDATE SKIP LOCKED
            ), claimed AS (
              UPDATE ${users} AS u SET welcome_lease_until = ${toDate(leaseUntil)}
              FROM due WHERE u.user_id = due.user_id
              RETURNING u.*
            )
            SELECT ${userColumns} FROM claimed ORDER BY first_seen_at, position`.pipe(
            Effect.flatMap(decodeUsers),
            Effect.map((rows) => rows.map(toUserRecord)),
            Effect.orDie
          ),

    completeWelcome: (userId, at) =>
      sql`
        UPDATE ${users} SET welcome = 'sent', welcomed_at = ${toDate(at)}
        WHERE user_id = ${userId} AND welcome = 'pending'`.pipe(Effect.asVoid, Effect.orDie),

    markWarned: (userId, at) =>
      changed(sql`
        UPDATE ${users} SET warned_at = ${toDate(at)}
        WHERE user_id = ${userId} AND warned_at IS NULL AND removed_at IS NULL
        RETURNING user_id`),

    clearWarning: (userId, warnedAt) =>
      changed(sql`
        UPDATE ${users} SET warned_at = NULL, ${noRemovalFailure}
        WHERE user_id = ${userId} AND warned_at = ${toDate(warnedAt)}
        RETURNING user_id`),

    markRemoved: (userId, at) =>
      sql`
        UPDATE ${users} SET removed_at = ${toDate(at)}, ${noRemovalFailure}
        WHERE user_id = ${userId} AND removed_at IS NULL`.pipe(Effect.asVoid, Effect.orDie),

    recordRemovalFailure: (userId, failure) =>
      sql`
        UPDATE ${users} SET
          removal_attempts = ${failure.attempts},
          removal_last_error = ${failure.lastError},
          removal_last_attempt_at = ${toDate(failure.lastAttemptAt)},
          removal_next_attempt_at = ${Option.getOrNull(Option.map(failure.nextAttemptAt, toDate))},
          removal_gave_up_at = ${Option.getOrNull(Option.map(failure.gaveUpAt, toDate))}
        WHERE user_id = ${userId} AND removed_at IS NULL
          AND (removal_attempts IS NULL OR removal_attempts <= ${failure.attempts})`.pipe(
        Effect.asVoid,
        Effect.orDie
      ),

    acquireLease: (name, holder, now, until) =>
      changed(
        sql`
          INSERT INTO ${leases} AS lease (name, holder, until) VALUES (${name}, ${holder}, ${toDate(until)})
          ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, until = EXCLUDED.until
            WHERE lease.holder = EXCLUDED.holder OR lease.until <= ${toDate(now)}
          RETURNING name`
      ).pipe(Effect.orDie),

    releaseLease: (name, holder) =>
      sql`DELETE FROM ${leases} WHERE name = ${name} AND holder = ${holder}`.pipe(
        Effect.asVoid,
        Effect.orDie
      ),

    raiseAlert: (key, at) =>
      changed(
        sql`INSERT INTO ${alerts} (key, raised_at) VALUES (${key}, ${toDate(at)})
            ON CONFLICT (key) DO NOTHING RETURNING key`
      ).pipe(Effect.orDie),

    clearAlert: (key) =>
      changed(sql`DELETE FROM ${alerts} WHERE key = ${key} RETURNING key`).pipe(Effect.orDie),

    appendAudit: (entries) =>
      entries.length === 0
        ? Effect.void
        : sql`
            INSERT INTO ${audit} (at, dry_run, pass, user_id, username, action, outcome, reason)
            SELECT r.at, r.dry_run, r.pass, r.user_id, r.username, r.action, r.outcome, r.reason
            FROM ROWS FROM (jsonb_to_recordset(${JSON.stringify(
              entries.map((entry) => ({
                at: DateTime.formatIso(entry.at),
                dry_run: entry.dryRun,
                pass: entry.pass,
                user_id: entry.userId ?? null,
                username: entry.username ?? null,
                action: entry.action,
                outcome: entry.outcome,
                reason: entry.reason
              }))
            )}::jsonb) AS (at timestamptz, dry_run boolean, pass text, user_id text, username text, action text,
                outcome text, reason text))
              WITH ORDINALITY AS r (at, dry_run, pass, user_id, username, action, outcome, reason, n)
            ORDER BY r.n`.pipe(Effect.asVoid, Effect.orDie),

    auditLog: (options = {}) => {
      const limit = options.limit
      if (limit !== undefined && !(Math.trunc(limit) > 0)) return Effect.succeed([])
      return sql`
        SELECT at, dry_run, pass, user_id, username, action, outcome, reason FROM ${audit}
        ${options.userId === undefined ? sql`` : sql`WHERE user_id = ${options.userId}`}
        ORDER BY id DESC
        ${limit === undefined || !Number.isFinite(limit) ? sql`` : sql`LIMIT ${Math.trunc(limit)}`}`.pipe(
        Effect.flatMap(decodeAudit),
        Effect.map((rows) => rows.map(toAuditEntry)),
        Effect.orDie
      )
    }
  }
  return service
})

export const PgPruneStore = {
  /**
   * `PruneStore` over the `SqlClient`, in the schema of `PgStoreConfig`; the
   * tables come from `pruneMigrations` (`runMigrations(pruneMigrations())`).
   */
  layer: Layer.effect(PruneStore, makePgPruneStore)
}
