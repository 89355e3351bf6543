/** The resellers' store on a database in one call, migrated at start (after the accounts). */
import type { SqlClient, SqlError } from "@effect/sql"
import type { MigrationError } from "@effect/sql/Migrator"
import type { ResellerStore } from "@org/resellers"
import { Layer } from "effect"
import { runMigrations } from "../Migrations.js"
import { PgStoreConfig } from "../PgStoreConfig.js"
import { resellersMigrations } from "./Migrations.js"
import { PgResellerStore } from "./PgResellerStore.js"

export interface ResellersPgOptions {
  /** The Postgres schema of the resellers' table. Default `resellers`. */
  readonly schema?: string
  /** The accounts domain's schema. Default `accounts`. */
  readonly accountsSchema?: string
  /** Apply the migrations at start. Default true. */
  readonly migrate?: boolean
}

export const ResellersPg = {
  /** `ResellerStore` on Postgres; build it after `AccountsPg.layer()`. */
  layer: (
    options: ResellersPgOptions = {}
  ): Layer.Layer<ResellerStore, SqlError.SqlError | MigrationError, SqlClient.SqlClient> => {
    const accountsSchema = options.accountsSchema ?? "accounts"
    const migrations = resellersMigrations({
      ...(options.schema === undefined ? {} : { schema: options.schema }),
      accountsSchema
    })
    const migrated = options.migrate === false ? Layer.empty : Layer.effectDiscard(runMigrations(migrations))
    return PgResellerStore({ accountsSchema }).pipe(
      Layer.provide(Layer.merge(PgStoreConfig.layer({ schema: migrations.schema }), migrated))
    )
  }
}
