/**
 * The prune engine's store on a database in one call.
 */
import type { SqlClient, SqlError } from "@effect/sql"
import type { MigrationError } from "@effect/sql/Migrator"
import type { PruneStore } from "@org/prune"
import { Layer } from "effect"
import { runMigrations } from "./Migrations.js"
import { PgPruneStore } from "./PgPruneStore.js"
import { PgStoreConfig } from "./PgStoreConfig.js"

export interface PrunePgOptions {
  /** The Postgres schema of every table. Default `family_scrobble`, shared with the other stores. */
  readonly schema?: string
  /** Apply the migrations at start. Default true. */
  readonly migrate?: boolean
}

export const PrunePg = {
  /**
   * `PruneStore` on Postgres, with the schema migrated at start. Provide a database:
   * `PrunePg.layer().pipe(Layer.provide(PgDatabase.layerConfig()))`.
   */
  layer: (
    options: PrunePgOptions = {}
  ): Layer.Layer<PruneStore, SqlError.SqlError | MigrationError, SqlClient.SqlClient> => {
    const schema = options.schema === undefined ? {} : { schema: options.schema }
    const migrated = options.migrate === false ? Layer.empty : Layer.effectDiscard(runMigrations(schema))
    return PgPruneStore.layer.pipe(Layer.provide(Layer.merge(PgStoreConfig.layer(schema), migrated)))
  }
}
