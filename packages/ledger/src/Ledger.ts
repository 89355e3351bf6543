/**
 * The ledger's programs: open accounts, post transfers (one, or linked ones
 * that apply together), reverse a transfer, and read balances, history and
 * sums. Input is decoded here, once; a malformed request is an
 * `InvalidLedgerInput` and posts nothing.
 */
import { logDebugWith } from "@org/core"
import { DateTime, Effect, Option, ParseResult, Schema } from "effect"
import { InvalidLedgerInput, LedgerAccountNotFound, TransferNotFound } from "./Errors.js"
import { LedgerStore } from "./LedgerStore.js"
import {
  Amount,
  Description,
  type Entry,
  LedgerAccount,
  LedgerAccountId,
  LedgerKind,
  TransferId,
  type TransferResult,
  type TransferToPost
} from "./Model.js"

const decodeInput = <A, I>(schema: Schema.Schema<A, I>, input: unknown) =>
  Effect.mapError(
    Schema.decodeUnknown(schema)(input),
    (error) =>
      new InvalidLedgerInput({
        reason: ParseResult.ArrayFormatter.formatErrorSync(error)
          .map((issue) =>
            issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message
          )
          .join("; ")
      })
  )

/** What opening an account takes. */
export const OpenAccountRequest = Schema.Struct({
  id: LedgerAccountId,
  kind: LedgerKind,
  debitsMustNotExceedCredits: Schema.optionalWith(Schema.Boolean, { default: () => false })
})
export type OpenAccountRequest = typeof OpenAccountRequest.Encoded

/** What a transfer takes: its id (the idempotency key), the two accounts, the amount, a kind and a description. */
export const TransferRequest = Schema.Struct({
  id: TransferId,
  debitAccountId: LedgerAccountId,
  creditAccountId: LedgerAccountId,
  amount: Amount,
  kind: LedgerKind,
  description: Schema.optionalWith(Description, { default: () => "" })
}).pipe(
  Schema.filter(
    (t) => t.debitAccountId !== t.creditAccountId || "a transfer moves credits between two different accounts"
  )
)
export type TransferRequest = typeof TransferRequest.Encoded

/** Open an account (`debitsMustNotExceedCredits` to make it impossible to overdraw). Opening it again with the same settings is a no-op. */
export const openAccount = (request: OpenAccountRequest) =>
  Effect.gen(function* () {
    const input = yield* decodeInput(OpenAccountRequest, request)
    const now = yield* DateTime.now
    const store = yield* LedgerStore
    const { account } = yield* store.createAccount(new LedgerAccount({ ...input, createdAt: now }, true))
    return account
  })

const toPost = (request: typeof TransferRequest.Type): TransferToPost => ({
  ...request,
  reverses: Option.none()
})

const postAll = (transfers: ReadonlyArray<TransferToPost>) =>
  Effect.gen(function* () {
    const now = yield* DateTime.now
    const store = yield* LedgerStore
    const results = yield* store.post(transfers, now)
    for (const result of results)
      yield* logDebugWith("ledger transfer", {
        transfer_id: result.transfer.id,
        outcome: result._tag,
        amount: result.transfer.amount,
        debit_account_id: result.transfer.debitAccountId,
        credit_account_id: result.transfer.creditAccountId
      })
    return results
  })

/**
 * Post one transfer. Its id is its idempotency key: posting it again with the
 * same payload answers `Exists` with the original; with another payload,
 * `TransferConflict`; after it failed for lack of credits, `TransferAlreadyFailed`.
 */
export const transfer = (request: TransferRequest) =>
  Effect.flatMap(decodeInput(TransferRequest, request), (input) =>
    Effect.map(postAll([toPost(input)]), (results) => results[0] as TransferResult)
  )

/** Post several transfers that apply all together or not at all (a grant and its fee, a move through a clearing account). */
export const transferLinked = (requests: ReadonlyArray<TransferRequest>) =>
  Effect.gen(function* () {
    const inputs = yield* decodeInput(Schema.NonEmptyArray(TransferRequest), requests)
    const ids = new Set<string>()
    for (const input of inputs) {
      if (ids.has(input.id))
        return yield* new InvalidLedgerInput({
          reason: `the transfer id ${input.id} appears twice in the group`
        })
      ids.add(input.id)
    }
    return yield* postAll(inputs.map(toPost))
  })

/**
 * Undo a transfer with a new one the other way (`kind: "reversal"`). A transfer
 * is reversed at most once; the reversal, like any transfer, cannot overdraw.
 */
export const reverse = (request: {
  readonly id: string
  readonly transferId: string
  readonly description?: string
}) =>
  Effect.gen(function* () {
    const input = yield* decodeInput(
      Schema.Struct({ id: TransferId, transferId: TransferId, description: Schema.optional(Description) }),
      request
    )
    const store = yield* LedgerStore
    const original = yield* store.findTransfer(input.transferId)
    if (Option.isNone(original)) return yield* new TransferNotFound({ transferId: input.transferId })
    const results = yield* postAll([
      {
        id: input.id,
        debitAccountId: original.value.creditAccountId,
        creditAccountId: original.value.debitAccountId,
        amount: original.value.amount,
        kind: "reversal",
        description: input.description ?? `reversal of ${original.value.id}`,
        reverses: Option.some(original.value.id)
      }
    ])
    return results[0] as TransferResult
  })

const accountIdOf = (id: string) => decodeInput(LedgerAccountId, id)

/** An account's balance; `LedgerAccountNotFound` when there is no such account. */
export const balanceOf = (id: string) =>
  Effect.gen(function* () {
    const accountId = yield* accountIdOf(id)
    const store = yield* LedgerStore
    const balance = yield* store.balance(accountId)
    if (Option.isNone(balance)) return yield* new LedgerAccountNotFound({ accountId })
    return balance.value
  })

/** The most a page of history holds. */
export const MAX_HISTORY_LIMIT = 1000

const Limit = Schema.Int.pipe(
  Schema.between(1, MAX_HISTORY_LIMIT, { message: () => `limit must be between 1 and ${MAX_HISTORY_LIMIT}` })
)
const Cursor = Schema.String.pipe(
  Schema.pattern(/^[1-9][0-9]{0,15}$/, { message: () => "the cursor is not one this ledger gave out" })
)

/** An account's entries, newest first, a page at a time; `nextCursor` fetches the page after. */
export const historyOf = (id: string, query: { readonly limit?: number; readonly cursor?: string } = {}) =>
  Effect.gen(function* () {
    const accountId = yield* accountIdOf(id)
    const { limit, cursor } = yield* decodeInput(
      Schema.Struct({
        limit: Schema.optionalWith(Limit, { default: () => 50 }),
        cursor: Schema.optional(Cursor)
      }),
      query
    )
    const store = yield* LedgerStore
    if (Option.isNone(yield* store.findAccount(accountId)))
      return yield* new LedgerAccountNotFound({ accountId })
    const page = yield* store.history(accountId, {
      limit: limit + 1,
      before: cursor === undefined ? undefined : Number(cursor)
    })
    const entries: ReadonlyArray<Entry> = page.entries.slice(0, limit)
    const last = entries[entries.length - 1]
    return {
      entries,
      total: page.total,
      nextCursor:
        page.entries.length > limit && last !== undefined
          ? Option.some(String(last.sequence))
          : Option.none<string>()
    }
  })

/** An account's entries, newest first, by page number (1-based) and page size. */
export const historyPage = (id: string, query: { readonly page?: number; readonly limit?: number } = {}) =>
  Effect.gen(function* () {
    const accountId = yield* accountIdOf(id)
    const { page, limit } = yield* decodeInput(
      Schema.Struct({
        page: Schema.optionalWith(
          Schema.Int.pipe(Schema.between(1, 1_000_000, { message: () => "page must be 1 or more" })),
          {
            default: () => 1
          }
        ),
        limit: Schema.optionalWith(Limit, { default: () => 20 })
      }),
      query
    )
    const store = yield* LedgerStore
    if (Option.isNone(yield* store.findAccount(accountId)))
      return yield* new LedgerAccountNotFound({ accountId })
    const result = yield* store.history(accountId, { limit, offset: (page - 1) * limit })
    return { entries: result.entries, total: result.total, page, limit }
  })

/** What moved through an account per kind of transfer, created in `[from, to)`. */
export const sumsByKind = (id: string, period: { readonly from: DateTime.Utc; readonly to: DateTime.Utc }) =>
  Effect.gen(function* () {
    const accountId = yield* accountIdOf(id)
    if (DateTime.lessThan(period.to, period.from))
      return yield* new InvalidLedgerInput({ reason: "the period ends before it starts" })
    const store = yield* LedgerStore
    if (Option.isNone(yield* store.findAccount(accountId)))
      return yield* new LedgerAccountNotFound({ accountId })
    return yield* store.sums(accountId, period.from, period.to)
  })
