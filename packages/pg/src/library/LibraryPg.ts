/**
 * The library stores on a database in one call, migrated at start (after the
 * accounts, whose users and profiles its rows belong to).
 */
import type { SqlClient, SqlError } from "@effect/sql"
import type { MigrationError } from "@effect/sql/Migrator"
import type { FavoriteStore, PlaylistStore, ProgressStore } from "@org/library"
import { Layer } from "effect"
import { runMigrations } from "../Migrations.js"
import { PgStoreConfig } from "../PgStoreConfig.js"
import type { TokenCipher } from "../TokenCipher.js"
import { libraryMigrations } from "./Migrations.js"
import { PgLibraryStores } from "./PgLibraryStores.js"

export interface LibraryPgOptions {
  /** Encrypts playlist URLs and credentials at rest (`makeTokenCipher`). */
  readonly cipher: TokenCipher
  /** The Postgres schema of the library tables. Default `library`. */
  readonly schema?: string
  /** The accounts domain's schema. Default `accounts`. */
  readonly accountsSchema?: string
  /** Apply the migrations at start. Default true. */
  readonly migrate?: boolean
}

export const LibraryPg = {
  /**
   * `PlaylistStore`, `FavoriteStore` and `ProgressStore` on Postgres, migrated at
   * start. Build it after `AccountsPg.layer()` (its tables reference the accounts').
   */
  layer: (
    options: LibraryPgOptions
  ): Layer.Layer<
    PlaylistStore | FavoriteStore | ProgressStore,
    SqlError.SqlError | MigrationError,
    SqlClient.SqlClient
  > => {
    const migrations = libraryMigrations({
      ...(options.schema === undefined ? {} : { schema: options.schema }),
      ...(options.accountsSchema === undefined ? {} : { accountsSchema: options.accountsSchema })
    })
    const migrated = options.migrate === false ? Layer.empty : Layer.effectDiscard(runMigrations(migrations))
    return PgLibraryStores(options.cipher).pipe(
      Layer.provide(Layer.merge(PgStoreConfig.layer({ schema: migrations.schema }), migrated))
    )
  }
}
