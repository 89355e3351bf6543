/**
 * The resellers' table, in the domain's own schema (default `resellers`) over
 * the accounts schema: one row per client account, naming its reseller, its
 * plan and its credit-paid period.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { checkSchemaName, type DomainMigrations } from "../Migrations.js"

const initial = (schema: string, accounts: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const clients = sql(`${schema}.clients`)
    const users = sql(`${accounts}.users`)
    yield* sql`
      CREATE TABLE ${clients} (
        client_id uuid PRIMARY KEY REFERENCES ${users} (id) ON DELETE CASCADE,
        reseller_id uuid NOT NULL REFERENCES ${users} (id),
        plan_id uuid NOT NULL,
        credits_per_period integer NOT NULL CHECK (credits_per_period > 0),
        current_period_end timestamptz NOT NULL,
        auto_renew boolean NOT NULL,
        renewal_failed_at timestamptz,
        created_at timestamptz NOT NULL,
        CHECK (client_id <> reseller_id)
      )`
    yield* sql`CREATE INDEX clients_reseller_idx ON ${clients} (reseller_id, created_at DESC, client_id)`
    yield* sql`CREATE INDEX clients_due_idx ON ${clients} (current_period_end) WHERE auto_renew`
  })

/** The resellers' migrations, for a schema (default `resellers`) over the accounts schema (default `accounts`). */
export const resellersMigrations = (
  options: { readonly schema?: string; readonly accountsSchema?: string } = {}
): DomainMigrations => {
  const schema = checkSchemaName(options.schema ?? "resellers")
  const accounts = checkSchemaName(options.accountsSchema ?? "accounts")
  return { domain: "resellers", schema, migrations: { "0001_initial": initial(schema, accounts) } }
}
