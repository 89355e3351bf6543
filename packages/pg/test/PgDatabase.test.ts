import { mkdtemp, readdir, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import { PgDatabase } from "../src/PgDatabase.js"
import { databases } from "./harness.js"

const version = Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ v: string }>`SELECT version() AS v`).pipe(
  Effect.map((rows) => rows[0]?.v ?? "")
)

const withConfig = (entries: Record<string, string>) =>
  Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(entries))))

describe("PgDatabase.layerConfig", () => {
  it.live(
    "without DATABASE_URL it runs embedded PGlite, persisted in PGLITE_DATA_DIR",
    () =>
      Effect.gen(function* () {
        const dir = yield* Effect.promise(() => mkdtemp(join(tmpdir(), "org-pg-")))
        const dataDir = join(dir, "nested", "pglite")
        const layer = PgDatabase.layerConfig().pipe(Layer.provide(withConfig({ PGLITE_DATA_DIR: dataDir })))
        // Write, close, reopen: the row is still there.
        yield* Effect.flatMap(SqlClient.SqlClient, (sql) =>
          Effect.zipRight(sql`CREATE TABLE kept (n int)`, sql`INSERT INTO kept VALUES (42)`)
        ).pipe(Effect.provide(layer))
        const kept = yield* Effect.flatMap(
          SqlClient.SqlClient,
          (sql) => sql<{ n: number }>`SELECT n FROM kept`
        ).pipe(Effect.provide(layer))
        expect(kept).toEqual([{ n: 42 }])
        expect((yield* Effect.promise(() => readdir(dataDir))).length).toBeGreaterThan(0)
        yield* Effect.promise(() => rm(dir, { recursive: true, force: true }))
      }),
    60_000
  )

  const server = databases().find((d) => d.name === "postgres server")
  if (server !== undefined) {
    it.live("with DATABASE_URL it connects to that server", () =>
      Effect.gen(function* () {
        const url = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"
        const v = yield* version.pipe(
          Effect.provide(PgDatabase.layerConfig().pipe(Layer.provide(withConfig({ DATABASE_URL: url }))))
        )
        // PGlite reports itself as PostgreSQL too, but not built by a C compiler for this machine.
        expect(v).toMatch(/^PostgreSQL \d+/)
        expect(v).not.toMatch(/emscripten|wasm/i)
      })
    )
  }
})
