/**
 * The accounts stores on a database in one call, migrated at start.
 */
import type { SqlClient, SqlError } from "@effect/sql"
import type { MigrationError } from "@effect/sql/Migrator"
import type { PlanStore, ProfileStore, SessionStore, UserStore } from "@org/accounts"
import { Layer } from "effect"
import { runMigrations } from "../Migrations.js"
import { PgStoreConfig } from "../PgStoreConfig.js"
import { accountsMigrations } from "./Migrations.js"
import { PgAccountsStores } from "./PgAccountsStores.js"

export interface AccountsPgOptions {
  /** The Postgres schema of the accounts tables. Default `accounts`. */
  readonly schema?: string
  /** Apply the migrations at start. Default true. */
  readonly migrate?: boolean
}

export const AccountsPg = {
  /**
   * `UserStore`, `SessionStore`, `ProfileStore` and `PlanStore` on Postgres, the
   * schema migrated at start. Provide a database:
   * `AccountsPg.layer().pipe(Layer.provide(PgDatabase.layerConfig()))`.
   */
  layer: (
    options: AccountsPgOptions = {}
  ): Layer.Layer<
    UserStore | SessionStore | ProfileStore | PlanStore,
    SqlError.SqlError | MigrationError,
    SqlClient.SqlClient
  > => {
    const migrations = accountsMigrations(options.schema === undefined ? {} : { schema: options.schema })
    const migrated = options.migrate === false ? Layer.empty : Layer.effectDiscard(runMigrations(migrations))
    return PgAccountsStores.pipe(
      Layer.provide(Layer.merge(PgStoreConfig.layer({ schema: migrations.schema }), migrated))
    )
  }
}
