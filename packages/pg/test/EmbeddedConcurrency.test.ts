/**
 * Embedded PGlite under concurrent queries: each answer is its own query's.
 * (Its socket server once ran one connection's messages between the parts of
 * another's query: `portal "" does not exist`, or another query's rows.)
 */
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { PgDatabase } from "../src/PgDatabase.js"

layer(Layer.orDie(PgDatabase.layerEmbedded()), { timeout: 120_000 })("embedded PGlite", (it) => {
  it.effect("2,000 concurrent parameterized queries and transactions each get their own answer", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE concurrency_probe (id int PRIMARY KEY, payload text NOT NULL)`
      const results = yield* Effect.forEach(
        Array.from({ length: 2000 }, (_, i) => i),
        (i) =>
          i % 4 === 0
            ? sql
                .withTransaction(
                  Effect.gen(function* () {
                    yield* sql`INSERT INTO concurrency_probe ${sql.insert({ id: i, payload: "x".repeat(i % 500) + i })}`
                    return yield* sql<{ id: number }>`SELECT id FROM concurrency_probe WHERE id = ${i}`
                  })
                )
                .pipe(Effect.map((rows) => [i, rows[0]?.id] as const))
            : sql<{
                n: number
                echo: string
              }>`SELECT ${i}::int AS n, repeat('y', ${i % 700}) || ${String(i)} AS echo`.pipe(
                Effect.map((rows) => [i, rows[0]?.n] as const)
              ),
        { concurrency: "unbounded" }
      )
      expect(results.filter(([asked, answered]) => asked !== answered)).toEqual([])
    })
  )
})
