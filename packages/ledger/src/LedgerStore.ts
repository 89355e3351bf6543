/**
 * The ledger's storage port. `post` is the one write: a group of transfers
 * applied all together or not at all, the no-overdraft rule enforced in the
 * same atomic step that applies them (never a read in one step and a write in
 * another). `@org/pg/ledger` implements it on Postgres; `@org/ledger/testing`
 * in memory; one contract suite checks both.
 */
import type { StoreUnavailable } from "@org/core"
import { Context, type DateTime, type Effect, type Option } from "effect"
import type { LedgerAccountConflict, PostFailure } from "./Errors.js"
import type {
  AccountBalance,
  Entry,
  KindSum,
  LedgerAccount,
  LedgerAccountId,
  Transfer,
  TransferId,
  TransferResult,
  TransferToPost
} from "./Model.js"

/** Which of an account's entries, newest first: those before a sequence number, or a page by offset. */
export interface HistoryQuery {
  readonly limit: number
  /** Only entries with a smaller sequence (the cursor of the page before). */
  readonly before?: number | undefined
  /** Entries to skip (page-and-limit listings). */
  readonly offset?: number | undefined
}

export interface HistoryPage {
  readonly entries: ReadonlyArray<Entry>
  /** All of the account's entries, whatever the page. */
  readonly total: number
}

export interface LedgerStoreService {
  /** Open an account; the same id with the same settings answers the account opened before. */
  readonly createAccount: (
    account: LedgerAccount
  ) => Effect.Effect<
    { readonly _tag: "Created" | "Exists"; readonly account: LedgerAccount },
    LedgerAccountConflict | StoreUnavailable
  >
  readonly findAccount: (id: LedgerAccountId) => Effect.Effect<Option.Option<LedgerAccount>, StoreUnavailable>
  /**
   * Post the transfers, in order, all or none. A transfer whose id was posted
   * with the same payload answers `Exists` and is not applied again; with
   * another payload the group fails with `TransferConflict`. A transfer that
   * would overdraw a flagged account fails the group with `ExceedsCredits`,
   * and its id is remembered as failed (`TransferAlreadyFailed` from then on).
   */
  readonly post: (
    transfers: ReadonlyArray<TransferToPost>,
    now: DateTime.Utc
  ) => Effect.Effect<ReadonlyArray<TransferResult>, PostFailure | StoreUnavailable>
  readonly findTransfer: (id: TransferId) => Effect.Effect<Option.Option<Transfer>, StoreUnavailable>
  readonly balance: (id: LedgerAccountId) => Effect.Effect<Option.Option<AccountBalance>, StoreUnavailable>
  readonly history: (id: LedgerAccountId, query: HistoryQuery) => Effect.Effect<HistoryPage, StoreUnavailable>
  /** What moved through the account per kind of transfer, created in `[from, to)`. */
  readonly sums: (
    id: LedgerAccountId,
    from: DateTime.Utc,
    to: DateTime.Utc
  ) => Effect.Effect<ReadonlyArray<KindSum>, StoreUnavailable>
}

export class LedgerStore extends Context.Tag("@org/ledger/LedgerStore")<LedgerStore, LedgerStoreService>() {}
