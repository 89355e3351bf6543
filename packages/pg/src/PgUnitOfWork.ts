/**
 * `UnitOfWork` on Postgres: a transaction. Every store call made inside it
 * runs on the transaction's connection (the SQL client carries it in the
 * fiber's context), so a unit's writes across domains commit together or not
 * at all; a unit inside a unit is a savepoint.
 */
import { SqlClient } from "@effect/sql"
import { UnitOfWork } from "@org/core"
import { Effect, Layer } from "effect"
import { storeFailures } from "./StoreErrors.js"

export const PgUnitOfWork = {
  layer: Layer.effect(
    UnitOfWork,
    Effect.map(SqlClient.SqlClient, (sql) =>
      UnitOfWork.of({
        atomically: (effect) => storeFailures(sql.withTransaction(effect)),
        rollsBack: true
      })
    )
  ) satisfies Layer.Layer<UnitOfWork, never, SqlClient.SqlClient>
}
