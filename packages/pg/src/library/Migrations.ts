/**
 * The library tables, in the domain's own schema (default `library`). Rows
 * belong to the accounts domain's users and profiles (`accountsSchema`,
 * default `accounts`, migrated first) and go with them. A playlist's URL and
 * credentials are stored encrypted; a progress row knows whether it is
 * finished (a generated column, so "continue watching" is an index scan).
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { checkSchemaName, type DomainMigrations } from "../Migrations.js"

const initial = (schema: string, accounts: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const s = (name: string) => sql(`${schema}.${name}`)
    const a = (name: string) => sql(`${accounts}.${name}`)
    yield* sql`
      CREATE TABLE ${s("playlists")} (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES ${a("users")} (id) ON DELETE CASCADE,
        name text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('m3u', 'xtream')),
        host text NOT NULL,
        url_enc text NOT NULL,
        username_enc text,
        password_enc text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`
    yield* sql`CREATE INDEX playlists_user_idx ON ${s("playlists")} (user_id, created_at, id)`
    yield* sql`
      CREATE TABLE ${s("favorites")} (
        id uuid PRIMARY KEY,
        profile_id uuid NOT NULL REFERENCES ${a("profiles")} (id) ON DELETE CASCADE,
        item_id text NOT NULL,
        item_type text NOT NULL CHECK (item_type IN ('channel', 'movie', 'series', 'episode')),
        item_name text NOT NULL,
        item_logo text,
        created_at timestamptz NOT NULL,
        UNIQUE (profile_id, item_type, item_id)
      )`
    yield* sql`CREATE INDEX favorites_newest_idx ON ${s("favorites")} (profile_id, created_at DESC, id DESC)`
    yield* sql`
      CREATE TABLE ${s("progress")} (
        profile_id uuid NOT NULL REFERENCES ${a("profiles")} (id) ON DELETE CASCADE,
        item_id text NOT NULL,
        item_type text CHECK (item_type IN ('channel', 'movie', 'series', 'episode')),
        progress_seconds double precision NOT NULL CHECK (progress_seconds >= 0),
        duration_seconds double precision CHECK (duration_seconds >= 0),
        observed_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        finished boolean GENERATED ALWAYS AS (
          duration_seconds IS NOT NULL
          AND (progress_seconds >= duration_seconds * 0.9 OR progress_seconds >= duration_seconds - 120)
        ) STORED,
        PRIMARY KEY (profile_id, item_id),
        CHECK (duration_seconds IS NULL OR progress_seconds <= duration_seconds)
      )`
    yield* sql`
      CREATE INDEX progress_unfinished_idx ON ${s("progress")} (profile_id, observed_at DESC, item_id)
      WHERE NOT finished`
  })

/**
 * The library migrations, for a schema (default `library`), over the accounts
 * domain's schema (default `accounts`): migrate the accounts first.
 */
export const libraryMigrations = (
  options: { readonly schema?: string; readonly accountsSchema?: string } = {}
): DomainMigrations => {
  const schema = checkSchemaName(options.schema ?? "library")
  const accounts = checkSchemaName(options.accountsSchema ?? "accounts")
  return { domain: "library", schema, migrations: { "0001_initial": initial(schema, accounts) } }
}
