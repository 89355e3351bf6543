/** The ledger store on a database in one call, migrated at start. */
import type { SqlClient, SqlError } from "@effect/sql"
import type { MigrationError } from "@effect/sql/Migrator"
import type { LedgerStore } from "@org/ledger"
import { Layer } from "effect"
import { runMigrations } from "../Migrations.js"
import { PgStoreConfig } from "../PgStoreConfig.js"
import { ledgerMigrations } from "./Migrations.js"
import { PgLedgerStore, type PgLedgerStoreOptions } from "./PgLedgerStore.js"

export interface LedgerPgOptions extends PgLedgerStoreOptions {
  /** The Postgres schema of the ledger tables. Default `ledger`. */
  readonly schema?: string
  /** Apply the migrations at start. Default true. */
  readonly migrate?: boolean
}

export const LedgerPg = {
  /** `LedgerStore` on Postgres (the server or PGlite), migrated at start. */
  layer: (
    options: LedgerPgOptions = {}
  ): Layer.Layer<LedgerStore, SqlError.SqlError | MigrationError, SqlClient.SqlClient> => {
    const migrations = ledgerMigrations(options.schema === undefined ? {} : { schema: options.schema })
    const migrated = options.migrate === false ? Layer.empty : Layer.effectDiscard(runMigrations(migrations))
    return PgLedgerStore(options).pipe(
      Layer.provide(Layer.merge(PgStoreConfig.layer({ schema: migrations.schema }), migrated))
    )
  }
}
