/**
 * The billing tables, in the domain's own schema (default `billing`): each
 * account's billing state (one row a user of the accounts schema, going with
 * it) and the provider events already applied, whose ids are the primary key
 * so a duplicate delivery inserts nothing.
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
      CREATE TABLE ${s("accounts")} (
        user_id uuid PRIMARY KEY REFERENCES ${a("users")} (id) ON DELETE CASCADE,
        customer_id text UNIQUE,
        trial_used boolean NOT NULL DEFAULT false,
        source text CHECK (source IN ('trial', 'stripe', 'credits')),
        status text CHECK (status IN ('trialing', 'active', 'past_due', 'canceled', 'expired')),
        plan_id uuid,
        price_id text,
        amount_minor integer CHECK (amount_minor >= 0),
        currency text,
        billing_interval text CHECK (billing_interval IN ('month', 'year')),
        current_period_end timestamptz,
        cancel_at_period_end boolean,
        due_since timestamptz,
        trial_ends_at timestamptz,
        provider_subscription_id text,
        started_at timestamptz,
        status_version_at double precision,
        status_version_rank integer,
        status_version_event text,
        terms_version_at double precision,
        terms_version_rank integer,
        terms_version_event text,
        updated_at timestamptz NOT NULL,
        CHECK (
          (status IS NULL AND source IS NULL)
          OR (status IS NOT NULL AND source IS NOT NULL AND amount_minor IS NOT NULL AND currency IS NOT NULL
              AND billing_interval IS NOT NULL AND current_period_end IS NOT NULL AND started_at IS NOT NULL
              AND status_version_at IS NOT NULL AND terms_version_at IS NOT NULL)
        )
      )`
    yield* sql`CREATE INDEX accounts_status_idx ON ${s("accounts")} (status, plan_id) WHERE status IS NOT NULL`
    yield* sql`
      CREATE TABLE ${s("events")} (
        id text PRIMARY KEY,
        type text NOT NULL,
        created_at timestamptz NOT NULL,
        user_id uuid,
        outcome text NOT NULL CHECK (outcome IN ('applied', 'unmatched')),
        received_at timestamptz NOT NULL
      )`
    yield* sql`CREATE INDEX events_received_idx ON ${s("events")} (received_at)`
  })

/**
 * The billing migrations, for a schema (default `billing`), over the accounts
 * domain's schema (default `accounts`): migrate the accounts first.
 */
export const billingMigrations = (
  options: { readonly schema?: string; readonly accountsSchema?: string } = {}
): DomainMigrations => {
  const schema = checkSchemaName(options.schema ?? "billing")
  const accounts = checkSchemaName(options.accountsSchema ?? "accounts")
  return { domain: "billing", schema, migrations: { "0001_initial": initial(schema, accounts) } }
}
