/**
 * The ledger's data: accounts, transfers, the two entries each transfer
 * writes, balances and sums. Amounts are whole credits; a balance is credits
 * posted minus debits posted, so an account that receives credits has a
 * positive balance and the account they were issued from a negative one.
 */
import { type DateTime, type Option, Schema } from "effect"

/** An account's id: letters, digits and `_ : . -`, up to 128 characters (`credits:<user id>`). */
export const LedgerAccountId = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9_:.-]{0,127}$/, {
    message: () => "an account id is 1 to 128 letters, digits or _ : . - (starting with a letter or digit)"
  }),
  Schema.brand("LedgerAccountId")
)
export type LedgerAccountId = typeof LedgerAccountId.Type

/** A transfer's id, chosen by the caller: it is the transfer's idempotency key. */
export const TransferId = Schema.String.pipe(
  Schema.minLength(1, { message: () => "a transfer id is required" }),
  Schema.maxLength(512, { message: () => "a transfer id is at most 512 characters" }),
  Schema.brand("TransferId")
)
export type TransferId = typeof TransferId.Type

/** What an account or a transfer is for, in `snake_case` (`reseller_credits`, `client_creation`). */
export const LedgerKind = Schema.String.pipe(
  Schema.pattern(/^[a-z][a-z0-9_]{0,63}$/, {
    message: () => "a kind is 1 to 64 lowercase letters, digits or _, starting with a letter"
  })
)

/** A transfer's amount: a whole number of credits, at least 1. */
export const Amount = Schema.Number.pipe(
  Schema.int({ message: () => "the amount must be a whole number of credits" }),
  Schema.positive({ message: () => "the amount must be a whole number of credits, at least 1" }),
  Schema.lessThanOrEqualTo(Number.MAX_SAFE_INTEGER, { message: () => "the amount is too large" })
)

export const Description = Schema.String.pipe(
  Schema.maxLength(500, { message: () => "the description is at most 500 characters" })
)

/** An account. `debitsMustNotExceedCredits` makes it impossible to overdraw. */
export class LedgerAccount extends Schema.Class<LedgerAccount>("LedgerAccount")({
  id: LedgerAccountId,
  kind: LedgerKind,
  debitsMustNotExceedCredits: Schema.Boolean,
  createdAt: Schema.DateTimeUtcFromSelf
}) {}

/** Where an account stands: what was posted to each side, the balance, and how many entries it has. */
export interface AccountBalance {
  readonly accountId: LedgerAccountId
  readonly debitsPosted: number
  readonly creditsPosted: number
  /** `creditsPosted - debitsPosted`. */
  readonly balance: number
  /** The number of entries posted to the account (one per transfer it took part in). */
  readonly version: number
}

/** A posted transfer: immutable. A correction is a reversing transfer, never an edit. */
export interface Transfer {
  readonly id: TransferId
  readonly debitAccountId: LedgerAccountId
  readonly creditAccountId: LedgerAccountId
  readonly amount: number
  readonly kind: string
  readonly description: string
  /** The transfer this one reverses, if it is a reversal. */
  readonly reverses: Option.Option<TransferId>
  readonly createdAt: DateTime.Utc
}

/** What a store is asked to post: a transfer without its time. */
export type TransferToPost = Omit<Transfer, "createdAt">

/** The outcome of posting a transfer: new, or the same id and payload posted before. */
export type TransferResult =
  | {
      readonly _tag: "Created"
      readonly transfer: Transfer
      /** The debit account's balance right after this transfer (the same transaction's view). */
      readonly debitBalanceAfter: number
    }
  | { readonly _tag: "Exists"; readonly transfer: Transfer }

/**
 * One side of a transfer as an account sees it: credits positive, debits
 * negative, with the account's balance right after it. The entries of all
 * accounts sum to zero.
 */
export interface Entry {
  readonly transferId: TransferId
  readonly accountId: LedgerAccountId
  /** The other side of the transfer. */
  readonly counterpartyId: LedgerAccountId
  readonly amount: number
  readonly balanceAfter: number
  readonly kind: string
  readonly description: string
  readonly createdAt: DateTime.Utc
  /** Orders the entries of an account; later entries have larger numbers. */
  readonly sequence: number
}

/** What moved through an account for one kind of transfer in a period. */
export interface KindSum {
  readonly kind: string
  readonly debits: number
  readonly credits: number
  readonly count: number
}

/** A field where a transfer asked for again differs from the one posted under its id. */
export interface TransferDifference {
  readonly field: "debit_account_id" | "credit_account_id" | "amount" | "kind" | "description"
  readonly existing: string
  readonly requested: string
}

/** How a repeated transfer differs from the one posted under its id; empty when it is the same. */
export const transferDifferences = (
  existing: TransferToPost,
  requested: TransferToPost
): ReadonlyArray<TransferDifference> => {
  const out: Array<TransferDifference> = []
  const compare = (field: TransferDifference["field"], a: string | number, b: string | number) => {
    if (a !== b) out.push({ field, existing: String(a), requested: String(b) })
  }
  compare("debit_account_id", existing.debitAccountId, requested.debitAccountId)
  compare("credit_account_id", existing.creditAccountId, requested.creditAccountId)
  compare("amount", existing.amount, requested.amount)
  compare("kind", existing.kind, requested.kind)
  compare("description", existing.description, requested.description)
  return out
}
