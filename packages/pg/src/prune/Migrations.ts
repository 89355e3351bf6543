/**
 * The prune engine's tables, in its own schema (default `prune`).
 *
 * Before each domain had a schema of its own, these tables were created in the
 * family-scrobbling schema (`family_scrobble`, migration `0006_prune`). The first
 * migration here moves them from there when it finds them (`ALTER TABLE … SET
 * SCHEMA` carries rows, indexes, constraints and the sequences they own, in one
 * transaction: nothing copied, nothing lost), and creates them otherwise.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { checkSchemaName, type DomainMigrations } from "../Migrations.js"

/** The prune tables, in the order they are moved. */
export const pruneTables = [
  "prune_meta",
  "prune_leases",
  "prune_alerts",
  "prune_users",
  "prune_audit"
] as const

/**
 * The prune engine's state (`@org/prune`'s `PruneStore`): one row per Plex user
 * with its welcome, warning and removal state, the one-row mark of the first live
 * run, and the append-only audit log. The CHECKs name every value the domain
 * writes, so a row that breaks them is a bug, refused by the database.
 */
export const createPruneTables = (schema: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const s = (name: string) => sql(`${schema}.${name}`)
    yield* sql`
      CREATE TABLE ${s("prune_meta")} (
        -- at most one row: the store is initialized once
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        initialized_at timestamptz NOT NULL
      )`
    // Who runs a pass right now: a lease per pass name, taken over once it lapses.
    yield* sql`
      CREATE TABLE ${s("prune_leases")} (
        name text PRIMARY KEY,
        holder text NOT NULL,
        until timestamptz NOT NULL
      )`
    // Outages the admin was told about: one row while it lasts.
    yield* sql`
      CREATE TABLE ${s("prune_alerts")} (
        key text PRIMARY KEY,
        raised_at timestamptz NOT NULL
      )`
    yield* sql`
      CREATE TABLE ${s("prune_users")} (
        user_id text PRIMARY KEY,
        -- order of first recording: ties of first_seen_at are claimed in this order
        position bigserial NOT NULL,
        username text NOT NULL,
        email text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('friend', 'home', 'managed')),
        first_seen_at timestamptz NOT NULL,
        joined_at timestamptz,
        welcome text NOT NULL CHECK (welcome IN ('pending', 'sent', 'not-needed')),
        welcomed_at timestamptz,
        -- a claimed welcome is not handed out again before this
        welcome_lease_until timestamptz,
        warned_at timestamptz,
        removed_at timestamptz,
        removal_attempts integer CHECK (removal_attempts >= 0),
        removal_last_error text,
        removal_last_attempt_at timestamptz,
        removal_next_attempt_at timestamptz,
        removal_gave_up_at timestamptz,
        CHECK ((welcome = 'sent') = (welcomed_at IS NOT NULL)),
        -- a removal failure is whole or absent, and only for a user not removed
        CHECK ((removal_attempts IS NULL) = (removal_last_error IS NULL)),
        CHECK ((removal_attempts IS NULL) = (removal_last_attempt_at IS NULL)),
        CHECK (removal_attempts IS NOT NULL OR (removal_next_attempt_at IS NULL AND removal_gave_up_at IS NULL)),
        CHECK (removed_at IS NULL OR removal_attempts IS NULL)
      )`
    // Welcome claims walk pending users oldest first: an index in that order.
    yield* sql`
      CREATE INDEX prune_users_welcome_due_idx ON ${s("prune_users")} (first_seen_at, position)
        WHERE welcome = 'pending'`
    yield* sql`
      CREATE TABLE ${s("prune_audit")} (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL,
        dry_run boolean NOT NULL,
        pass text NOT NULL CHECK (pass IN ('new-users', 'inactivity')),
        -- no foreign key: entries name users never recorded (skips, dry runs)
        user_id text,
        username text,
        action text NOT NULL CHECK (action IN ('record-existing', 'record-new', 'welcome', 'warn',
          'clear-warning', 'remove', 'activity-cleanup', 'removal-email', 'admin-report', 'chat', 'skip', 'cycle')),
        outcome text NOT NULL CHECK (outcome IN ('planned', 'done', 'failed')),
        reason text NOT NULL
      )`
    // One user's log, newest first.
    yield* sql`
      CREATE INDEX prune_audit_user_idx ON ${s("prune_audit")} (user_id, id) WHERE user_id IS NOT NULL`
  })

/** Move the tables from `legacySchema` when they are there; create them otherwise. */
const moveOrCreate = (schema: string, legacySchema: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    if (legacySchema !== schema) {
      const [found] = yield* sql<{ readonly present: boolean }>`
        SELECT to_regclass(${`${legacySchema}.prune_users`}) IS NOT NULL AS present`
      if (found?.present === true) {
        for (const table of pruneTables)
          yield* sql`ALTER TABLE ${sql(`${legacySchema}.${table}`)} SET SCHEMA ${sql(schema)}`
        yield* Effect.logInfo("moved the prune tables to their own schema").pipe(
          Effect.annotateLogs({ from_schema: legacySchema, to_schema: schema })
        )
        return
      }
    }
    yield* createPruneTables(schema)
  })

export interface PruneMigrationsOptions {
  /** The schema of the prune tables. Default `prune`. */
  readonly schema?: string
  /**
   * Where a database made before the split keeps them: the family-scrobbling
   * schema it used then. Default `family_scrobble` when `schema` is the default
   * too; with a schema of your choice, nothing is moved unless you name it (a
   * second engine in a new schema must not take the first one's tables).
   */
  readonly legacySchema?: string
}

/** The prune engine's migrations, for a schema (default `prune`). */
export const pruneMigrations = (options: PruneMigrationsOptions = {}): DomainMigrations => {
  const schema = checkSchemaName(options.schema ?? "prune")
  const legacySchema = checkSchemaName(
    options.legacySchema ?? (options.schema === undefined ? "family_scrobble" : schema)
  )
  return { domain: "prune", schema, migrations: { "0001_prune": moveOrCreate(schema, legacySchema) } }
}
