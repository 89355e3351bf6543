/**
 * The ledger's expected failures, TigerBeetle's result codes as values: each
 * carries what a caller needs and a `message` a person can act on.
 */
import { Schema } from "effect"

/** A transfer or account that is malformed: nothing was posted. */
export class InvalidLedgerInput extends Schema.TaggedError<InvalidLedgerInput>()("InvalidLedgerInput", {
  reason: Schema.String
}) {
  override get message(): string {
    return this.reason
  }
}

export class LedgerAccountNotFound extends Schema.TaggedError<LedgerAccountNotFound>()(
  "LedgerAccountNotFound",
  { accountId: Schema.String }
) {
  override get message(): string {
    return `No ledger account ${this.accountId}.`
  }
}

/** An account opened again under its id with other settings. */
export class LedgerAccountConflict extends Schema.TaggedError<LedgerAccountConflict>()(
  "LedgerAccountConflict",
  { accountId: Schema.String, fields: Schema.Array(Schema.String) }
) {
  override get message(): string {
    return `The ledger account ${this.accountId} exists with another ${this.fields.join(" and ")}.`
  }
}

/** The transfer would take an account that may not be overdrawn below zero; nothing was posted. */
export class ExceedsCredits extends Schema.TaggedError<ExceedsCredits>()("ExceedsCredits", {
  transferId: Schema.String,
  accountId: Schema.String,
  balance: Schema.Number,
  amount: Schema.Number
}) {
  override get message(): string {
    return `Not enough credits: the transfer needs ${this.amount} and the balance is ${this.balance}.`
  }
}

const Difference = Schema.Struct({ field: Schema.String, existing: Schema.String, requested: Schema.String })

/** The transfer id was posted before with another payload: ids are idempotency keys, so nothing was posted. */
export class TransferConflict extends Schema.TaggedError<TransferConflict>()("TransferConflict", {
  transferId: Schema.String,
  differences: Schema.Array(Difference)
}) {
  override get message(): string {
    const what = this.differences.map((d) => `${d.field} ${d.existing} (asked ${d.requested})`).join(", ")
    return `The transfer ${this.transferId} was already posted with another payload: ${what}. Use a new id for a new transfer.`
  }
}

/** The transfer id failed before for a business reason; it stays failed, so a retry never succeeds later behind the caller's back. */
export class TransferAlreadyFailed extends Schema.TaggedError<TransferAlreadyFailed>()(
  "TransferAlreadyFailed",
  { transferId: Schema.String, reason: Schema.String }
) {
  override get message(): string {
    return `The transfer ${this.transferId} already failed (${this.reason}); use a new id to try again.`
  }
}

export class TransferNotFound extends Schema.TaggedError<TransferNotFound>()("TransferNotFound", {
  transferId: Schema.String
}) {
  override get message(): string {
    return `No transfer ${this.transferId}.`
  }
}

/** The transfer was reversed already, by the named reversal. */
export class AlreadyReversed extends Schema.TaggedError<AlreadyReversed>()("AlreadyReversed", {
  transferId: Schema.String,
  reversalId: Schema.String
}) {
  override get message(): string {
    return `The transfer ${this.transferId} was already reversed by ${this.reversalId}.`
  }
}

/** Everything posting transfers can fail with, apart from the store being unreachable. */
export type PostFailure =
  | ExceedsCredits
  | TransferConflict
  | TransferAlreadyFailed
  | LedgerAccountNotFound
  | TransferNotFound
  | AlreadyReversed
