/**
 * The prune engine's store on a database in one call.
 */
import type { SqlClient, SqlError } from "@effect/sql"
import type { MigrationError } from "@effect/sql/Migrator"
import type { PruneStore } from "@org/prune"
import { Layer } from "effect"
import { runMigrations } from "../Migrations.js"
import { PgStoreConfig } from "../PgStoreConfig.js"
import { pruneMigrations } from "./Migrations.js"
import { PgPruneStore } from "./PgPruneStore.js"

export interface PrunePgOptions {
  /** The Postgres schema of the prune tables. Default `prune`, the domain's own. */
  readonly schema?: string
  /**
   * The family-scrobbling schema of a database made before each domain had its
   * own, where the prune tables were then: they are moved from there on the first
   * start. Default `family_scrobble` when `schema` is the default; with a schema
   * of your choice, nothing is moved unless you name it.
   */
  readonly legacySchema?: string
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
    const migrations = pruneMigrations({
      ...(options.schema === undefined ? {} : { schema: options.schema }),
      ...(options.legacySchema === undefined ? {} : { legacySchema: options.legacySchema })
    })
    const migrated = options.migrate === false ? Layer.empty : Layer.effectDiscard(runMigrations(migrations))
    return PgPruneStore.layer.pipe(
      Layer.provide(Layer.merge(PgStoreConfig.layer({ schema: migrations.schema }), migrated))
    )
  }
}
