/**
 * The database connection: a Postgres server at a URL, or embedded PGlite
 * (WASM Postgres persisted to a directory) served over the wire protocol on
 * loopback, so that `@effect/sql-pg` and every query run unchanged on both.
 */

import type { SqlClient, SqlError } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { PGlite } from "@electric-sql/pglite"
import { PGLiteSocketServer } from "@electric-sql/pglite-socket"
import { Config, type ConfigError, Effect, Layer, Option, Redacted } from "effect"
import { EmbeddedDatabaseError, lockDataDir } from "./DataDirLock.js"

export { EmbeddedDatabaseError }

export interface EmbeddedOptions {
  /** Where PGlite keeps its files; omit for an in-memory database (gone at exit). */
  readonly dataDir?: string
}

/**
 * Connections of the embedded server, and of the pool in front of it: one. PGlite
 * is a single Postgres session; its socket server runs each connection's messages
 * in turn, and under load it can run one connection's messages between the parts
 * of another's extended-protocol query (seen as `portal "" does not exist`, and
 * worse, a query answered with another's rows). One connection keeps every query
 * whole; a second would add nothing but that risk, since the session runs one
 * statement at a time anyway.
 */
const EMBEDDED_SERVER_CONNECTIONS = 8
const EMBEDDED_POOL = 1

/**
 * PGlite, served on a free loopback port for the life of the scope; returns its
 * URL. A data directory is locked for this process first (`lockDataDir`): a
 * second process on it fails at once with a message that names the holder.
 */
export const startEmbeddedPostgres = (options: EmbeddedOptions = {}) =>
  Effect.gen(function* () {
    if (options.dataDir !== undefined)
      yield* Effect.acquireRelease(lockDataDir(options.dataDir), (lock) => Effect.sync(lock.release))
    const db = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => PGlite.create(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
        catch: (cause) =>
          new EmbeddedDatabaseError({
            message: `the embedded database could not start in ${options.dataDir ?? "memory"}: ${String(cause)}`,
            cause
          })
      }),
      (db) => Effect.promise(() => db.close())
    )
    const server = yield* Effect.acquireRelease(
      Effect.promise(async () => {
        const server = new PGLiteSocketServer({
          db,
          host: "127.0.0.1",
          port: 0,
          maxConnections: EMBEDDED_SERVER_CONNECTIONS
        })
        await server.start()
        return server
      }),
      (server) => Effect.promise(() => server.stop())
    )
    return `postgres://postgres@${server.getServerConn()}/postgres`
  })

/** Which database the configuration asks for: a server when `DATABASE_URL` is set, else embedded. */
export const databaseConfig = Config.all({
  url: Config.option(Config.redacted("DATABASE_URL")),
  dataDir: Config.string("PGLITE_DATA_DIR").pipe(Config.withDefault("./data/pglite"))
})

export const PgDatabase = {
  /**
   * The default: the server at `DATABASE_URL` when it is set, otherwise embedded
   * PGlite persisted in `PGLITE_DATA_DIR` (default `./data/pglite`).
   */
  layerConfig: (): Layer.Layer<
    PgClient.PgClient | SqlClient.SqlClient,
    SqlError.SqlError | EmbeddedDatabaseError | ConfigError.ConfigError
  > =>
    Layer.unwrapEffect(
      Effect.map(databaseConfig, ({ url, dataDir }) =>
        Option.match(url, {
          onSome: (value) => PgDatabase.layerUrl(Redacted.value(value)),
          onNone: () => PgDatabase.layerEmbedded({ dataDir })
        })
      )
    ),
  /** A Postgres server, e.g. `postgres://user:pass@host:5432/db`. */
  layerUrl: (url: string): Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, SqlError.SqlError> =>
    PgClient.layer({ url: Redacted.make(url), applicationName: "org-media-sdk" }),
  /**
   * Embedded PGlite: one process only (it is a single Postgres session; advisory
   * locks do not exclude between its connections).
   */
  layerEmbedded: (
    options: EmbeddedOptions = {}
  ): Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, SqlError.SqlError | EmbeddedDatabaseError> =>
    Layer.unwrapScoped(
      Effect.map(startEmbeddedPostgres(options), (url) =>
        PgClient.layer({ url: Redacted.make(url), maxConnections: EMBEDDED_POOL })
      )
    )
}
