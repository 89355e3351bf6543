/**
 * The accounts tables, in the domain's own schema (default `accounts`). What
 * the domain relies on is held by the database: one account per email
 * (case-insensitively), one profile name per account, one plan name and one
 * Stripe price per plan, at most one default plan, roles and limits checked.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { domainMigrations } from "../Migrations.js"

const initial = (schema: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const s = (name: string) => sql(`${schema}.${name}`)
    yield* sql`
      CREATE TABLE ${s("plans")} (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        name_key text NOT NULL UNIQUE,
        stripe_price_id text UNIQUE,
        price_monthly_minor bigint NOT NULL CHECK (price_monthly_minor >= 0),
        currency text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
        max_profiles integer NOT NULL CHECK (max_profiles >= 1),
        max_playlists integer NOT NULL CHECK (max_playlists >= 0),
        max_favorites integer NOT NULL CHECK (max_favorites >= 0),
        features jsonb NOT NULL DEFAULT '{}',
        is_family_plan boolean NOT NULL,
        max_members integer NOT NULL CHECK (max_members >= 1),
        is_default boolean NOT NULL,
        is_active boolean NOT NULL,
        created_at timestamptz NOT NULL
      )`
    yield* sql`CREATE UNIQUE INDEX plans_one_default ON ${s("plans")} ((true)) WHERE is_default`
    yield* sql`
      CREATE TABLE ${s("users")} (
        id uuid PRIMARY KEY,
        email text NOT NULL,
        email_key text NOT NULL UNIQUE,
        full_name text NOT NULL,
        role text NOT NULL CHECK (role IN ('user', 'reseller', 'admin')),
        password_hash text NOT NULL,
        preferred_language text,
        plan_id uuid REFERENCES ${s("plans")} (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL
      )`
    yield* sql`CREATE INDEX users_newest_idx ON ${s("users")} (created_at DESC, id DESC)`
    yield* sql`
      CREATE TABLE ${s("profiles")} (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES ${s("users")} (id) ON DELETE CASCADE,
        name text NOT NULL,
        name_key text NOT NULL,
        avatar_url text,
        is_kids boolean NOT NULL,
        pin_hash text,
        is_default boolean NOT NULL,
        created_at timestamptz NOT NULL,
        position bigserial NOT NULL,
        pin_failures integer NOT NULL DEFAULT 0,
        pin_window_start timestamptz,
        pin_locked_until timestamptz,
        UNIQUE (user_id, name_key)
      )`
    // A session ends with its profile: a kids device never falls back to no profile.
    yield* sql`
      CREATE TABLE ${s("sessions")} (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES ${s("users")} (id) ON DELETE CASCADE,
        profile_id uuid REFERENCES ${s("profiles")} (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL,
        revoked_at timestamptz
      )`
    yield* sql`
      CREATE TABLE ${s("refresh_tokens")} (
        token_hash text PRIMARY KEY,
        session_id uuid NOT NULL REFERENCES ${s("sessions")} (id) ON DELETE CASCADE,
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`
    yield* sql`CREATE INDEX refresh_tokens_session_idx ON ${s("refresh_tokens")} (session_id)`
  })

/** The accounts migrations, for a schema (default `accounts`). */
export const accountsMigrations = domainMigrations("accounts", "accounts", (schema) => ({
  "0001_initial": initial(schema)
}))
