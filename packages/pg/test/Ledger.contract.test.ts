/**
 * One contract for `@org/ledger`'s store, in memory, on the Postgres server and
 * on PGlite: double entry, no overdraft however many debits race, transfer ids
 * as idempotency keys, linked groups all or none, reversals once.
 */
import { randomBytes } from "node:crypto"
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import {
  balanceOf,
  historyOf,
  historyPage,
  LedgerStore,
  openAccount,
  reverse,
  sumsByKind,
  type TransferId,
  type TransferToPost,
  transfer,
  transferLinked
} from "@org/ledger"
import { DateTime, Effect, Either, Option } from "effect"
import { PgStoreConfig } from "../src/PgStoreConfig.js"
import { ledgerTargets } from "./harness.js"

/** Accounts of their own for each test: the Postgres schema is shared by the suite. */
const fixture = Effect.gen(function* () {
  const p = randomBytes(4).toString("hex")
  const ids = {
    issuance: `issuance:${p}`,
    revenue: `revenue:${p}`,
    alex: `credits:alex-${p}`,
    bea: `credits:bea-${p}`
  }
  yield* openAccount({ id: ids.issuance, kind: "issuance" })
  yield* openAccount({ id: ids.revenue, kind: "revenue" })
  yield* openAccount({ id: ids.alex, kind: "reseller_credits", debitsMustNotExceedCredits: true })
  yield* openAccount({ id: ids.bea, kind: "reseller_credits", debitsMustNotExceedCredits: true })
  const grant = (id: string, amount: number, to = ids.alex) =>
    transfer({
      id: `${p}:${id}`,
      debitAccountId: ids.issuance,
      creditAccountId: to,
      amount,
      kind: "grant",
      description: "credits"
    })
  const spend = (id: string, amount: number, from = ids.alex) =>
    transfer({
      id: `${p}:${id}`,
      debitAccountId: from,
      creditAccountId: ids.revenue,
      amount,
      kind: "client_creation"
    })
  return { p, ids, grant, spend, id: (name: string) => `${p}:${name}` }
})

for (const target of ledgerTargets()) {
  layer(target.layer, { timeout: 120_000 })(`LedgerStore contract: ${target.name}`, (it) => {
    it.effect("credits move between accounts and each transfer writes two entries that balance", () =>
      Effect.gen(function* () {
        const f = yield* fixture
        expect(yield* f.grant("g1", 10_000)).toMatchObject({ _tag: "Created", debitBalanceAfter: -10_000 })
        expect(yield* f.spend("s1", 499)).toMatchObject({ _tag: "Created", debitBalanceAfter: 9_501 })
        expect(yield* balanceOf(f.ids.alex)).toMatchObject({
          balance: 9_501,
          creditsPosted: 10_000,
          debitsPosted: 499,
          version: 2
        })
        expect((yield* balanceOf(f.ids.issuance)).balance).toBe(-10_000)
        expect((yield* balanceOf(f.ids.revenue)).balance).toBe(499)
        const page = yield* historyOf(f.ids.alex)
        expect(
          page.entries.map((e) => [e.transferId, e.amount, e.balanceAfter, e.counterpartyId, e.kind])
        ).toEqual([
          [f.id("s1"), -499, 9_501, f.ids.revenue, "client_creation"],
          [f.id("g1"), 10_000, 10_000, f.ids.issuance, "grant"]
        ])
      })
    )

    it.effect("a flagged account is never overdrawn, and the failed id stays failed", () =>
      Effect.gen(function* () {
        const f = yield* fixture
        yield* f.grant("g1", 500)
        expect(yield* Effect.flip(f.spend("s1", 501))).toMatchObject({
          _tag: "ExceedsCredits",
          transferId: f.id("s1"),
          accountId: f.ids.alex,
          balance: 500,
          amount: 501
        })
        yield* f.grant("g2", 1_000)
        expect(yield* Effect.flip(f.spend("s1", 501))).toMatchObject({
          _tag: "TransferAlreadyFailed",
          reason: "exceeds_credits"
        })
        yield* f.spend("s2", 1_500)
        expect((yield* balanceOf(f.ids.alex)).balance).toBe(0)
        expect((yield* Effect.flip(f.spend("s3", 1)))._tag).toBe("ExceedsCredits")
      })
    )

    it.effect("the same id and payload answers the original; another payload names each difference", () =>
      Effect.gen(function* () {
        const f = yield* fixture
        const first = yield* f.grant("g1", 10_000)
        const again = yield* f.grant("g1", 10_000)
        expect(again._tag).toBe("Exists")
        expect(again.transfer).toEqual(first.transfer)
        const conflict = yield* Effect.flip(f.grant("g1", 20_000, f.ids.bea))
        expect(conflict).toMatchObject({ _tag: "TransferConflict", transferId: f.id("g1") })
        if (conflict._tag === "TransferConflict")
          expect(conflict.differences).toEqual([
            { field: "credit_account_id", existing: f.ids.alex, requested: f.ids.bea },
            { field: "amount", existing: "10000", requested: "20000" }
          ])
        expect((yield* balanceOf(f.ids.alex)).version).toBe(1)
        expect((yield* balanceOf(f.ids.bea)).version).toBe(0)
      })
    )

    it.effect("linked transfers apply all together or not at all", () =>
      Effect.gen(function* () {
        const f = yield* fixture
        yield* f.grant("g1", 100)
        const refused = yield* Effect.flip(
          transferLinked([
            {
              id: f.id("m1"),
              debitAccountId: f.ids.alex,
              creditAccountId: f.ids.bea,
              amount: 60,
              kind: "move"
            },
            {
              id: f.id("m2"),
              debitAccountId: f.ids.alex,
              creditAccountId: f.ids.revenue,
              amount: 60,
              kind: "fee"
            }
          ])
        )
        expect(refused).toMatchObject({ _tag: "ExceedsCredits", transferId: f.id("m2"), balance: 40 })
        expect((yield* balanceOf(f.ids.alex)).balance).toBe(100)
        expect((yield* balanceOf(f.ids.bea)).balance).toBe(0)
        const store = yield* LedgerStore
        expect(Option.isNone(yield* store.findTransfer(f.id("m1") as TransferId))).toBe(true)
        const ok = yield* transferLinked([
          {
            id: f.id("m1"),
            debitAccountId: f.ids.alex,
            creditAccountId: f.ids.bea,
            amount: 60,
            kind: "move"
          },
          {
            id: f.id("m3"),
            debitAccountId: f.ids.alex,
            creditAccountId: f.ids.revenue,
            amount: 40,
            kind: "fee"
          }
        ])
        expect(ok.map((r) => r._tag)).toEqual(["Created", "Created"])
        // Posted again: the group answers the originals and changes nothing.
        const replay = yield* transferLinked([
          {
            id: f.id("m1"),
            debitAccountId: f.ids.alex,
            creditAccountId: f.ids.bea,
            amount: 60,
            kind: "move"
          },
          {
            id: f.id("m3"),
            debitAccountId: f.ids.alex,
            creditAccountId: f.ids.revenue,
            amount: 40,
            kind: "fee"
          }
        ])
        expect(replay.map((r) => r._tag)).toEqual(["Exists", "Exists"])
        expect((yield* balanceOf(f.ids.alex)).balance).toBe(0)
        expect((yield* balanceOf(f.ids.bea)).balance).toBe(60)
        // A group naming an unknown account posts nothing.
        expect(
          yield* Effect.flip(
            transferLinked([
              {
                id: f.id("x1"),
                debitAccountId: f.ids.issuance,
                creditAccountId: f.ids.bea,
                amount: 5,
                kind: "grant"
              },
              {
                id: f.id("x2"),
                debitAccountId: f.ids.issuance,
                creditAccountId: "credits:nobody",
                amount: 5,
                kind: "grant"
              }
            ])
          )
        ).toMatchObject({ _tag: "LedgerAccountNotFound", accountId: "credits:nobody" })
        expect((yield* balanceOf(f.ids.bea)).balance).toBe(60)
      })
    )

    it.effect("a reversal undoes a transfer once, and cannot overdraw", () =>
      Effect.gen(function* () {
        const f = yield* fixture
        yield* f.grant("g1", 1_000)
        yield* f.grant("g2", 300)
        const undone = yield* reverse({ id: f.id("u2"), transferId: f.id("g2") })
        expect(undone.transfer).toMatchObject({
          debitAccountId: f.ids.alex,
          creditAccountId: f.ids.issuance,
          amount: 300,
          kind: "reversal",
          reverses: Option.some(f.id("g2"))
        })
        expect((yield* reverse({ id: f.id("u2"), transferId: f.id("g2") }))._tag).toBe("Exists")
        expect(yield* Effect.flip(reverse({ id: f.id("u2b"), transferId: f.id("g2") }))).toMatchObject({
          _tag: "AlreadyReversed",
          reversalId: f.id("u2")
        })
        yield* f.spend("s1", 900)
        expect((yield* Effect.flip(reverse({ id: f.id("u1"), transferId: f.id("g1") })))._tag).toBe(
          "ExceedsCredits"
        )
        expect((yield* balanceOf(f.ids.alex)).balance).toBe(100)
      })
    )

    it.effect("history pages newest first by cursor and by page; sums by kind over a period", () =>
      Effect.gen(function* () {
        const f = yield* fixture
        const store = yield* LedgerStore
        const at = (day: number) => DateTime.unsafeMake(Date.UTC(2026, 0, 1 + day))
        const post = (id: string, debit: string, credit: string, amount: number, kind: string, day: number) =>
          store.post(
            [
              {
                id: f.id(id) as TransferId,
                debitAccountId: debit as TransferToPost["debitAccountId"],
                creditAccountId: credit as TransferToPost["creditAccountId"],
                amount,
                kind,
                description: "",
                reverses: Option.none()
              }
            ],
            at(day)
          )
        yield* post("g1", f.ids.issuance, f.ids.alex, 1_000, "grant", 0)
        for (let i = 1; i <= 7; i++)
          yield* post(`s${i}`, f.ids.alex, f.ids.revenue, 10 * i, "client_creation", i * 5)
        yield* post("g2", f.ids.issuance, f.ids.alex, 50, "grant", 40)
        const seen: Array<string> = []
        let cursor: string | undefined
        for (;;) {
          const page = yield* historyOf(
            f.ids.alex,
            cursor === undefined ? { limit: 4 } : { limit: 4, cursor }
          )
          expect(page.total).toBe(9)
          seen.push(...page.entries.map((e) => e.transferId.slice(f.p.length + 1)))
          if (Option.isNone(page.nextCursor)) break
          cursor = page.nextCursor.value
        }
        expect(seen).toEqual(["g2", "s7", "s6", "s5", "s4", "s3", "s2", "s1", "g1"])
        const second = yield* historyPage(f.ids.alex, { page: 2, limit: 3 })
        expect(second.entries.map((e) => [e.amount, e.balanceAfter])).toEqual([
          [-50, 850],
          [-40, 900],
          [-30, 940]
        ])
        expect(second.total).toBe(9)
        expect(second.entries[0]?.createdAt).toEqual(at(25))
        expect(yield* sumsByKind(f.ids.alex, { from: at(10), to: at(40) })).toEqual([
          { kind: "client_creation", debits: 20 + 30 + 40 + 50 + 60 + 70, credits: 0, count: 6 }
        ])
        expect(yield* sumsByKind(f.ids.alex, { from: at(35), to: at(41) })).toEqual([
          { kind: "client_creation", debits: 70, credits: 0, count: 1 },
          { kind: "grant", debits: 0, credits: 50, count: 1 }
        ])
      })
    )

    it.effect(
      "accounts: opened again with the same settings is the same account, with others a conflict",
      () =>
        Effect.gen(function* () {
          const f = yield* fixture
          const again = yield* openAccount({
            id: f.ids.alex,
            kind: "reseller_credits",
            debitsMustNotExceedCredits: true
          })
          expect(again.id).toBe(f.ids.alex)
          expect(yield* Effect.flip(openAccount({ id: f.ids.alex, kind: "revenue" }))).toMatchObject({
            _tag: "LedgerAccountConflict",
            fields: ["kind", "debitsMustNotExceedCredits"]
          })
          expect((yield* Effect.flip(balanceOf("credits:nobody")))._tag).toBe("LedgerAccountNotFound")
        })
    )

    it.effect(
      "1,000 concurrent debits of 7 against 5,000: exactly 714 succeed, never below zero, entries sum to zero",
      () =>
        Effect.gen(function* () {
          const f = yield* fixture
          yield* f.grant("g1", 5_000)
          const results = yield* Effect.all(
            Array.from({ length: 1000 }, (_, i) => Effect.either(f.spend(`race-${i}`, 7))),
            { concurrency: "unbounded" }
          )
          const refused = results.filter(Either.isLeft).map((r) => r.left._tag)
          expect(results.filter(Either.isRight)).toHaveLength(714)
          expect(new Set(refused)).toEqual(new Set(["ExceedsCredits"]))
          expect(yield* balanceOf(f.ids.alex)).toMatchObject({
            balance: 2,
            debitsPosted: 4_998,
            version: 715
          })
          const entries = [...(yield* historyPage(f.ids.alex, { limit: 1000 })).entries].reverse()
          let running = 0
          for (const entry of entries) {
            running += entry.amount
            expect(entry.balanceAfter).toBe(running)
            expect(entry.balanceAfter).toBeGreaterThanOrEqual(0)
          }
          const all = yield* Effect.forEach(Object.values(f.ids), balanceOf)
          expect(all.reduce((sum, b) => sum + b.balance, 0)).toBe(0)
          if (target.postgres) {
            const sql = yield* SqlClient.SqlClient
            const { schema } = yield* PgStoreConfig
            const [check] = yield* sql<{ min_running: number; consistent: boolean; total: number }>`
            SELECT min(running)::float8 AS min_running, bool_and(running = balance_after) AS consistent,
                   (SELECT sum(amount) FROM ${sql(`${schema}.entries`)})::float8 AS total
            FROM (SELECT balance_after, sum(amount) OVER (ORDER BY sequence) AS running
                  FROM ${sql(`${schema}.entries`)} WHERE account_id = ${f.ids.alex}) x`
            expect(check).toEqual({ min_running: 2, consistent: true, total: 0 })
          }
        })
    )

    it.effect("the same transfer posted 50 times at once is applied once", () =>
      Effect.gen(function* () {
        const f = yield* fixture
        const results = yield* Effect.all(
          Array.from({ length: 50 }, () => f.grant("g1", 1_000)),
          { concurrency: "unbounded" }
        )
        expect(results.filter((r) => r._tag === "Created")).toHaveLength(1)
        expect(results.filter((r) => r._tag === "Exists")).toHaveLength(49)
        expect((yield* balanceOf(f.ids.alex)).balance).toBe(1_000)
        // One id racing with two payloads: one is posted, the other told how it differs.
        const raced = yield* Effect.all(
          Array.from({ length: 20 }, (_, i) =>
            Effect.either(f.grant("g2", 5, i % 2 === 0 ? f.ids.alex : f.ids.bea))
          ),
          { concurrency: "unbounded" }
        )
        const created = raced.filter((r) => Either.isRight(r) && r.right._tag === "Created")
        expect(created).toHaveLength(1)
        expect(raced.filter((r) => Either.isLeft(r) && r.left._tag === "TransferConflict")).toHaveLength(10)
        expect((yield* balanceOf(f.ids.alex)).balance + (yield* balanceOf(f.ids.bea)).balance).toBe(1_005)
        // The same with payloads on disjoint accounts, so two calls do not wait on each other's locks.
        const disjoint = yield* Effect.all(
          Array.from({ length: 40 }, (_, i) =>
            Effect.either(
              transfer({
                id: f.id("g3"),
                debitAccountId: i % 2 === 0 ? f.ids.issuance : f.ids.revenue,
                creditAccountId: i % 2 === 0 ? f.ids.alex : f.ids.bea,
                amount: 7,
                kind: "grant"
              })
            )
          ),
          { concurrency: "unbounded" }
        )
        expect(disjoint.filter((r) => Either.isRight(r) && r.right._tag === "Created")).toHaveLength(1)
        expect(disjoint.filter((r) => Either.isRight(r) && r.right._tag === "Exists")).toHaveLength(19)
        expect(disjoint.filter((r) => Either.isLeft(r) && r.left._tag === "TransferConflict")).toHaveLength(
          20
        )
        expect((yield* balanceOf(f.ids.alex)).balance + (yield* balanceOf(f.ids.bea)).balance).toBe(1_012)
      })
    )

    if (target.postgres) {
      it.effect("a post inside a caller's transaction commits or rolls back with it", () =>
        Effect.gen(function* () {
          const f = yield* fixture
          const sql = yield* SqlClient.SqlClient
          yield* f.grant("g1", 100)
          const failed = yield* Effect.either(
            sql.withTransaction(
              Effect.zipRight(f.spend("s1", 40), Effect.fail("the caller's next write failed" as const))
            )
          )
          expect(Either.isLeft(failed)).toBe(true)
          expect((yield* balanceOf(f.ids.alex)).balance).toBe(100)
          yield* sql.withTransaction(f.spend("s2", 40))
          expect((yield* balanceOf(f.ids.alex)).balance).toBe(60)
        })
      )

      it.effect(
        "one call posts several groups in order, each all or none, later ones seeing earlier ones",
        () =>
          Effect.gen(function* () {
            const f = yield* fixture
            const sql = yield* SqlClient.SqlClient
            const { schema } = yield* PgStoreConfig
            const move = (
              id: string,
              from: string,
              to: string,
              amount: number,
              reverses: string | null = null
            ) => ({
              id: f.id(id),
              debit: from,
              credit: to,
              amount,
              kind: reverses === null ? "k" : "reversal",
              description: "",
              reverses: reverses === null ? null : f.id(reverses)
            })
            const { alex, issuance, revenue } = f.ids
            const groups = [
              [move("a", issuance, alex, 100)],
              [move("b", alex, revenue, 30), move("c", alex, revenue, 200)],
              [move("d", alex, revenue, 50)],
              [move("d", alex, revenue, 50)],
              [move("e", revenue, alex, 50, "d")],
              [move("c", alex, revenue, 200)],
              [move("f", revenue, alex, 50, "d")],
              [move("g", alex, `${alex}:missing`, 1)]
            ]
            const [row] = yield* sql.unsafe<{ results: unknown }>(
              `SELECT "${schema}".post_transfers($1::jsonb, now()) AS results`,
              [JSON.stringify(groups)] as Array<never>
            )
            const results = (
              typeof row?.results === "string" ? JSON.parse(row.results) : row?.results
            ) as ReadonlyArray<Record<string, unknown>>
            expect(
              results.map((r) => ("items" in r ? (r.items as Array<{ tag: string }>)[0]?.tag : r.error))
            ).toEqual([
              "created",
              "exceeds_credits",
              "created",
              "exists",
              "created",
              "already_failed",
              "already_reversed",
              "account_not_found"
            ])
            expect(results[2]).toEqual({
              items: [expect.objectContaining({ tag: "created", debit_balance: 50 })]
            })
            // The failing group's first transfer was checked against 100 and left nothing.
            expect(results[1]).toMatchObject({ transfer_id: f.id("c"), balance: 70, amount: 200 })
            expect(results[6]).toMatchObject({ transfer_id: f.id("d"), reversal_id: f.id("e") })
            expect(
              Option.isNone(
                yield* Effect.flatMap(LedgerStore, (s) => s.findTransfer(f.id("b") as TransferId))
              )
            ).toBe(true)
            const entries = yield* sql<{
              transfer_id: string
              balance_after: string
              account_version: string
            }>`
            SELECT transfer_id, balance_after::text, account_version::text FROM ${sql(`${schema}.entries`)}
            WHERE account_id = ${alex} ORDER BY sequence`
            expect(
              entries.map((e) => [e.transfer_id, Number(e.balance_after), Number(e.account_version)])
            ).toEqual([
              [f.id("a"), 100, 1],
              [f.id("d"), 50, 2],
              [f.id("e"), 100, 3]
            ])
            expect(yield* balanceOf(alex)).toMatchObject({ balance: 100, version: 3, debitsPosted: 50 })
            expect((yield* balanceOf(revenue)).balance).toBe(0)
          })
      )

      it.effect("the CHECK backstop refuses an overdraft written around the posting function", () =>
        Effect.gen(function* () {
          const f = yield* fixture
          const sql = yield* SqlClient.SqlClient
          const { schema } = yield* PgStoreConfig
          yield* f.grant("g1", 10)
          const raw = yield* Effect.either(
            sql`UPDATE ${sql(`${schema}.accounts`)} SET debits_posted = debits_posted + 11 WHERE id = ${f.ids.alex}`
          )
          expect(Either.isLeft(raw)).toBe(true)
          expect((yield* balanceOf(f.ids.alex)).balance).toBe(10)
        })
      )
    }
  })
}
