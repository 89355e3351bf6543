/**
 * The SDK's schema (family scrobbling, then the prune engine's `prune_` tables),
 * as numbered forward-only migrations run by `@effect/sql`'s Migrator, each in a
 * transaction. Every table lives in one Postgres schema (default
 * `family_scrobble`) so the SDK can share a database with its host application.
 */
import { SqlClient } from "@effect/sql"
import * as Migrator from "@effect/sql/Migrator"
import { Effect } from "effect"

/** A Postgres identifier the SDK accepts as a schema name. */
export const isSchemaName = (name: string): boolean => /^[a-z_][a-z0-9_]{0,62}$/.test(name)

const initial = (schema: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const s = (table: string) => sql(`${schema}.${table}`)
    yield* sql`
      CREATE TABLE ${s("family_groups")} (
        id uuid PRIMARY KEY,
        plex_username text NOT NULL CHECK (length(plex_username) BETWEEN 1 AND 200),
        created_at timestamptz NOT NULL
      )`
    // A Plex account belongs to one group, whatever its case.
    yield* sql`CREATE UNIQUE INDEX family_groups_plex_username_key ON ${s("family_groups")} (lower(plex_username))`
    yield* sql`
      CREATE TABLE ${s("group_members")} (
        id uuid PRIMARY KEY,
        group_id uuid NOT NULL REFERENCES ${s("family_groups")} (id) ON DELETE CASCADE,
        position bigserial NOT NULL,
        label text NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
        trakt_username text,
        status text NOT NULL CHECK (status IN ('pending', 'authorized', 'expired', 'failed')),
        status_reason text,
        -- AES-256-GCM ciphertexts ("<key id>:<iv>:<tag>:<data>", base64), never the tokens
        access_token_enc text,
        refresh_token_enc text,
        -- SHA-256 of the refresh token: compare-and-set on refresh without decrypting
        refresh_token_hash text,
        token_created_at timestamptz,
        token_expires_at timestamptz,
        created_at timestamptz NOT NULL,
        authorized_at timestamptz,
        CHECK ((status = 'authorized') = (access_token_enc IS NOT NULL)),
        CHECK ((access_token_enc IS NULL) = (refresh_token_enc IS NULL)),
        CHECK ((access_token_enc IS NULL) = (token_expires_at IS NULL))
      )`
    yield* sql`CREATE INDEX group_members_group_id_idx ON ${s("group_members")} (group_id, position)`
    yield* sql`CREATE UNIQUE INDEX group_members_label_key ON ${s("group_members")} (group_id, lower(label))`
    // No Trakt account twice in a group.
    yield* sql`
      CREATE UNIQUE INDEX group_members_trakt_username_key
        ON ${s("group_members")} (group_id, lower(trakt_username)) WHERE trakt_username IS NOT NULL`
    yield* sql`
      CREATE INDEX group_members_token_expiry_idx
        ON ${s("group_members")} (token_expires_at) WHERE status = 'authorized'`
    yield* sql`
      CREATE TABLE ${s("retry_queue_items")} (
        id uuid PRIMARY KEY,
        group_id uuid NOT NULL REFERENCES ${s("family_groups")} (id) ON DELETE CASCADE,
        member_id uuid NOT NULL REFERENCES ${s("group_members")} (id) ON DELETE CASCADE,
        event_id text NOT NULL,
        action text NOT NULL CHECK (action IN ('start', 'pause', 'stop')),
        media jsonb NOT NULL,
        media_key text NOT NULL,
        progress double precision NOT NULL CHECK (progress BETWEEN 0 AND 100),
        records_play boolean NOT NULL,
        attempts integer NOT NULL CHECK (attempts >= 0 AND attempts <= 100),
        status text NOT NULL CHECK (status IN ('queued', 'retrying', 'permanent_failure')),
        event_at timestamptz NOT NULL,
        next_attempt_at timestamptz NOT NULL,
        locked_until timestamptz,
        last_error text NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`
    // "Due items": pending rows by due time, an index scan.
    yield* sql`
      CREATE INDEX retry_queue_items_due_idx
        ON ${s("retry_queue_items")} (next_attempt_at) WHERE status <> 'permanent_failure'`
    yield* sql`CREATE INDEX retry_queue_items_group_idx ON ${s("retry_queue_items")} (group_id, status)`
    yield* sql`CREATE INDEX retry_queue_items_pair_idx ON ${s("retry_queue_items")} (member_id, media_key)`
    yield* sql`
      CREATE TABLE ${s("notifications")} (
        id uuid PRIMARY KEY,
        group_id uuid NOT NULL REFERENCES ${s("family_groups")} (id) ON DELETE CASCADE,
        member_id uuid,
        kind text NOT NULL CHECK (kind IN
          ('permanent_failure', 'token_expired', 'member_needs_attention', 'member_added', 'member_removed')),
        message text NOT NULL,
        created_at timestamptz NOT NULL,
        dismissed_at timestamptz
      )`
    yield* sql`CREATE INDEX notifications_group_idx ON ${s("notifications")} (group_id, created_at DESC)`
    yield* sql`
      CREATE TABLE ${s("telemetry_events")} (
        id bigserial PRIMARY KEY,
        name text NOT NULL CHECK (name IN ('onboarding_start', 'onboarding_complete', 'onboarding_abandon')),
        group_id uuid NOT NULL,
        member_id uuid,
        at timestamptz NOT NULL,
        duration_ms double precision
      )`
    yield* sql`CREATE INDEX telemetry_events_group_idx ON ${s("telemetry_events")} (group_id, at)`
    yield* sql`
      CREATE TABLE ${s("oauth_states")} (
        state text PRIMARY KEY,
        group_id uuid NOT NULL REFERENCES ${s("family_groups")} (id) ON DELETE CASCADE,
        member_id uuid NOT NULL REFERENCES ${s("group_members")} (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        revoked_at timestamptz,
        abandon_reported_at timestamptz
      )`
    yield* sql`CREATE INDEX oauth_states_member_idx ON ${s("oauth_states")} (member_id)`
    yield* sql`
      CREATE INDEX oauth_states_open_idx ON ${s("oauth_states")} (created_at)
        WHERE used_at IS NULL AND revoked_at IS NULL AND abandon_reported_at IS NULL`
  })

/** Named locks with a lease, held by no connection (see `PgLocks`). */
const locks = (schema: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`
      CREATE TABLE ${sql(`${schema}.locks`)} (
        key text PRIMARY KEY,
        owner uuid NOT NULL,
        locked_until timestamptz NOT NULL
      )`
  })

/**
 * Notifications list newest first: by `created_at`, then by order of insertion
 * for notices of the same millisecond (`position`, as group members have).
 */
const notificationOrder = (schema: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const s = (name: string) => sql(`${schema}.${name}`)
    yield* sql`ALTER TABLE ${s("notifications")} ADD COLUMN position bigserial NOT NULL`
    yield* sql`
      CREATE INDEX notifications_group_order_idx
        ON ${s("notifications")} (group_id, created_at DESC, position DESC)`
    yield* sql`DROP INDEX ${s("notifications_group_idx")}`
  })

/** Claims walk pending items oldest event first: an index in that order, not a sort of the backlog. */
const claimOrder = (schema: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`
      CREATE INDEX retry_queue_items_claim_idx ON ${sql(`${schema}.retry_queue_items`)} (event_at, created_at)
        WHERE status <> 'permanent_failure'`
  })

/**
 * The webhook inbox: events answered but not yet broadcast, leased to the
 * process handling them. Also the onboarding page's own telemetry events.
 */
const webhookInbox = (schema: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const s = (name: string) => sql(`${schema}.${name}`)
    yield* sql`
      CREATE TABLE ${s("webhook_inbox")} (
        id text PRIMARY KEY,
        group_id uuid NOT NULL REFERENCES ${s("family_groups")} (id) ON DELETE CASCADE,
        event jsonb NOT NULL,
        received_at timestamptz NOT NULL,
        lease_until timestamptz NOT NULL,
        position bigserial NOT NULL
      )`
    yield* sql`CREATE INDEX webhook_inbox_lease_idx ON ${s("webhook_inbox")} (lease_until)`
    yield* sql`ALTER TABLE ${s("telemetry_events")} DROP CONSTRAINT telemetry_events_name_check`
    yield* sql`
      ALTER TABLE ${s("telemetry_events")} ADD CONSTRAINT telemetry_events_name_check CHECK (name IN
        ('onboarding_start', 'onboarding_complete', 'onboarding_abandon', 'authorize_opened', 'webhook_copied'))`
  })

/**
 * The prune engine's state (`@org/prune`'s `PruneStore`): one row per Plex user
 * with its welcome, warning and removal state, the one-row mark of the first live
 * run, and the append-only audit log. The CHECKs name every value the domain
 * writes, so a row that breaks them is a bug, refused by the database.
 */
const prune = (schema: string) =>
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

/** The migrations of a schema, in order. */
export const migrationsFor = (schema: string) =>
  Migrator.fromRecord({
    "0001_initial": initial(schema),
    "0002_locks": locks(schema),
    "0003_notification_order": notificationOrder(schema),
    "0004_claim_order": claimOrder(schema),
    "0005_webhook_inbox": webhookInbox(schema),
    "0006_prune": prune(schema)
  })

/**
 * Bring the schema up to date: create it if needed, then apply every migration
 * not applied yet, forward only, each in a transaction. Safe to run from several
 * processes at once (the migrations table is locked while migrating). Returns
 * the migrations applied now.
 */
export const runMigrations = (options: { readonly schema?: string } = {}) =>
  Effect.gen(function* () {
    const schema = options.schema ?? "family_scrobble"
    if (!isSchemaName(schema)) return yield* Effect.dieMessage(`invalid schema name: ${schema}`)
    const sql = yield* SqlClient.SqlClient
    yield* sql`CREATE SCHEMA IF NOT EXISTS ${sql(schema)}`
    return yield* Migrator.make({})({ loader: migrationsFor(schema), table: `${schema}.migrations` })
  })
