/**
 * Every family-scrobble store port on Postgres, in one layer, and the whole
 * family-scrobble environment on a database in one call.
 */

import { Locks } from "@org/core"
import { MemberPacer, PlaybackSessionsInMemory } from "@org/family-scrobble"
import { Layer } from "effect"
import { runMigrations } from "../Migrations.js"
import { PgLocks, type PgLocksOptions } from "../PgLocks.js"
import { PgStoreConfig } from "../PgStoreConfig.js"
import type { TokenCipher } from "../TokenCipher.js"
import { familyScrobbleMigrations } from "./Migrations.js"
import { PgGroupStore } from "./PgGroupStore.js"
import { PgNotifications } from "./PgNotifications.js"
import { PgOAuthStates } from "./PgOAuthStates.js"
import { PgRetryQueue } from "./PgRetryQueue.js"
import { PgTelemetry } from "./PgTelemetry.js"
import { PgWebhookInbox } from "./PgWebhookInbox.js"

export interface FamilyScrobblePgOptions {
  /** Encrypts OAuth tokens at rest (`makeTokenCipher(parseTokenKeys(...))`). */
  readonly cipher: TokenCipher
  /** The Postgres schema of every table. Default `family_scrobble`. */
  readonly schema?: string
  /**
   * Group locks: `"database"` (default) excludes across every process sharing the
   * database; `"process"` serves a single process (enough for embedded PGlite).
   */
  readonly locks?: "database" | "process"
  readonly lockOptions?: PgLocksOptions
  /** Apply the migrations at start. Default true. */
  readonly migrate?: boolean
}

/** The store ports over a `SqlClient` (a server or embedded PGlite) and a `PgStoreConfig`. */
const stores = (options: { readonly cipher: TokenCipher }) =>
  Layer.mergeAll(
    PgGroupStore.layer(options.cipher),
    PgNotifications.layer,
    PgOAuthStates.layer,
    PgTelemetry.layer,
    PgRetryQueue.layer,
    PgWebhookInbox.layer
  )

export const FamilyScrobblePg = {
  stores,

  /**
   * Everything `@org/family-scrobble` needs but the Trakt port and randomness: the
   * stores, the group locks, member pacing and playback sessions (per process), with
   * the schema migrated at start. Provide a database (`PgDatabase.layerUrl` or
   * `PgDatabase.layerEmbedded`).
   */
  layer: (options: FamilyScrobblePgOptions) => {
    const migrations = familyScrobbleMigrations(
      options.schema === undefined ? {} : { schema: options.schema }
    )
    const config = PgStoreConfig.layer({ schema: migrations.schema })
    const migrated = options.migrate === false ? Layer.empty : Layer.effectDiscard(runMigrations(migrations))
    const locks = options.locks === "process" ? Locks.layerLocal : PgLocks.layer(options.lockOptions ?? {})
    return Layer.mergeAll(
      stores({ cipher: options.cipher }),
      locks,
      MemberPacer.layer,
      PlaybackSessionsInMemory
    ).pipe(Layer.provide(Layer.merge(config, migrated)))
  }
}
