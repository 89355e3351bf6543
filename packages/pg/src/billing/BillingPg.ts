/**
 * The billing store on a database in one call, migrated at start (after the
 * accounts, whose users its rows belong to).
 */
import type { SqlClient, SqlError } from "@effect/sql"
import type { MigrationError } from "@effect/sql/Migrator"
import type { BillingStore } from "@org/billing"
import { Layer } from "effect"
import { runMigrations } from "../Migrations.js"
import { PgStoreConfig } from "../PgStoreConfig.js"
import { billingMigrations } from "./Migrations.js"
import { PgBillingStore } from "./PgBillingStore.js"

export interface BillingPgOptions {
  /** The Postgres schema of the billing tables. Default `billing`. */
  readonly schema?: string
  /** The accounts domain's schema. Default `accounts`. */
  readonly accountsSchema?: string
  /** Apply the migrations at start. Default true. */
  readonly migrate?: boolean
}

export const BillingPg = {
  /**
   * `BillingStore` on Postgres, migrated at start. Build it after
   * `AccountsPg.layer()` (its rows reference the accounts' users).
   */
  layer: (
    options: BillingPgOptions = {}
  ): Layer.Layer<BillingStore, SqlError.SqlError | MigrationError, SqlClient.SqlClient> => {
    const accountsSchema = options.accountsSchema ?? "accounts"
    const migrations = billingMigrations({
      ...(options.schema === undefined ? {} : { schema: options.schema }),
      accountsSchema
    })
    const migrated = options.migrate === false ? Layer.empty : Layer.effectDiscard(runMigrations(migrations))
    return PgBillingStore({ accountsSchema }).pipe(
      Layer.provide(Layer.merge(PgStoreConfig.layer({ schema: migrations.schema }), migrated))
    )
  }
}
