/**
 * The stores under test, three ways: in memory (the reference), on the Postgres
 * server (`TEST_DATABASE_URL`, default the local server's `test` database), and
 * on embedded PGlite. Each Postgres run gets its own schema, dropped afterwards:
 * one per suite for the family-scrobble stores (`storeTargets`), one per test for
 * the prune store (`pruneStoreTargets`), whose state is global to its schema.
 */
import { randomBytes } from "node:crypto"
import { connect } from "node:net"
import { SqlClient } from "@effect/sql"
import type { PlanStore, ProfileStore, SessionStore, UserStore } from "@org/accounts"
import { AccountsInMemory } from "@org/accounts/testing"
import type { BillingStore } from "@org/billing"
import { BillingInMemory } from "@org/billing/testing"
import type {
  GroupStore,
  Notifications,
  OAuthStates,
  RetryQueue,
  Telemetry,
  WebhookInbox
} from "@org/family-scrobble"
import {
  GroupStoreInMemory,
  NotificationsInMemory,
  OAuthStatesInMemory,
  RetryQueueInMemory,
  TelemetryInMemory,
  WebhookInboxInMemory
} from "@org/family-scrobble/testing"
import type { LedgerStore } from "@org/ledger"
import { LedgerInMemory } from "@org/ledger/testing"
import type { FavoriteStore, PlaylistStore, ProgressStore } from "@org/library"
import { LibraryInMemory } from "@org/library/testing"
import type { PruneStore } from "@org/prune"
import { PruneStoreInMemory } from "@org/prune/testing"
import { Effect, Layer, Redacted } from "effect"
import { accountsMigrations } from "../src/accounts/Migrations.js"
import { PgAccountsStores } from "../src/accounts/PgAccountsStores.js"
import { billingMigrations } from "../src/billing/Migrations.js"
import { PgBillingStore } from "../src/billing/PgBillingStore.js"
import { FamilyScrobblePg } from "../src/family-scrobble/FamilyScrobblePg.js"
import { familyScrobbleMigrations } from "../src/family-scrobble/Migrations.js"
import { ledgerMigrations } from "../src/ledger/Migrations.js"
import { PgLedgerStore } from "../src/ledger/PgLedgerStore.js"
import { libraryMigrations } from "../src/library/Migrations.js"
import { PgLibraryStores } from "../src/library/PgLibraryStores.js"
import { type DomainMigrations, runMigrations } from "../src/Migrations.js"
import { PgDatabase } from "../src/PgDatabase.js"
import { PgStoreConfig } from "../src/PgStoreConfig.js"
import { pruneMigrations } from "../src/prune/Migrations.js"
import { PgPruneStore } from "../src/prune/PgPruneStore.js"
import { makeTokenCipher } from "../src/TokenCipher.js"

/** `TEST_DATABASE_URL=none` runs as a machine without a server would. */
const noServer = process.env.TEST_DATABASE_URL === "none"
const explicitUrl = noServer ? undefined : process.env.TEST_DATABASE_URL
export const testDatabaseUrl = explicitUrl ?? "postgres://postgres@127.0.0.1:5432/test"

/**
 * Whether the server run takes place: always when `TEST_DATABASE_URL` is set (CI
 * sets it, and a server that is down then fails the run); otherwise when the
 * local server answers. A machine with only Node has no server: PGlite still runs.
 */
export const serverAvailable =
  !noServer &&
  (explicitUrl !== undefined ||
    (await new Promise<boolean>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port: 5432, timeout: 1000 })
      socket.once("connect", () => resolve(true))
      socket.once("error", () => resolve(false))
      socket.once("timeout", () => resolve(false))
    }).then((ok) => {
      if (!ok)
        process.stderr.write(
          "No PostgreSQL server on 127.0.0.1:5432 and no TEST_DATABASE_URL: the store contract runs on memory and PGlite only.\n"
        )
      return ok
    })))

export const testCipher = makeTokenCipher({
  current: "k1",
  keys: { k1: Redacted.make(new Uint8Array(randomBytes(32))) }
})

/** Every store port; in memory, those not yet on Postgres come from memory too. */
export type Stores = GroupStore | Notifications | OAuthStates | Telemetry | RetryQueue | WebhookInbox

/** The in-memory stores for the ports `FamilyScrobblePg` does not provide yet. */

export interface StoreTarget {
  readonly name: string
  readonly postgres: boolean
  /** The store ports under test; on Postgres also its `SqlClient` and schema, for raw checks. */
  readonly layer: Layer.Layer<Stores | SqlClient.SqlClient | PgStoreConfig>
}

/** A throwaway schema, migrated on start and dropped at the end. */
export const migratedSchema = (migrations: DomainMigrations) =>
  Layer.scopedDiscard(
    Effect.acquireRelease(runMigrations(migrations).pipe(Effect.orDie), () =>
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql`DROP SCHEMA ${sql(migrations.schema)} CASCADE`).pipe(
        Effect.ignore
      )
    )
  )

const pgTarget = (name: string, database: Layer.Layer<SqlClient.SqlClient, unknown>): StoreTarget => {
  const schema = `t_${randomBytes(6).toString("hex")}`
  const config = PgStoreConfig.layer({ schema })
  const stores = FamilyScrobblePg.stores({ cipher: testCipher }).pipe(Layer.provide(config))
  return {
    name,
    postgres: true,
    layer: Layer.mergeAll(stores, config).pipe(
      Layer.provideMerge(migratedSchema(familyScrobbleMigrations({ schema }))),
      Layer.provideMerge(Layer.orDie(database))
    )
  }
}

/** A placeholder `SqlClient`: the memory target has no database, and only the Postgres targets run raw SQL. */
const noDatabase = Layer.succeed(SqlClient.SqlClient, {} as SqlClient.SqlClient)

export const storeTargets = (): ReadonlyArray<StoreTarget> => [
  {
    name: "in memory",
    postgres: false,
    layer: Layer.mergeAll(
      GroupStoreInMemory,
      NotificationsInMemory,
      OAuthStatesInMemory,
      TelemetryInMemory,
      RetryQueueInMemory,
      WebhookInboxInMemory,
      noDatabase,
      PgStoreConfig.layer({ schema: "unused" })
    )
  },
  ...(serverAvailable ? [pgTarget("postgres server", PgDatabase.layerUrl(testDatabaseUrl))] : []),
  pgTarget("embedded PGlite", PgDatabase.layerEmbedded())
]

export interface PruneStoreTarget {
  readonly name: string
  readonly postgres: boolean
  /** The suite's database, started once: its `SqlClient` (a placeholder in memory). */
  readonly layer: Layer.Layer<SqlClient.SqlClient>
  /**
   * A new, empty store for one test (`Effect.provide(target.fresh)`), over the
   * suite's database: on Postgres in a schema of its own (its `PgStoreConfig`),
   * migrated when built and dropped when the test ends.
   */
  readonly fresh: Layer.Layer<PruneStore | PgStoreConfig, never, SqlClient.SqlClient>
}

const pgPruneStore = Layer.unwrapEffect(
  Effect.sync(() => {
    const schema = freshSchema()
    return PgPruneStore.layer.pipe(
      Layer.provideMerge(PgStoreConfig.layer({ schema })),
      Layer.provide(migratedSchema(pruneMigrations({ schema })))
    )
  })
)

/** The prune store three ways: in memory (the reference), on the Postgres server and on PGlite. */
export const pruneStoreTargets = (): ReadonlyArray<PruneStoreTarget> => [
  {
    name: "in memory",
    postgres: false,
    layer: noDatabase,
    fresh: Layer.merge(PruneStoreInMemory, PgStoreConfig.layer({ schema: "unused" }))
  },
  ...databases().map((database) => ({ ...database, postgres: true, fresh: pgPruneStore }))
]

/** The databases the Postgres suites run on: the server (when there is one) and PGlite. */
export const databases = (): ReadonlyArray<{
  readonly name: string
  readonly layer: Layer.Layer<SqlClient.SqlClient>
}> => [
  ...(serverAvailable
    ? [{ name: "postgres server", layer: Layer.orDie(PgDatabase.layerUrl(testDatabaseUrl)) }]
    : []),
  { name: "embedded PGlite", layer: Layer.orDie(PgDatabase.layerEmbedded()) }
]

/** A fresh schema name for one suite; drop it with `dropSchema`. */
export const freshSchema = () => `t_${randomBytes(6).toString("hex")}`

export const dropSchema = (schema: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`).pipe(
    Effect.ignore
  )

export type AccountsStores = UserStore | SessionStore | ProfileStore | PlanStore

export interface AccountsTarget {
  readonly name: string
  readonly postgres: boolean
  readonly layer: Layer.Layer<AccountsStores | SqlClient.SqlClient | PgStoreConfig>
}

/** The accounts stores three ways, each Postgres run in a schema of its own for the suite. */
export const accountsTargets = (): ReadonlyArray<AccountsTarget> => [
  {
    name: "in memory",
    postgres: false,
    layer: Layer.mergeAll(AccountsInMemory, noDatabase, PgStoreConfig.layer({ schema: "unused" }))
  },
  ...databases().map((database) => {
    const schema = freshSchema()
    const config = PgStoreConfig.layer({ schema })
    return {
      name: database.name,
      postgres: true,
      layer: Layer.merge(PgAccountsStores.pipe(Layer.provide(config)), config).pipe(
        Layer.provideMerge(migratedSchema(accountsMigrations({ schema }))),
        Layer.provideMerge(database.layer)
      )
    }
  })
]

export type LibraryStores = PlaylistStore | FavoriteStore | ProgressStore

export interface LibraryTarget {
  readonly name: string
  readonly postgres: boolean
  /** The library stores over the accounts stores (whose users and profiles they reference). */
  readonly layer: Layer.Layer<LibraryStores | AccountsStores | SqlClient.SqlClient | PgStoreConfig>
}

/** The library stores three ways; on Postgres in two fresh schemas, accounts migrated first. */
export const libraryTargets = (): ReadonlyArray<LibraryTarget> => [
  {
    name: "in memory",
    postgres: false,
    layer: Layer.mergeAll(
      LibraryInMemory,
      AccountsInMemory,
      noDatabase,
      PgStoreConfig.layer({ schema: "unused" })
    )
  },
  ...databases().map((database) => {
    const accountsSchema = freshSchema()
    const schema = freshSchema()
    const config = PgStoreConfig.layer({ schema })
    return {
      name: database.name,
      postgres: true,
      layer: Layer.mergeAll(
        PgLibraryStores(testCipher).pipe(Layer.provide(config)),
        PgAccountsStores.pipe(Layer.provide(PgStoreConfig.layer({ schema: accountsSchema }))),
        config
      ).pipe(
        Layer.provideMerge(migratedSchema(libraryMigrations({ schema, accountsSchema }))),
        Layer.provideMerge(migratedSchema(accountsMigrations({ schema: accountsSchema }))),
        Layer.provideMerge(database.layer)
      )
    }
  })
]

export interface BillingTarget {
  readonly name: string
  readonly postgres: boolean
  /** The billing store over the accounts stores (whose users it references). */
  readonly layer: Layer.Layer<BillingStore | AccountsStores | SqlClient.SqlClient | PgStoreConfig>
}

/** The billing store three ways; on Postgres in two fresh schemas, accounts migrated first. */
export const billingTargets = (): ReadonlyArray<BillingTarget> => [
  {
    name: "in memory",
    postgres: false,
    layer: Layer.mergeAll(
      BillingInMemory.pipe(Layer.provideMerge(AccountsInMemory)),
      noDatabase,
      PgStoreConfig.layer({ schema: "unused" })
    )
  },
  ...databases().map((database) => {
    const accountsSchema = freshSchema()
    const schema = freshSchema()
    const config = PgStoreConfig.layer({ schema })
    return {
      name: database.name,
      postgres: true,
      layer: Layer.mergeAll(
        PgBillingStore({ accountsSchema }).pipe(Layer.provide(config)),
        PgAccountsStores.pipe(Layer.provide(PgStoreConfig.layer({ schema: accountsSchema }))),
        config
      ).pipe(
        Layer.provideMerge(migratedSchema(billingMigrations({ schema, accountsSchema }))),
        Layer.provideMerge(migratedSchema(accountsMigrations({ schema: accountsSchema }))),
        Layer.provideMerge(database.layer)
      )
    }
  })
]

export interface LedgerTarget {
  readonly name: string
  readonly postgres: boolean
  readonly layer: Layer.Layer<LedgerStore | SqlClient.SqlClient | PgStoreConfig>
}

/** The ledger store three ways; on Postgres in a fresh schema per suite. */
export const ledgerTargets = (): ReadonlyArray<LedgerTarget> => [
  {
    name: "in memory",
    postgres: false,
    layer: Layer.mergeAll(LedgerInMemory, noDatabase, PgStoreConfig.layer({ schema: "unused" }))
  },
  ...databases().map((database) => {
    const schema = freshSchema()
    const config = PgStoreConfig.layer({ schema })
    return {
      name: database.name,
      postgres: true,
      layer: Layer.mergeAll(PgLedgerStore().pipe(Layer.provide(config)), config).pipe(
        Layer.provideMerge(migratedSchema(ledgerMigrations({ schema }))),
        Layer.provideMerge(database.layer)
      )
    }
  })
]
