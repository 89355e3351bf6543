import { describe, expect, it } from "@effect/vitest"
import { DateTime, Effect, Exit, Option, TestClock } from "effect"
import {
  balanceOf,
  historyOf,
  historyPage,
  LedgerStore,
  openAccount,
  reverse,
  sumsByKind,
  transfer,
  transferLinked
} from "../src/index.js"
import { LedgerInMemory } from "../src/testing.js"

const setup = Effect.gen(function* () {
  yield* openAccount({ id: "platform:issuance", kind: "issuance" })
  yield* openAccount({ id: "platform:revenue", kind: "revenue" })
  yield* openAccount({ id: "credits:alex", kind: "reseller_credits", debitsMustNotExceedCredits: true })
})

const grant = (id: string, amount: number) =>
  transfer({
    id,
    debitAccountId: "platform:issuance",
    creditAccountId: "credits:alex",
    amount,
    kind: "grant",
    description: "Initial reseller credit package"
  })

const spend = (id: string, amount: number) =>
  transfer({
    id,
    debitAccountId: "credits:alex",
    creditAccountId: "platform:revenue",
    amount,
    kind: "client_creation"
  })

const failure = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.exit(effect), (exit) => (Exit.isFailure(exit) ? exit.cause : undefined))

const failureOf = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.flip(effect)

describe("ledger", () => {
  it.effect("a grant and a spend move credits between accounts, and every side balances", () =>
    Effect.gen(function* () {
      yield* setup
      const granted = yield* grant("grant-1", 10_000)
      expect(granted._tag).toBe("Created")
      yield* spend("spend-1", 499)
      expect((yield* balanceOf("credits:alex")).balance).toBe(9_501)
      expect(yield* balanceOf("credits:alex")).toMatchObject({
        debitsPosted: 499,
        creditsPosted: 10_000,
        version: 2
      })
      expect((yield* balanceOf("platform:issuance")).balance).toBe(-10_000)
      expect((yield* balanceOf("platform:revenue")).balance).toBe(499)
    }).pipe(Effect.provide(LedgerInMemory))
  )

  it.effect(
    "a flagged account cannot be overdrawn, and the failed id stays failed after credits arrive",
    () =>
      Effect.gen(function* () {
        yield* setup
        yield* grant("grant-1", 500)
        const refused = yield* failureOf(spend("spend-1", 501))
        expect(refused).toMatchObject({
          _tag: "ExceedsCredits",
          accountId: "credits:alex",
          balance: 500,
          amount: 501
        })
        expect(refused.message).toBe("Not enough credits: the transfer needs 501 and the balance is 500.")
        expect((yield* balanceOf("credits:alex")).balance).toBe(500)
        yield* grant("grant-2", 1_000)
        const again = yield* failureOf(spend("spend-1", 501))
        expect(again).toMatchObject({
          _tag: "TransferAlreadyFailed",
          transferId: "spend-1",
          reason: "exceeds_credits"
        })
        // Exactly to zero is allowed; unflagged accounts go negative freely.
        yield* spend("spend-2", 1_500)
        expect((yield* balanceOf("credits:alex")).balance).toBe(0)
        expect((yield* balanceOf("platform:issuance")).balance).toBe(-1_500)
      }).pipe(Effect.provide(LedgerInMemory))
  )

  it.effect(
    "a transfer id is its idempotency key: the same payload answers the original, another payload names the difference",
    () =>
      Effect.gen(function* () {
        yield* setup
        const first = yield* grant("grant-1", 10_000)
        yield* TestClock.adjust("1 hour")
        const second = yield* grant("grant-1", 10_000)
        expect(second._tag).toBe("Exists")
        expect(second.transfer).toEqual(first.transfer)
        expect((yield* balanceOf("credits:alex")).balance).toBe(10_000)
        const conflict = yield* failureOf(grant("grant-1", 9_999))
        expect(conflict).toMatchObject({
          _tag: "TransferConflict",
          transferId: "grant-1",
          differences: [{ field: "amount", existing: "10000", requested: "9999" }]
        })
        const otherAccount = yield* failureOf(
          transfer({
            id: "grant-1",
            debitAccountId: "platform:revenue",
            creditAccountId: "credits:alex",
            amount: 10_000,
            kind: "grant",
            description: "Initial reseller credit package"
          })
        )
        expect(otherAccount).toMatchObject({
          _tag: "TransferConflict",
          differences: [
            { field: "debit_account_id", existing: "platform:issuance", requested: "platform:revenue" }
          ]
        })
        expect((yield* balanceOf("credits:alex")).version).toBe(1)
      }).pipe(Effect.provide(LedgerInMemory))
  )

  it.effect("linked transfers apply all together or not at all", () =>
    Effect.gen(function* () {
      yield* setup
      yield* openAccount({ id: "credits:bea", kind: "reseller_credits", debitsMustNotExceedCredits: true })
      yield* grant("grant-1", 100)
      const refused = yield* failureOf(
        transferLinked([
          {
            id: "move-1",
            debitAccountId: "credits:alex",
            creditAccountId: "credits:bea",
            amount: 60,
            kind: "move"
          },
          {
            id: "move-2",
            debitAccountId: "credits:alex",
            creditAccountId: "platform:revenue",
            amount: 60,
            kind: "fee"
          }
        ])
      )
      expect(refused).toMatchObject({ _tag: "ExceedsCredits", transferId: "move-2", balance: 40 })
      expect((yield* balanceOf("credits:alex")).balance).toBe(100)
      expect((yield* balanceOf("credits:bea")).balance).toBe(0)
      const store = yield* LedgerStore
      expect(Option.isNone(yield* store.findTransfer("move-1" as never))).toBe(true)
      // The one not at fault can be posted again; the one at fault stays failed.
      const ok = yield* transferLinked([
        {
          id: "move-1",
          debitAccountId: "credits:alex",
          creditAccountId: "credits:bea",
          amount: 60,
          kind: "move"
        },
        {
          id: "move-3",
          debitAccountId: "credits:alex",
          creditAccountId: "platform:revenue",
          amount: 40,
          kind: "fee"
        }
      ])
      expect(ok.map((r) => r._tag)).toEqual(["Created", "Created"])
      expect((yield* balanceOf("credits:alex")).balance).toBe(0)
      expect((yield* balanceOf("credits:bea")).balance).toBe(60)
      const duplicateIds = yield* failureOf(
        transferLinked([
          {
            id: "x",
            debitAccountId: "platform:issuance",
            creditAccountId: "credits:bea",
            amount: 1,
            kind: "grant"
          },
          {
            id: "x",
            debitAccountId: "platform:issuance",
            creditAccountId: "credits:bea",
            amount: 1,
            kind: "grant"
          }
        ])
      )
      expect(duplicateIds._tag).toBe("InvalidLedgerInput")
    }).pipe(Effect.provide(LedgerInMemory))
  )

  it.effect("a correction is a reversing transfer, at most once, and it cannot overdraw either", () =>
    Effect.gen(function* () {
      yield* setup
      yield* grant("grant-1", 1_000)
      yield* grant("grant-2", 300)
      const reversed = yield* reverse({
        id: "undo-grant-2",
        transferId: "grant-2",
        description: "granted twice"
      })
      expect(reversed.transfer).toMatchObject({
        debitAccountId: "credits:alex",
        creditAccountId: "platform:issuance",
        amount: 300,
        kind: "reversal",
        reverses: Option.some("grant-2")
      })
      expect((yield* balanceOf("credits:alex")).balance).toBe(1_000)
      expect(
        (yield* reverse({ id: "undo-grant-2", transferId: "grant-2", description: "granted twice" }))._tag
      ).toBe("Exists")
      expect(yield* failureOf(reverse({ id: "undo-again", transferId: "grant-2" }))).toMatchObject({
        _tag: "AlreadyReversed",
        reversalId: "undo-grant-2"
      })
      yield* spend("spend-1", 900)
      expect((yield* failureOf(reverse({ id: "undo-grant-1", transferId: "grant-1" })))._tag).toBe(
        "ExceedsCredits"
      )
      expect((yield* failureOf(reverse({ id: "undo-none", transferId: "nope" })))._tag).toBe(
        "TransferNotFound"
      )
    }).pipe(Effect.provide(LedgerInMemory))
  )

  it.effect("bad input is a typed error and posts nothing", () =>
    Effect.gen(function* () {
      yield* setup
      const cases = [
        { amount: 0, expected: "at least 1" },
        { amount: -5, expected: "at least 1" },
        { amount: 1.5, expected: "whole number" }
      ]
      for (const c of cases) {
        const error = yield* failureOf(spend(`bad-${c.amount}`, c.amount))
        expect(error._tag).toBe("InvalidLedgerInput")
        expect(error.message).toContain(c.expected)
      }
      const same = yield* failureOf(
        transfer({
          id: "self",
          debitAccountId: "credits:alex",
          creditAccountId: "credits:alex",
          amount: 1,
          kind: "x"
        })
      )
      expect(same.message).toContain("two different accounts")
      const missing = yield* failureOf(
        transfer({
          id: "m",
          debitAccountId: "platform:issuance",
          creditAccountId: "credits:nobody",
          amount: 1,
          kind: "x"
        })
      )
      expect(missing).toMatchObject({ _tag: "LedgerAccountNotFound", accountId: "credits:nobody" })
      expect(
        (yield* failureOf(
          transfer({ id: "", debitAccountId: "a", creditAccountId: "b", amount: 1, kind: "x" })
        ))._tag
      ).toBe("InvalidLedgerInput")
      expect((yield* failureOf(openAccount({ id: "bad id!", kind: "x" })))._tag).toBe("InvalidLedgerInput")
      expect(
        yield* failureOf(
          openAccount({ id: "credits:alex", kind: "reseller_credits", debitsMustNotExceedCredits: false })
        )
      ).toMatchObject({ _tag: "LedgerAccountConflict", fields: ["debitsMustNotExceedCredits"] })
      expect((yield* balanceOf("credits:alex")).version).toBe(0)
      expect(yield* failure(balanceOf("credits:nobody"))).toBeDefined()
    }).pipe(Effect.provide(LedgerInMemory))
  )

  it.effect("history pages newest first by cursor and by page, each entry with its balance after", () =>
    Effect.gen(function* () {
      yield* setup
      yield* grant("grant-1", 1_000)
      for (let i = 1; i <= 7; i++) yield* spend(`spend-${i}`, 10 * i)
      const seen: Array<string> = []
      let cursor: string | undefined
      for (;;) {
        const page = yield* historyOf(
          "credits:alex",
          cursor === undefined ? { limit: 3 } : { limit: 3, cursor }
        )
        expect(page.total).toBe(8)
        seen.push(...page.entries.map((e) => e.transferId))
        if (Option.isNone(page.nextCursor)) break
        cursor = page.nextCursor.value
      }
      expect(seen).toEqual([
        "spend-7",
        "spend-6",
        "spend-5",
        "spend-4",
        "spend-3",
        "spend-2",
        "spend-1",
        "grant-1"
      ])
      const second = yield* historyPage("credits:alex", { page: 2, limit: 3 })
      expect(second.entries.map((e) => e.transferId)).toEqual(["spend-4", "spend-3", "spend-2"])
      const newest = (yield* historyPage("credits:alex", { limit: 1 })).entries[0]
      expect(newest).toMatchObject({
        amount: -70,
        balanceAfter: 720,
        counterpartyId: "platform:revenue",
        kind: "client_creation"
      })
      expect((yield* failureOf(historyOf("credits:alex", { limit: 1001 }))).message).toContain(
        "between 1 and 1000"
      )
      expect((yield* failureOf(historyOf("credits:alex", { cursor: "abc" }))).message).toContain("cursor")
    }).pipe(Effect.provide(LedgerInMemory))
  )

  it.effect("sums by kind over a period", () =>
    Effect.gen(function* () {
      yield* setup
      yield* grant("grant-1", 1_000)
      yield* spend("spend-1", 100)
      yield* TestClock.adjust("31 days")
      const start = yield* DateTime.now
      yield* spend("spend-2", 200)
      yield* spend("spend-3", 300)
      yield* grant("grant-2", 50)
      const end = DateTime.add(yield* DateTime.now, { days: 1 })
      expect(yield* sumsByKind("credits:alex", { from: start, to: end })).toEqual([
        { kind: "client_creation", debits: 500, credits: 0, count: 2 },
        { kind: "grant", debits: 0, credits: 50, count: 1 }
      ])
      expect((yield* failureOf(sumsByKind("credits:alex", { from: end, to: start })))._tag).toBe(
        "InvalidLedgerInput"
      )
    }).pipe(Effect.provide(LedgerInMemory))
  )

  it.effect("many racing debits never overdraw, and all entries sum to zero", () =>
    Effect.gen(function* () {
      yield* setup
      yield* grant("grant-1", 5_000)
      const results = yield* Effect.all(
        Array.from({ length: 1000 }, (_, i) => Effect.either(spend(`race-${i}`, 7))),
        { concurrency: "unbounded" }
      )
      expect(results.filter((r) => r._tag === "Right")).toHaveLength(714)
      expect((yield* balanceOf("credits:alex")).balance).toBe(2)
      const history = yield* historyPage("credits:alex", { limit: 1000 })
      expect(history.entries.every((e) => e.balanceAfter >= 0)).toBe(true)
      const all = yield* Effect.forEach(["credits:alex", "platform:issuance", "platform:revenue"], balanceOf)
      expect(all.reduce((sum, b) => sum + b.balance, 0)).toBe(0)
    }).pipe(Effect.provide(LedgerInMemory))
  )
})
