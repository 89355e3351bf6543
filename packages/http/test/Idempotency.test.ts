/**
 * The kit's `Idempotency-Key` middleware (Stripe's semantics) over a small app
 * that writes an order per request, on the Postgres server, on PGlite and in
 * memory: a retry replays the first answer byte for byte and writes nothing;
 * another body is 422; a key in use is 409; validation failures are not kept;
 * inside a unit of work an error answer rolls the handler's writes back.
 */
import { randomUUID } from "node:crypto"
import { connect } from "node:net"
import { HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { IdempotencyStore, UnitOfWork } from "@org/core"
import { PgDatabase, PgIdempotencyStore, PgUnitOfWork } from "@org/pg"
import { Context, DateTime, Deferred, Effect, Exit, Layer, Option, Ref, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeBodyGuard, makeIdempotency } from "../src/index.js"

/** Orders the app writes: in a table on Postgres, in a list in memory. */
class Orders extends Context.Tag("test/Orders")<
  Orders,
  {
    readonly add: (id: string, user: string, item: string) => Effect.Effect<void, unknown>
    readonly count: (user: string) => Effect.Effect<number, unknown>
  }
>() {}

/** Holds a request until the test lets it go (`item: "slow"`). */
class Gate extends Context.Tag("test/Gate")<Gate, Ref.Ref<Deferred.Deferred<void>>>() {}

const serverAnswers = await new Promise<boolean>((resolve) => {
  const socket = connect({ host: "127.0.0.1", port: 5432, timeout: 1000 })
  socket.once("connect", () => {
    socket.destroy()
    resolve(true)
  })
  socket.once("error", () => resolve(false))
  socket.once("timeout", () => resolve(false))
})

const pgOrders = (schema: string) =>
  Layer.effect(
    Orders,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const table = sql(`${schema}.orders`)
      yield* sql`CREATE SCHEMA IF NOT EXISTS ${sql(schema)}`
      yield* sql`CREATE TABLE ${table} (id text PRIMARY KEY, user_id text NOT NULL, item text NOT NULL)`
      return {
        add: (id, user, item) => Effect.asVoid(sql`INSERT INTO ${table} VALUES (${id}, ${user}, ${item})`),
        count: (user) =>
          Effect.map(
            sql<{ n: number }>`SELECT count(*)::int AS n FROM ${table} WHERE user_id = ${user}`,
            (rows) => rows[0]?.n ?? 0
          )
      }
    })
  )

const memoryOrders = Layer.sync(Orders, () => {
  const rows: Array<{ user: string }> = []
  return {
    add: (_id, user) => Effect.sync(() => void rows.push({ user })),
    count: (user) => Effect.sync(() => rows.filter((row) => row.user === user).length)
  }
})

const pgTarget = (name: string, database: Layer.Layer<SqlClient.SqlClient, unknown>) => {
  const schema = `t_idem_${randomUUID().slice(0, 8)}`
  return {
    name,
    rollsBack: true,
    layer: Layer.mergeAll(
      PgIdempotencyStore.layer({ schema: `${schema}_keys` }),
      PgUnitOfWork.layer,
      pgOrders(schema)
    ).pipe(Layer.provideMerge(Layer.orDie(database)), Layer.orDie)
  }
}

const targets = [
  ...(serverAnswers
    ? [pgTarget("postgres server", PgDatabase.layerUrl("postgres://postgres@127.0.0.1:5432/test"))]
    : []),
  pgTarget("embedded PGlite", PgDatabase.layerEmbedded()),
  {
    name: "in memory",
    rollsBack: false,
    layer: Layer.mergeAll(IdempotencyStore.layerMemory, UnitOfWork.layerLocal, memoryOrders)
  }
]

/**
 * The app: `POST /orders {item}` as user `x-user`. `item: ""` is a validation
 * failure (400, before anything is written); `item: "broke"` writes the order
 * and then answers 402, as a handler whose second step fails; `item: "slow"`
 * waits at the gate. `POST /call` is the same in `"separate"` mode.
 */
const app = Effect.gen(function* () {
  const request = yield* HttpServerRequest.HttpServerRequest
  const user = request.headers["x-user"] ?? "nobody"
  const { item } = (yield* Effect.orDie(request.json)) as { item: string }
  if (typeof item !== "string" || item === "")
    return HttpServerResponse.unsafeJson(
      { error: { code: "validation_error", message: "item is required" } },
      { status: 400 }
    )
  const orders = yield* Orders
  const id = randomUUID()
  yield* Effect.orDie(orders.add(id, user, item))
  if (item === "slow") yield* Effect.flatMap(Effect.flatMap(Gate, Ref.get), Deferred.await)
  if (item === "broke")
    return HttpServerResponse.unsafeJson(
      { error: { code: "insufficient_credits", message: "not enough credits" } },
      { status: 402 }
    )
  return HttpServerResponse.unsafeJson({ id, item, user }, { status: 201 })
})

const idempotency = makeIdempotency({
  mode: (_method, path) => (path === "/orders" ? "transaction" : path === "/call" ? "separate" : undefined),
  scope: (request) => Effect.succeed(Option.fromNullable(request.headers["x-user"])),
  abandonedAfter: "30 seconds"
})
const guard = makeBodyGuard({ jsonByDefault: true })

for (const target of targets) {
  describe(`Idempotency-Key: ${target.name}`, () => {
    let handler: (request: Request) => Promise<Response>
    let context: Context.Context<Orders | IdempotencyStore | UnitOfWork | Gate>
    let close: () => Promise<void>
    const run = <A, E>(effect: Effect.Effect<A, E, Orders | IdempotencyStore | UnitOfWork | Gate>) =>
      Effect.runPromise(Effect.provide(effect, context))

    beforeAll(async () => {
      const gate = Layer.effect(Gate, Effect.flatMap(Deferred.make<void>(), Ref.make))
      const built = await Effect.runPromise(
        Effect.gen(function* () {
          const scope = yield* Scope.make()
          const ctx = yield* Layer.buildWithScope(Layer.merge(target.layer, gate), scope)
          return { ctx, scope }
        })
      )
      context = built.ctx
      const runtime = await Effect.runPromise(
        Effect.provide(Effect.runtime<Orders | IdempotencyStore | UnitOfWork | Gate>(), context)
      )
      handler = HttpApp.toWebHandlerRuntime(runtime)(guard(idempotency(app)))
      close = () => Effect.runPromise(Scope.close(built.scope, Exit.void))
    }, 60_000)
    afterAll(() => close?.())

    const post = (path: string, user: string, body: unknown, key?: string) =>
      handler(
        new Request(`http://localhost${path}`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-user": user,
            ...(key === undefined ? {} : { "idempotency-key": key })
          },
          body: JSON.stringify(body)
        })
      )
    const count = (user: string) => run(Effect.flatMap(Orders, (orders) => orders.count(user)))

    it("a retry with the key replays the first answer byte for byte and writes nothing", async () => {
      const user = randomUUID()
      const first = await post("/orders", user, { item: "basic" }, "order-12345")
      const firstBody = await first.text()
      expect(first.status).toBe(201)
      expect(first.headers.get("idempotent-replayed")).toBeNull()
      // The same body spaced and ordered differently is the same request.
      const again = await handler(
        new Request("http://localhost/orders", {
          method: "POST",
          headers: { "x-user": user, "idempotency-key": "order-12345", "content-type": "application/json" },
          body: '{ "item" : "basic" }'
        })
      )
      expect(again.status).toBe(201)
      expect(again.headers.get("idempotent-replayed")).toBe("true")
      expect(again.headers.get("content-type")).toBe("application/json")
      expect(await again.text()).toBe(firstBody)
      expect(await count(user)).toBe(1)
      // Without a key every request is new.
      await post("/orders", user, { item: "basic" })
      await post("/orders", user, { item: "basic" })
      expect(await count(user)).toBe(3)
    })

    it("the same key with another body or path is 422 and writes nothing; keys are per caller", async () => {
      const user = randomUUID()
      expect((await post("/orders", user, { item: "basic" }, "k1")).status).toBe(201)
      const other = await post("/orders", user, { item: "premium" }, "k1")
      expect(other.status).toBe(422)
      expect(await other.json()).toMatchObject({ error: { code: "idempotency_key_reused" } })
      expect((await post("/call", user, { item: "basic" }, "k1")).status).toBe(422)
      expect(await count(user)).toBe(1)
      const someoneElse = randomUUID()
      expect((await post("/orders", someoneElse, { item: "basic" }, "k1")).status).toBe(201)
      expect(await count(someoneElse)).toBe(1)
    })

    it("a key that is not 1 to 255 visible characters is 400 and nothing runs", async () => {
      const user = randomUUID()
      for (const key of ["x".repeat(256), "tab\tkey", "na\u00efve"]) {
        const response = await post("/orders", user, { item: "basic" }, key)
        expect(response.status).toBe(400)
        expect(await response.json()).toMatchObject({ error: { code: "validation_error" } })
      }
      expect((await post("/orders", user, { item: "basic" }, "x".repeat(255))).status).toBe(201)
      expect(await count(user)).toBe(1)
    })

    it("a validation failure is not kept: the key then serves the corrected request", async () => {
      const user = randomUUID()
      expect((await post("/orders", user, { item: "" }, "k-valid")).status).toBe(400)
      const fixed = await post("/orders", user, { item: "basic" }, "k-valid")
      expect(fixed.status).toBe(201)
      expect(fixed.headers.get("idempotent-replayed")).toBeNull()
      expect(await count(user)).toBe(1)
    })

    it("50 concurrent requests with one key: one order, and every answer is the first's or 409 in progress", async () => {
      const user = randomUUID()
      const answers = await Promise.all(
        Array.from({ length: 50 }, () =>
          post("/orders", user, { item: "basic" }, "burst").then(async (r) => ({
            status: r.status,
            body: await r.text(),
            retryAfter: r.headers.get("retry-after")
          }))
        )
      )
      expect(await count(user)).toBe(1)
      const created = answers.filter((a) => a.status === 201)
      expect(created.length).toBeGreaterThanOrEqual(1)
      expect(new Set(created.map((a) => a.body)).size).toBe(1)
      for (const a of answers.filter((a) => a.status !== 201)) {
        expect(a.status).toBe(409)
        expect(a.retryAfter).toBe("1")
      }
      const later = await post("/orders", user, { item: "basic" }, "burst")
      expect(await later.text()).toBe(created[0]?.body)
    })

    it("a request still running answers 409 to a retry, then the retry gets its answer", async () => {
      const user = randomUUID()
      const first = post("/call", user, { item: "slow" }, "slow-key")
      await new Promise((resolve) => setTimeout(resolve, 50))
      const during = await post("/call", user, { item: "slow" }, "slow-key")
      expect(during.status).toBe(409)
      expect(await during.json()).toMatchObject({ error: { code: "idempotency_key_in_use" } })
      await run(Effect.flatMap(Effect.flatMap(Gate, Ref.get), (gate) => Deferred.succeed(gate, undefined)))
      const answered = await first
      const body = await answered.text()
      expect(answered.status).toBe(201)
      const after = await post("/call", user, { item: "slow" }, "slow-key")
      expect(await after.text()).toBe(body)
      expect(await count(user)).toBe(1)
    })

    if (target.rollsBack)
      it("inside a unit of work an error answer rolls the handler's writes back and is kept", async () => {
        const user = randomUUID()
        const refused = await post("/orders", user, { item: "broke" }, "k-broke")
        expect(refused.status).toBe(402)
        const body = await refused.text()
        expect(await count(user)).toBe(0)
        const replayed = await post("/orders", user, { item: "broke" }, "k-broke")
        expect(replayed.status).toBe(402)
        expect(replayed.headers.get("idempotent-replayed")).toBe("true")
        expect(await replayed.text()).toBe(body)
        expect(await count(user)).toBe(0)
      })

    it("a claim whose process died is taken over after abandonedAfter; old keys are pruned", async () => {
      const user = randomUUID()
      const longAgo = DateTime.unsafeMake(Date.now() - 60_000)
      await run(
        Effect.flatMap(IdempotencyStore, (store) =>
          store.claim(user, "orphan", "whatever", longAgo, DateTime.unsafeMake(0))
        )
      )
      const taken = await post("/call", user, { item: "basic" }, "orphan")
      expect(taken.status).toBe(201)
      expect(await count(user)).toBe(1)
      const removed = await run(
        Effect.flatMap(IdempotencyStore, (store) => store.prune(DateTime.unsafeMake(Date.now() + 60_000)))
      )
      expect(removed).toBeGreaterThanOrEqual(1)
      const fresh = await post("/call", user, { item: "basic" }, "orphan")
      expect(fresh.headers.get("idempotent-replayed")).toBeNull()
      expect(await count(user)).toBe(2)
    })
  })
}
