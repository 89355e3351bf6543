/**
 * Each domain in a schema of its own: an app migrates the domains it uses and
 * no other, and a database made before the split (the prune tables inside the
 * family-scrobbling schema) is moved on the first start, nothing lost, nothing
 * duplicated, and a second run does nothing. On the Postgres server and PGlite.
 */
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import type { NewUser } from "@org/prune"
import { PruneStore } from "@org/prune"
import { Effect, Exit, Layer, Option } from "effect"
import { familyScrobbleMigrations } from "../src/family-scrobble/Migrations.js"
import { runMigrations } from "../src/Migrations.js"
import { PgStoreConfig } from "../src/PgStoreConfig.js"
import { createPruneTables, pruneMigrations, pruneTables } from "../src/prune/Migrations.js"
import { PgPruneStore } from "../src/prune/PgPruneStore.js"
import { PrunePg } from "../src/prune/PrunePg.js"
import { at } from "./fixtures.js"
import { databases, dropSchema, freshSchema } from "./harness.js"

const newUser = (id: string): NewUser => ({
  userId: id,
  username: `user-${id}`,
  email: `${id}@example.com`,
  kind: "friend",
  joinedAt: Option.some(at(1))
})

/** The tables of a schema, by name. */
const tablesOf = (schema: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ readonly name: string }>`
      SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = ${schema} ORDER BY table_name`.pipe(Effect.map((rows) => rows.map((r) => r.name)))
  )

/** Every row of every prune table of a schema, in a stable order, as plain JSON. */
const pruneRows = (schema: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const out: Record<string, unknown> = {}
    for (const table of pruneTables) {
      const rows = yield* sql<{ readonly row: unknown }>`
        SELECT to_jsonb(t) AS row FROM ${sql(`${schema}.${table}`)} t ORDER BY to_jsonb(t)::text`
      out[table] = rows.map((r) => r.row)
    }
    return out
  })

/**
 * A database as the code before the split made it: every migration in one
 * schema, the prune tables (`0006_prune`) with the family-scrobbling ones, and
 * rows in each prune table written by the store itself.
 */
const legacyDatabase = (legacy: string) =>
  Effect.gen(function* () {
    yield* runMigrations(familyScrobbleMigrations({ schema: legacy }))
    yield* createPruneTables(legacy)
    yield* Effect.gen(function* () {
      const store = yield* PruneStore
      yield* store.initialize([newUser("1"), newUser("2"), newUser("3")], at(10))
      yield* store.recordNewUsers([newUser("4")], at(20), true)
      yield* store.markWarned("1", at(30))
      yield* store.markRemoved("2", at(40))
      yield* store.acquireLease("inactivity", "process-a", at(50), at(500))
      yield* store.raiseAlert("plex.tv", at(60))
      yield* store.appendAudit([
        {
          at: at(70),
          dryRun: false,
          pass: "inactivity",
          userId: "1",
          username: "user-1",
          action: "warn",
          outcome: "done",
          reason: "inactive for 27 days"
        },
        {
          at: at(71),
          dryRun: true,
          pass: "new-users",
          userId: undefined,
          username: undefined,
          action: "cycle",
          outcome: "planned",
          reason: "one pass"
        }
      ])
    }).pipe(Effect.provide(PgPruneStore.layer.pipe(Layer.provide(PgStoreConfig.layer({ schema: legacy })))))
  })

for (const database of databases()) {
  layer(database.layer, { timeout: 120_000 })(`domain schemas: ${database.name}`, (it) => {
    it.effect("a domain's migrations create its tables in its own schema and nothing else", () =>
      Effect.gen(function* () {
        const fs = freshSchema()
        const pr = freshSchema()
        const applied = yield* runMigrations([
          familyScrobbleMigrations({ schema: fs }),
          pruneMigrations({ schema: pr })
        ])
        expect(applied["family-scrobble"]?.length).toBe(8)
        expect(applied.prune).toEqual([[1, "prune"]])
        expect(yield* tablesOf(pr)).toEqual(["migrations", ...[...pruneTables].sort()])
        const family = yield* tablesOf(fs)
        expect(family).toContain("family_groups")
        expect(family.filter((t) => t.startsWith("prune_"))).toEqual([])
        // Again: nothing to do.
        expect(
          yield* runMigrations([familyScrobbleMigrations({ schema: fs }), pruneMigrations({ schema: pr })])
        ).toEqual({ "family-scrobble": [], prune: [] })
        yield* dropSchema(fs)
        yield* dropSchema(pr)
      })
    )

    it.effect("two domains in one schema are refused before anything is created", () =>
      Effect.gen(function* () {
        const shared = freshSchema()
        const exit = yield* Effect.exit(
          runMigrations([familyScrobbleMigrations({ schema: shared }), pruneMigrations({ schema: shared })])
        )
        expect(Exit.isFailure(exit)).toBe(true)
        expect(String(Exit.isFailure(exit) ? exit.cause : "")).toContain(`both use the schema "${shared}"`)
        expect(yield* tablesOf(shared)).toEqual([])
      })
    )

    it.effect(
      "a database made before the split: the prune tables move with every row, once, and the store reads them",
      () =>
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const legacy = freshSchema()
          const target = freshSchema()
          yield* legacyDatabase(legacy)
          const before = yield* pruneRows(legacy)
          for (const table of pruneTables)
            expect((before[table] as ReadonlyArray<unknown>).length).toBeGreaterThan(0)

          const store = PrunePg.layer({ schema: target, legacySchema: legacy })
          const users = yield* Effect.flatMap(PruneStore, (s) => s.users).pipe(Effect.provide(store))
          expect([...users.keys()].sort()).toEqual(["1", "2", "3", "4"])

          // Every row, as it was; none left behind; the scrobbling tables untouched.
          expect(yield* pruneRows(target)).toEqual(before)
          const left = yield* tablesOf(legacy)
          expect(left.filter((t) => t.startsWith("prune_"))).toEqual([])
          expect(left).toContain("family_groups")
          expect(left).toContain("webhook_inbox")

          // The sequences came along: a new user is numbered after the moved ones.
          yield* Effect.flatMap(PruneStore, (s) => s.recordNewUsers([newUser("5")], at(80), true)).pipe(
            Effect.provide(store)
          )
          const positions = yield* sql<{ readonly user_id: string; readonly position: string }>`
            SELECT user_id, position::text FROM ${sql(`${target}.prune_users`)} ORDER BY position`
          expect(positions.map((r) => r.user_id)).toEqual(["1", "2", "3", "4", "5"])

          // A second start (and a third) moves and creates nothing.
          const again = yield* runMigrations(pruneMigrations({ schema: target, legacySchema: legacy }))
          expect(again).toEqual({ prune: [] })
          yield* Effect.flatMap(PruneStore, (s) => s.users).pipe(Effect.provide(store))
          const after = yield* pruneRows(target)
          expect((after.prune_users as ReadonlyArray<unknown>).length).toBe(5)
          expect(after.prune_audit).toEqual(before.prune_audit)

          // The family-scrobbling migrations of the old database have nothing left to do.
          expect(yield* runMigrations(familyScrobbleMigrations({ schema: legacy }))).toEqual({
            "family-scrobble": []
          })
          yield* dropSchema(legacy)
          yield* dropSchema(target)
        })
    )

    it.effect("a prune schema of your own choosing takes nothing from the old place unless you name it", () =>
      Effect.gen(function* () {
        const legacy = freshSchema()
        yield* legacyDatabase(legacy)
        const other = freshSchema()
        yield* runMigrations(pruneMigrations({ schema: other }))
        // Fresh, empty tables in the new schema; the old ones where they were.
        expect((yield* pruneRows(other)).prune_users).toEqual([])
        expect(((yield* pruneRows(legacy)).prune_users as ReadonlyArray<unknown>).length).toBe(4)
        yield* dropSchema(legacy)
        yield* dropSchema(other)
      })
    )
  })
}
