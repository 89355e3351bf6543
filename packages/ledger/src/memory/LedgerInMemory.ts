/**
 * The ledger store in JavaScript Maps. Each operation runs synchronously, so a
 * group of transfers is checked and applied in one atomic step.
 */
import { DateTime, Effect, Layer, Option } from "effect"
import {
  AlreadyReversed,
  ExceedsCredits,
  LedgerAccountConflict,
  LedgerAccountNotFound,
  type PostFailure,
  TransferAlreadyFailed,
  TransferConflict,
  TransferNotFound
} from "../Errors.js"
import { LedgerStore, type LedgerStoreService } from "../LedgerStore.js"
import {
  type AccountBalance,
  type Entry,
  type KindSum,
  type LedgerAccount,
  type LedgerAccountId,
  type Transfer,
  type TransferResult,
  transferDifferences
} from "../Model.js"

export const makeLedgerInMemory = (): LedgerStoreService => {
  const accounts = new Map<string, LedgerAccount>()
  const balances = new Map<string, AccountBalance>()
  const transfers = new Map<string, Transfer>()
  const failed = new Map<string, string>()
  const reversedBy = new Map<string, string>()
  const entries = new Map<string, Array<Entry>>()
  let sequence = 0

  const post: LedgerStoreService["post"] = (batch, now) =>
    Effect.suspend((): Effect.Effect<ReadonlyArray<TransferResult>, PostFailure> => {
      const results: Array<TransferResult> = []
      const working = new Map<string, AccountBalance>()
      const fresh: Array<Transfer> = []
      const balanceOf = (id: string) => working.get(id) ?? (balances.get(id) as AccountBalance)
      for (const request of batch) {
        const existing = transfers.get(request.id)
        if (existing !== undefined) {
          const differences = transferDifferences(existing, request)
          if (differences.length > 0)
            return Effect.fail(new TransferConflict({ transferId: request.id, differences }))
          results.push({ _tag: "Exists", transfer: existing })
          continue
        }
        const reason = failed.get(request.id)
        if (reason !== undefined)
          return Effect.fail(new TransferAlreadyFailed({ transferId: request.id, reason }))
        for (const id of [request.debitAccountId, request.creditAccountId])
          if (!accounts.has(id)) return Effect.fail(new LedgerAccountNotFound({ accountId: id }))
        if (Option.isSome(request.reverses)) {
          const original = request.reverses.value
          if (!transfers.has(original)) return Effect.fail(new TransferNotFound({ transferId: original }))
          const by = reversedBy.get(original) ?? fresh.find((t) => Option.contains(t.reverses, original))?.id
          if (by !== undefined)
            return Effect.fail(new AlreadyReversed({ transferId: original, reversalId: by }))
        }
        const debit = balanceOf(request.debitAccountId)
        const account = accounts.get(request.debitAccountId) as LedgerAccount
        if (account.debitsMustNotExceedCredits && debit.balance < request.amount) {
          failed.set(request.id, "exceeds_credits")
          return Effect.fail(
            new ExceedsCredits({
              transferId: request.id,
              accountId: request.debitAccountId,
              balance: debit.balance,
              amount: request.amount
            })
          )
        }
        working.set(request.debitAccountId, { ...debit, balance: debit.balance - request.amount })
        const credit = balanceOf(request.creditAccountId)
        working.set(request.creditAccountId, { ...credit, balance: credit.balance + request.amount })
        const transfer: Transfer = { ...request, createdAt: now }
        fresh.push(transfer)
        results.push({ _tag: "Created", transfer, debitBalanceAfter: debit.balance - request.amount })
      }
      // Everything checked: apply.
      for (const transfer of fresh) {
        transfers.set(transfer.id, transfer)
        if (Option.isSome(transfer.reverses)) reversedBy.set(transfer.reverses.value, transfer.id)
        const sides: ReadonlyArray<readonly [LedgerAccountId, LedgerAccountId, number]> = [
          [transfer.debitAccountId, transfer.creditAccountId, -transfer.amount],
          [transfer.creditAccountId, transfer.debitAccountId, transfer.amount]
        ]
        for (const [accountId, counterpartyId, amount] of sides) {
          const before = balances.get(accountId) as AccountBalance
          const after: AccountBalance = {
            ...before,
            debitsPosted: before.debitsPosted + Math.max(0, -amount),
            creditsPosted: before.creditsPosted + Math.max(0, amount),
            balance: before.balance + amount,
            version: before.version + 1
          }
          balances.set(accountId, after)
          const list = entries.get(accountId) ?? []
          list.push({
            transferId: transfer.id,
            accountId,
            counterpartyId,
            amount,
            balanceAfter: after.balance,
            kind: transfer.kind,
            description: transfer.description,
            createdAt: transfer.createdAt,
            sequence: ++sequence
          })
          entries.set(accountId, list)
        }
      }
      return Effect.succeed(results)
    })

  return {
    createAccount: (account) =>
      Effect.suspend((): ReturnType<LedgerStoreService["createAccount"]> => {
        const existing = accounts.get(account.id)
        if (existing !== undefined) {
          const fields = [
            ...(existing.kind === account.kind ? [] : ["kind"]),
            ...(existing.debitsMustNotExceedCredits === account.debitsMustNotExceedCredits
              ? []
              : ["debitsMustNotExceedCredits"])
          ]
          return fields.length > 0
            ? Effect.fail(new LedgerAccountConflict({ accountId: account.id, fields }))
            : Effect.succeed({ _tag: "Exists" as const, account: existing })
        }
        accounts.set(account.id, account)
        balances.set(account.id, {
          accountId: account.id,
          debitsPosted: 0,
          creditsPosted: 0,
          balance: 0,
          version: 0
        })
        return Effect.succeed({ _tag: "Created" as const, account })
      }),
    findAccount: (id) => Effect.sync(() => Option.fromNullable(accounts.get(id))),
    post,
    findTransfer: (id) => Effect.sync(() => Option.fromNullable(transfers.get(id))),
    balance: (id) => Effect.sync(() => Option.fromNullable(balances.get(id))),
    history: (id, query) =>
      Effect.sync(() => {
        const all = [...(entries.get(id) ?? [])].reverse()
        const from =
          query.before === undefined ? all : all.filter((e) => e.sequence < (query.before as number))
        const offset = query.offset ?? 0
        return { entries: from.slice(offset, offset + query.limit), total: all.length }
      }),
    sums: (id, from, to) =>
      Effect.sync(() => {
        const byKind = new Map<string, { debits: number; credits: number; count: number }>()
        for (const entry of entries.get(id) ?? []) {
          if (DateTime.lessThan(entry.createdAt, from) || DateTime.greaterThanOrEqualTo(entry.createdAt, to))
            continue
          const sum = byKind.get(entry.kind) ?? { debits: 0, credits: 0, count: 0 }
          if (entry.amount < 0) sum.debits += -entry.amount
          else sum.credits += entry.amount
          sum.count += 1
          byKind.set(entry.kind, sum)
        }
        return [...byKind.entries()]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([kind, sum]): KindSum => ({ kind, ...sum }))
      })
  }
}

/** `LedgerStore` in memory: a fresh, empty ledger per layer build. */
export const LedgerInMemory = Layer.sync(LedgerStore, makeLedgerInMemory)
