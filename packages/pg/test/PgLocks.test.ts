/**
 * Locks across processes: two independent `PgLocks` (as two processes would
 * have) never run the same key at once, and a lock whose holder died is taken
 * once its lease has passed.
 */
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { Duration, Effect, Ref } from "effect"
import { makePgLocks } from "../src/PgLocks.js"
import { PgStoreConfig } from "../src/PgStoreConfig.js"
import { storeTargets } from "./harness.js"

for (const target of storeTargets().filter((t) => t.postgres)) {
  layer(target.layer, { timeout: 60_000, excludeTestServices: true })(`PgLocks: ${target.name}`, (it) => {
    it.effect("two lock services on one database never hold the same key at once", () =>
      Effect.gen(function* () {
        const first = yield* makePgLocks({ maxPollInterval: "20 millis" })
        const second = yield* makePgLocks({ maxPollInterval: "20 millis" })
        const inside = yield* Ref.make(0)
        const overlaps = yield* Ref.make(0)
        const order: Array<number> = []
        const critical = (n: number) =>
          Effect.gen(function* () {
            const now = yield* Ref.updateAndGet(inside, (x) => x + 1)
            if (now > 1) yield* Ref.update(overlaps, (x) => x + 1)
            order.push(n)
            yield* Effect.sleep(Duration.millis(15))
            yield* Ref.update(inside, (x) => x - 1)
          })
        yield* Effect.forEach(
          Array.from({ length: 12 }, (_, n) => n),
          (n) => (n % 2 === 0 ? first : second).withLock("group:shared")(critical(n)),
          { concurrency: "unbounded" }
        )
        expect(yield* Ref.get(overlaps)).toBe(0)
        expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, n) => n))
        // Different keys do not wait for each other.
        const both = yield* Effect.all(
          [first.withLock("group:a")(Effect.succeed("a")), second.withLock("group:b")(Effect.succeed("b"))],
          { concurrency: "unbounded" }
        )
        expect(both).toEqual(["a", "b"])
      })
    )

    it.effect("a lock left by a holder that died is taken after its lease, not before", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const { schema } = yield* PgStoreConfig
        // A crashed holder: its row stays, nobody keeps it alive.
        yield* sql`
          INSERT INTO ${sql(`${schema}.locks`)} (key, owner, locked_until)
          VALUES ('group:orphan', gen_random_uuid(), now() + interval '300 milliseconds')`
        const locks = yield* makePgLocks({ maxPollInterval: "20 millis" })
        const waitedFor = yield* locks
          .withLock("group:orphan")(
            sql<{ left: number }>`
              SELECT count(*)::int AS left FROM ${sql(`${schema}.locks`)}
              WHERE key = 'group:orphan' AND locked_until > now() + interval '1 second'`
          )
          .pipe(Effect.map((rows) => rows[0]?.left))
        // Taken: the row is now ours, with a fresh lease.
        expect(waitedFor).toBe(1)
        const after = yield* sql`SELECT 1 FROM ${sql(`${schema}.locks`)} WHERE key = 'group:orphan'`
        expect(after).toHaveLength(0)
      })
    )
  })
}
