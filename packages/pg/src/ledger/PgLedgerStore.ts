/**
 * `@org/ledger`'s store on Postgres. Posting is one call of the schema's
 * `post_transfers` function (see `Migrations.ts`): the accounts locked in id
 * order, every check made against the locked balances, the debit itself the
 * no-overdraft `UPDATE`, all in one round trip and one commit. Posts that
 * arrive together share one call (group commit, each group still all or
 * nothing on its own); a post made inside a caller's transaction runs in that
 * transaction, so it commits or rolls back with the caller's other writes.
 */
import { SqlClient } from "@effect/sql"
import type { StoreUnavailable } from "@org/core"
import {
  AlreadyReversed,
  type Entry,
  ExceedsCredits,
  type KindSum,
  LedgerAccount,
  LedgerAccountConflict,
  type LedgerAccountId,
  LedgerAccountNotFound,
  LedgerStore,
  type LedgerStoreService,
  type PostFailure,
  type Transfer,
  TransferAlreadyFailed,
  TransferConflict,
  type TransferId,
  TransferNotFound,
  type TransferResult,
  type TransferToPost
} from "@org/ledger"
import { DateTime, Effect, type Exit, Layer, Option } from "effect"
import { makeGroupCommit } from "../GroupCommit.js"
import { PgStoreConfig } from "../PgStoreConfig.js"
import { storeFailures } from "../StoreErrors.js"

export interface PgLedgerStoreOptions {
  /** The most groups of transfers posted in one call. Default 64. */
  readonly maxBatch?: number
  /** Calls in flight at once (each on accounts none of the others holds). Default 2. */
  readonly writers?: number
}

type GroupOutcome =
  | {
      readonly items: ReadonlyArray<{
        readonly tag: "created" | "exists"
        readonly created_at?: number
        readonly debit_balance?: number
        readonly reverses?: string | null
      }>
    }
  | {
      readonly error:
        | "conflict"
        | "already_failed"
        | "account_not_found"
        | "transfer_not_found"
        | "already_reversed"
        | "exceeds_credits"
        | "retry"
      readonly transfer_id?: string
      readonly account_id?: string
      readonly reversal_id?: string
      readonly reason?: string
      readonly balance?: number
      readonly amount?: number
      readonly differences?: ReadonlyArray<{ field: string; existing: string; requested: string }>
    }

interface Item {
  readonly group: ReadonlyArray<TransferToPost>
  readonly now: DateTime.Utc
  /** The accounts the group's transfers touch. */
  readonly accounts: ReadonlyArray<string>
  /** Answers the poster. */
  readonly resume: (outcome: Exit.Exit<GroupOutcome, StoreUnavailable>) => void
}

const toJson = (group: ReadonlyArray<TransferToPost>) =>
  group.map((t) => ({
    id: t.id,
    debit: t.debitAccountId,
    credit: t.creditAccountId,
    amount: t.amount,
    kind: t.kind,
    description: t.description,
    reverses: Option.getOrNull(t.reverses)
  }))

const parseJson = <A>(value: unknown): A => (typeof value === "string" ? JSON.parse(value) : value) as A

/** The group's outcome as the port's answer: its results, or the failure of the transfer at fault. */
const toResults = (
  group: ReadonlyArray<TransferToPost>,
  outcome: GroupOutcome
): Effect.Effect<ReadonlyArray<TransferResult>, PostFailure> => {
  if ("items" in outcome)
    return Effect.succeed(
      outcome.items.map((item, index): TransferResult => {
        const request = group[index] as TransferToPost
        return item.tag === "created"
          ? {
              _tag: "Created",
              transfer: { ...request, createdAt: DateTime.unsafeMake(item.created_at ?? 0) },
              debitBalanceAfter: Number(item.debit_balance)
            }
          : {
              _tag: "Exists",
              transfer: {
                ...request,
                reverses: Option.fromNullable(item.reverses as TransferId | null | undefined),
                createdAt: DateTime.unsafeMake(item.created_at ?? 0)
              }
            }
      })
    )
  const transferId = outcome.transfer_id ?? ""
  switch (outcome.error) {
    case "conflict":
      return Effect.fail(new TransferConflict({ transferId, differences: outcome.differences ?? [] }))
    case "already_failed":
      return Effect.fail(new TransferAlreadyFailed({ transferId, reason: outcome.reason ?? "" }))
    case "account_not_found":
      return Effect.fail(new LedgerAccountNotFound({ accountId: outcome.account_id ?? "" }))
    case "transfer_not_found":
      return Effect.fail(new TransferNotFound({ transferId }))
    case "already_reversed":
      return Effect.fail(new AlreadyReversed({ transferId, reversalId: outcome.reversal_id ?? "" }))
    case "exceeds_credits":
      return Effect.fail(
        new ExceedsCredits({
          transferId,
          accountId: outcome.account_id ?? "",
          balance: Number(outcome.balance),
          amount: Number(outcome.amount)
        })
      )
    case "retry":
      return Effect.dieMessage("ledger: a group still raced after retries")
  }
}

interface AccountRow {
  readonly id: string
  readonly kind: string
  readonly debits_must_not_exceed_credits: boolean
  readonly created_at: Date
}

const toAccount = (row: AccountRow) =>
  new LedgerAccount(
    {
      id: row.id as LedgerAccountId,
      kind: row.kind,
      debitsMustNotExceedCredits: row.debits_must_not_exceed_credits,
      createdAt: DateTime.unsafeMake(row.created_at)
    },
    true
  )

export const makePgLedgerStore = (options: PgLedgerStoreOptions = {}) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const { schema } = yield* PgStoreConfig
    const t = (name: string) => sql(`${schema}.${name}`)
    const postFn = `"${schema}".post_transfers`

    /** One call of the posting function: a batch of groups, an outcome each. */
    const call = (groups: ReadonlyArray<ReadonlyArray<TransferToPost>>, now: DateTime.Utc) =>
      Effect.map(
        sql.unsafe<{ results: unknown }>(`SELECT ${postFn}($1::jsonb, $2::timestamptz) AS results`, [
          JSON.stringify(groups.map(toJson)),
          DateTime.toDate(now)
        ] as Array<never>),
        (rows) => parseJson<ReadonlyArray<GroupOutcome>>(rows[0]?.results)
      )

    /**
     * Group commit with batches that do not wait for each other: a dispatcher
     * hands batches to at most `writers` calls in flight, and a batch takes
     * only groups whose accounts no call in flight holds (a group passed over
     * keeps its accounts for the groups behind it, so each account's groups
     * go in arrival order). Concurrent calls from this process therefore
     * lock disjoint accounts and run side by side; calls from elsewhere are
     * ordered by the function's sorted locks, as before.
     */
    const maxBatch = Math.max(1, options.maxBatch ?? 64)
    const writers = Math.max(1, options.writers ?? 2)

    /** One call for the batch, at the latest of its times (they arrived within one call's span). */
    const write = (items: ReadonlyArray<Item>) =>
      storeFailures(
        call(
          items.map((item) => item.group),
          items.reduce((latest, item) => DateTime.max(latest, item.now), (items[0] as Item).now)
        )
      )

    const held = new Set<string>()
    /** The next batch: pending groups, in order, whose accounts are free; it holds them until it ends. */
    const take = (pending: Array<Item>): Array<Item> => {
      const taken: Array<Item> = []
      const passed = new Set<string>()
      let kept = 0
      for (const item of pending) {
        if (
          taken.length < maxBatch &&
          !item.accounts.some((account) => held.has(account) || passed.has(account))
        )
          taken.push(item)
        else {
          for (const account of item.accounts) passed.add(account)
          pending[kept++] = item
        }
      }
      pending.length = kept
      for (const item of taken) for (const account of item.accounts) held.add(account)
      return taken
    }
    const enqueue = yield* makeGroupCommit<Item, GroupOutcome>({
      writers,
      take,
      write,
      release: (batch) => {
        for (const item of batch) for (const account of item.accounts) held.delete(account)
      }
    })

    /** Inside a caller's transaction the call runs on its connection; otherwise it joins the next batch. */
    const postOnce = (group: ReadonlyArray<TransferToPost>, now: DateTime.Utc) =>
      Effect.flatMap(Effect.serviceOption(SqlClient.TransactionConnection), (transaction) =>
        Option.isSome(transaction)
          ? Effect.map(storeFailures(call([group], now)), (outcomes) => outcomes[0] as GroupOutcome)
          : Effect.async<GroupOutcome, StoreUnavailable>((resume) => {
              const accounts: Array<string> = []
              for (const t of group)
                for (const account of [t.debitAccountId, t.creditAccountId])
                  if (!accounts.includes(account)) accounts.push(account)
              enqueue({ group, now, accounts, resume })
            })
      )

    /** A group that raced a concurrent one for an id is posted again: then it sees the other's transfer. */
    const post: LedgerStoreService["post"] = (group, now) => {
      const attempt = (
        n: number
      ): Effect.Effect<ReadonlyArray<TransferResult>, PostFailure | StoreUnavailable> =>
        Effect.flatMap(postOnce(group, now), (outcome) =>
          "error" in outcome && outcome.error === "retry" && n < 5
            ? attempt(n + 1)
            : toResults(group, outcome)
        )
      return attempt(1)
    }

    const store: LedgerStoreService = {
      createAccount: (account) =>
        storeFailures(
          Effect.gen(function* () {
            const inserted = yield* sql<AccountRow>`
              INSERT INTO ${t("accounts")} (id, kind, debits_must_not_exceed_credits, created_at)
              VALUES (${account.id}, ${account.kind}, ${account.debitsMustNotExceedCredits}, ${DateTime.toDate(account.createdAt)})
              ON CONFLICT (id) DO NOTHING
              RETURNING id, kind, debits_must_not_exceed_credits, created_at`
            if (inserted[0] !== undefined)
              return { _tag: "Created" as const, account: toAccount(inserted[0]) }
            const [row] = yield* sql<AccountRow>`
              SELECT id, kind, debits_must_not_exceed_credits, created_at FROM ${t("accounts")} WHERE id = ${account.id}`
            if (row === undefined) return yield* Effect.dieMessage(`ledger: account ${account.id} vanished`)
            const existing = toAccount(row)
            const fields = [
              ...(existing.kind === account.kind ? [] : ["kind"]),
              ...(existing.debitsMustNotExceedCredits === account.debitsMustNotExceedCredits
                ? []
                : ["debitsMustNotExceedCredits"])
            ]
            if (fields.length > 0) return yield* new LedgerAccountConflict({ accountId: account.id, fields })
            return { _tag: "Exists" as const, account: existing }
          })
        ),
      findAccount: (id) =>
        storeFailures(
          Effect.map(
            sql<AccountRow>`SELECT id, kind, debits_must_not_exceed_credits, created_at FROM ${t("accounts")} WHERE id = ${id}`,
            (rows) => Option.map(Option.fromNullable(rows[0]), toAccount)
          )
        ),
      post,
      findTransfer: (id) =>
        storeFailures(
          Effect.map(
            sql<{
              id: string
              debit_account_id: string
              credit_account_id: string
              amount: number
              kind: string
              description: string
              reverses: string | null
              created_at: Date
            }>`
              SELECT id, debit_account_id, credit_account_id, amount::float8 AS amount, kind, description, reverses, created_at
              FROM ${t("transfers")} WHERE id = ${id}`,
            (rows) =>
              Option.map(
                Option.fromNullable(rows[0]),
                (row): Transfer => ({
                  id: row.id as TransferId,
                  debitAccountId: row.debit_account_id as LedgerAccountId,
                  creditAccountId: row.credit_account_id as LedgerAccountId,
                  amount: Number(row.amount),
                  kind: row.kind,
                  description: row.description,
                  reverses: Option.fromNullable(row.reverses as TransferId | null),
                  createdAt: DateTime.unsafeMake(row.created_at)
                })
              )
          )
        ),
      balance: (id) =>
        storeFailures(
          Effect.map(
            sql<{ debits: number; credits: number; version: number }>`
              SELECT debits_posted::float8 AS debits, credits_posted::float8 AS credits, version::float8 AS version
              FROM ${t("accounts")} WHERE id = ${id}`,
            (rows) =>
              Option.map(Option.fromNullable(rows[0]), (row) => ({
                accountId: id,
                debitsPosted: Number(row.debits),
                creditsPosted: Number(row.credits),
                balance: Number(row.credits) - Number(row.debits),
                version: Number(row.version)
              }))
          )
        ),
      history: (id, query) =>
        storeFailures(
          Effect.gen(function* () {
            const rows = yield* sql<{
              sequence: number
              transfer_id: string
              counterparty_id: string
              amount: number
              balance_after: number
              kind: string
              description: string
              created_at: Date
            }>`
              SELECT e.sequence::float8 AS sequence, e.transfer_id, e.counterparty_id, e.amount::float8 AS amount,
                     e.balance_after::float8 AS balance_after, t.kind, t.description, e.created_at
              FROM ${t("entries")} e JOIN ${t("transfers")} t ON t.id = e.transfer_id
              WHERE e.account_id = ${id}
                ${query.before === undefined ? sql`` : sql`AND e.sequence < ${query.before}`}
              ORDER BY e.sequence DESC
              LIMIT ${query.limit} OFFSET ${query.offset ?? 0}`
            const [count] = yield* sql<{ version: number }>`
              SELECT version::float8 AS version FROM ${t("accounts")} WHERE id = ${id}`
            return {
              entries: rows.map(
                (row): Entry => ({
                  transferId: row.transfer_id as TransferId,
                  accountId: id,
                  counterpartyId: row.counterparty_id as LedgerAccountId,
                  amount: Number(row.amount),
                  balanceAfter: Number(row.balance_after),
                  kind: row.kind,
                  description: row.description,
                  createdAt: DateTime.unsafeMake(row.created_at),
                  sequence: Number(row.sequence)
                })
              ),
              total: Number(count?.version ?? 0)
            }
          })
        ),
      sums: (id, from, to) =>
        storeFailures(
          Effect.map(
            sql<{ kind: string; debits: number; credits: number; count: number }>`
              SELECT t.kind,
                     coalesce(sum(-e.amount) FILTER (WHERE e.amount < 0), 0)::float8 AS debits,
                     coalesce(sum(e.amount) FILTER (WHERE e.amount > 0), 0)::float8 AS credits,
                     count(*)::float8 AS count
              FROM ${t("entries")} e JOIN ${t("transfers")} t ON t.id = e.transfer_id
              WHERE e.account_id = ${id} AND e.created_at >= ${DateTime.toDate(from)} AND e.created_at < ${DateTime.toDate(to)}
              GROUP BY t.kind ORDER BY t.kind`,
            (rows) =>
              rows.map(
                (row): KindSum => ({
                  kind: row.kind,
                  debits: Number(row.debits),
                  credits: Number(row.credits),
                  count: Number(row.count)
                })
              )
          )
        )
    }
    return store
  })

/** The store on the `SqlClient`, in the schema `PgStoreConfig` names. */
export const PgLedgerStore = (
  options: PgLedgerStoreOptions = {}
): Layer.Layer<LedgerStore, never, SqlClient.SqlClient | PgStoreConfig> =>
  Layer.scoped(LedgerStore, makePgLedgerStore(options))
