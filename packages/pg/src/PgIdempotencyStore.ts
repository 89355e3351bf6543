/**
 * `IdempotencyStore` on Postgres, in a schema of its own (default
 * `idempotency`): one row per (scope, key) with the request's fingerprint and,
 * once completed, the answer. A claim takes a transaction-scoped advisory lock
 * on the key first, without waiting: a claim made inside a unit of work holds
 * it until that unit commits, so a second request with the key answers "in
 * progress" at once instead of waiting on the first one's row.
 */
import { SqlClient } from "@effect/sql"
import { type ClaimResult, IdempotencyStore, type StoredAnswer } from "@org/core"
import { DateTime, Effect, Layer } from "effect"
import { checkSchemaName, type DomainMigrations, runMigrations } from "./Migrations.js"
import { storeFailures } from "./StoreErrors.js"

/** The idempotency keys' migrations, for a schema (default `idempotency`). */
export const idempotencyMigrations = (options: { readonly schema?: string } = {}): DomainMigrations => {
  const schema = checkSchemaName(options.schema ?? "idempotency")
  return {
    domain: "idempotency",
    schema,
    migrations: {
      "0001_initial": Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const keys = sql(`${schema}.keys`)
        yield* sql`
          CREATE TABLE ${keys} (
            scope text NOT NULL,
            key text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
            fingerprint text NOT NULL,
            created_at timestamptz NOT NULL,
            status integer CHECK (status BETWEEN 100 AND 599),
            content_type text,
            body bytea,
            completed_at timestamptz,
            PRIMARY KEY (scope, key),
            CHECK ((status IS NULL) = (completed_at IS NULL) AND (status IS NULL) = (body IS NULL))
          )`
        yield* sql`CREATE INDEX keys_created_idx ON ${keys} (created_at)`
      })
    }
  }
}

interface KeyRow {
  readonly fingerprint: string
  readonly status: number | null
  readonly content_type: string | null
  readonly body: Uint8Array | null
}

export const makePgIdempotencyStore = (schema: string) =>
  Effect.map(SqlClient.SqlClient, (sql) => {
    const keys = sql(`${checkSchemaName(schema)}.keys`)
    return IdempotencyStore.of({
      claim: (scope, key, fingerprint, now, staleBefore) =>
        storeFailures(
          Effect.gen(function* () {
            const [attempt] = yield* sql<{ locked: boolean; claimed: boolean }>`
              WITH lock AS (
                SELECT pg_try_advisory_xact_lock(hashtextextended(${scope} || ':' || ${key}, 7001)) AS ok
              ), ins AS (
                INSERT INTO ${keys} (scope, key, fingerprint, created_at)
                SELECT ${scope}, ${key}, ${fingerprint}, ${DateTime.toDate(now)} FROM lock WHERE ok
                ON CONFLICT (scope, key) DO UPDATE
                  SET fingerprint = EXCLUDED.fingerprint, created_at = EXCLUDED.created_at
                  WHERE ${keys}.completed_at IS NULL AND ${keys}.created_at < ${DateTime.toDate(staleBefore)}
                RETURNING 1
              )
              SELECT (SELECT ok FROM lock) AS locked, EXISTS (SELECT 1 FROM ins) AS claimed`
            if (attempt?.locked !== true) return { _tag: "InProgress" } satisfies ClaimResult
            if (attempt.claimed) return { _tag: "Claimed" } satisfies ClaimResult
            const [row] = yield* sql<KeyRow>`
              SELECT fingerprint, status, content_type, body FROM ${keys} WHERE scope = ${scope} AND key = ${key}`
            if (row === undefined || row.status === null || row.body === null)
              return { _tag: "InProgress" } satisfies ClaimResult
            return {
              _tag: "Completed",
              fingerprint: row.fingerprint,
              answer: {
                status: row.status,
                contentType: row.content_type ?? "",
                body: new Uint8Array(row.body)
              }
            } satisfies ClaimResult
          })
        ),
      complete: (scope, key, answer: StoredAnswer, now) =>
        storeFailures(
          Effect.asVoid(sql`
            UPDATE ${keys} SET status = ${answer.status}, content_type = ${answer.contentType},
              body = ${answer.body}, completed_at = ${DateTime.toDate(now)}
            WHERE scope = ${scope} AND key = ${key}`)
        ),
      release: (scope, key) =>
        storeFailures(Effect.asVoid(sql`DELETE FROM ${keys} WHERE scope = ${scope} AND key = ${key}`)),
      prune: (before) =>
        storeFailures(
          Effect.map(
            sql<{ n: number }>`
              WITH gone AS (DELETE FROM ${keys} WHERE created_at < ${DateTime.toDate(before)} RETURNING 1)
              SELECT count(*)::int AS n FROM gone`,
            (rows) => rows[0]?.n ?? 0
          )
        )
    })
  })

export const PgIdempotencyStore = {
  /** The store in `schema` (default `idempotency`), migrated at start unless `migrate: false`. */
  layer: (options: { readonly schema?: string; readonly migrate?: boolean } = {}) => {
    const migrations = idempotencyMigrations(options.schema === undefined ? {} : { schema: options.schema })
    const store = Layer.effect(IdempotencyStore, makePgIdempotencyStore(migrations.schema))
    return options.migrate === false
      ? store
      : Layer.provide(store, Layer.effectDiscard(runMigrations(migrations)))
  }
}
