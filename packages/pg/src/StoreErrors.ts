/**
 * What a store answers when the database fails. A query the database refuses
 * (a syntax error, a broken constraint nobody expected) is a bug: a defect. A
 * database that cannot be reached, or drops the connection, or has no
 * connection left, is expected in production: `StoreUnavailable`, which the
 * APIs answer 503 with `Retry-After`.
 */
import type { SqlError } from "@effect/sql"
import { StoreUnavailable } from "@org/core"
import { Effect } from "effect"

/** Seconds a client is told to wait when the database does not answer. */
export const RETRY_AFTER_SECONDS = 5

/**
 * SQLSTATE classes of unavailability: 08 connection exceptions, 53 insufficient
 * resources, 57 operator intervention (shutdown, cancel). An error without a
 * SQLSTATE comes from the client (a refused or dropped socket, a timeout).
 */
export const isUnavailability = (error: SqlError.SqlError): boolean => {
  const code = (error.cause as { code?: unknown } | undefined)?.code
  if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return /^(08|53|57)/.test(code)
  return true
}

const isSqlError = (error: unknown): error is SqlError.SqlError =>
  typeof error === "object" && error !== null && (error as { _tag?: unknown })._tag === "SqlError"

/** `StoreUnavailable` for unavailability, a defect for any other `SqlError`; other errors pass. */
export const storeFailures = <A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, Exclude<E, SqlError.SqlError> | StoreUnavailable, R> =>
  Effect.catchAll(
    effect,
    (error): Effect.Effect<never, Exclude<E, SqlError.SqlError> | StoreUnavailable> =>
      isSqlError(error)
        ? isUnavailability(error)
          ? Effect.fail(new StoreUnavailable({ retryAfterSeconds: RETRY_AFTER_SECONDS }))
          : Effect.die(error)
        : Effect.fail(error as Exclude<E, SqlError.SqlError>)
  )
