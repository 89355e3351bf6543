/**
 * The family-scrobbling domain's tables, in its own schema (default
 * `family_scrobble`): groups and members, the retry queue, notifications,
 * telemetry, OAuth states, the webhook inbox and the lease-row locks.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { domainMigrations } from "../Migrations.js"
import { createLocksTable } from "../PgLocks.js"

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
 * The latest action each member got for each item: a late event (recorded before
 * a crash and broadcast after it, or a retry) is held against it and never sent
 * when something later was. One row per (member, item), replaced by later ones.
 */
const memberDeliveries = (schema: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`
      CREATE TABLE ${sql(`${schema}.member_deliveries`)} (
        member_id uuid NOT NULL REFERENCES ${sql(`${schema}.group_members`)} (id) ON DELETE CASCADE,
        media_key text NOT NULL,
        event_id text NOT NULL,
        event_at timestamptz NOT NULL,
        PRIMARY KEY (member_id, media_key)
      )`
  })

/**
 * Invites the admin makes for onboarding `invite`. Only a SHA-256 of each code
 * is kept: the code is 128 random bits, so a fast hash is enough, and the
 * database never holds a usable code.
 */
const invites = (schema: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`
      CREATE TABLE ${sql(`${schema}.invites`)} (
        id uuid PRIMARY KEY,
        code_hash text NOT NULL UNIQUE,
        note text,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        -- Checked at commit: a redemption marks the invite before it inserts the group.
        group_id uuid REFERENCES ${sql(`${schema}.family_groups`)} (id) ON DELETE SET NULL
          DEFERRABLE INITIALLY DEFERRED
      )`
  })

/**
 * The family-scrobbling migrations, for a schema (default `family_scrobble`).
 *
 * `0006` once created the prune engine's tables in this schema; they now live in
 * the prune domain's own schema (`@org/pg/prune` moves them). It stays as an
 * empty step so that databases made before and after the split agree on the
 * numbering.
 */
export const familyScrobbleMigrations = domainMigrations("family-scrobble", "family_scrobble", (schema) => ({
  "0001_initial": initial(schema),
  "0002_locks": createLocksTable(schema),
  "0003_notification_order": notificationOrder(schema),
  "0004_claim_order": claimOrder(schema),
  "0005_webhook_inbox": webhookInbox(schema),
  "0006_prune_moved": Effect.void,
  "0007_member_deliveries": memberDeliveries(schema),
  "0008_invites": invites(schema)
}))
