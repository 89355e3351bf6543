/**
 * A store whose database cannot be reached answers `StoreUnavailable` (an API's
 * 503), and does so promptly; a query the database refuses stays a defect.
 */
import { randomUUID } from "node:crypto"
import { connect, createServer, type Socket } from "node:net"
import { SqlClient, SqlError } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { UserId, UserStore } from "@org/accounts"
import { Cause, Context, Effect, Exit, Layer, Option } from "effect"
import { accountsMigrations } from "../src/accounts/Migrations.js"
import { PgAccountsStores } from "../src/accounts/PgAccountsStores.js"
import { runMigrations } from "../src/Migrations.js"
import { PgDatabase, startEmbeddedPostgres } from "../src/PgDatabase.js"
import { PgStoreConfig } from "../src/PgStoreConfig.js"
import { storeFailures } from "../src/StoreErrors.js"

/** A TCP proxy on loopback to `target`, which the test can cut: it stops listening and drops every connection. */
const cuttableProxy = (target: URL) =>
  Effect.acquireRelease(
    Effect.promise(
      () =>
        new Promise<{ readonly port: number; readonly cut: () => void }>((resolve) => {
          const sockets = new Set<Socket>()
          const server = createServer((client) => {
            const upstream = connect(Number(target.port), target.hostname)
            sockets.add(client).add(upstream)
            client.pipe(upstream).pipe(client)
            for (const socket of [client, upstream]) socket.on("error", () => socket.destroy())
          }).listen(0, "127.0.0.1", () => {
            const address = server.address()
            resolve({
              port: typeof address === "object" && address !== null ? address.port : 0,
              cut: () => {
                server.close()
                for (const socket of sockets) socket.destroy()
              }
            })
          })
        })
    ),
    (proxy) => Effect.sync(proxy.cut)
  )

describe("a store whose database goes away", () => {
  it.scoped("answers StoreUnavailable with a retry delay, not a defect", () =>
    Effect.gen(function* () {
      const embedded = new URL(yield* startEmbeddedPostgres())
      const proxy = yield* cuttableProxy(embedded)
      const url = `postgres://postgres@127.0.0.1:${proxy.port}/postgres`
      const stores = yield* Layer.build(
        PgAccountsStores.pipe(
          Layer.provideMerge(PgStoreConfig.layer({ schema: "accounts" })),
          Layer.provideMerge(Layer.orDie(PgDatabase.layerUrl(url)))
        )
      )
      const users = Context.get(stores, UserStore)
      yield* Effect.provide(runMigrations(accountsMigrations()), stores)
      expect(Option.isNone(yield* users.findUser(UserId.make(randomUUID())))).toBe(true)
      proxy.cut()
      const exit = yield* Effect.exit(
        users.findUser(UserId.make(randomUUID())).pipe(Effect.timeout("20 seconds"))
      )
      expect(Exit.isFailure(exit) && Cause.failureOption(exit.cause)).toMatchObject({
        _tag: "Some",
        value: { _tag: "StoreUnavailable", retryAfterSeconds: 5 }
      })
    })
  )

  it.effect("a query the database refuses is a defect (a bug), not unavailability", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(
        storeFailures(
          Effect.flatMap(SqlClient.SqlClient, (sql) => sql`SELECT * FROM no_such_table_here`)
        ).pipe(Effect.provide(Layer.orDie(PgDatabase.layerEmbedded())))
      )
      expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
      void SqlError
    })
  )
})
