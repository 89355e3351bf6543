/**
 * `@org/billing`'s store on Postgres. An event's id is inserted (primary key)
 * in the transaction that applies it, under the account row's lock: a
 * duplicate delivery, even a concurrent one, waits for the first and then
 * inserts nothing. The next state is the pure lifecycle's, computed inside the
 * transaction from the locked row. Deliveries that arrive together share one
 * transaction (group commit); a lone delivery is a batch of one.
 */
import { SqlClient } from "@effect/sql"
import type { PlanId, UserId } from "@org/accounts"
import {
  BillingAccount,
  type BillingInterval,
  BillingStore,
  type BillingStoreService,
  type EventOutcome,
  emptyAccount,
  Subscription,
  type SubscriptionSource,
  type SubscriptionStatus
} from "@org/billing"
import type { StoreUnavailable } from "@org/core"
import { DateTime, Effect, type Exit, Layer, Option } from "effect"
import { makeGroupCommit } from "../GroupCommit.js"
import { PgStoreConfig } from "../PgStoreConfig.js"
import { storeFailures } from "../StoreErrors.js"

interface AccountRow {
  readonly user_id: string
  readonly customer_id: string | null
  readonly trial_used: boolean
  readonly source: SubscriptionSource | null
  readonly status: SubscriptionStatus | null
  readonly plan_id: string | null
  readonly price_id: string | null
  readonly amount_minor: number | null
  readonly currency: string | null
  readonly billing_interval: BillingInterval | null
  readonly current_period_end: Date | null
  readonly cancel_at_period_end: boolean | null
  readonly due_since: Date | null
  readonly trial_ends_at: Date | null
  readonly provider_subscription_id: string | null
  readonly started_at: Date | null
  readonly status_version_at: number | null
  readonly status_version_rank: number | null
  readonly status_version_event: string | null
  readonly terms_version_at: number | null
  readonly terms_version_rank: number | null
  readonly terms_version_event: string | null
  readonly updated_at: Date
}

const dateOf = (value: Date) => DateTime.unsafeMake(value)
const optionalDate = (value: Date | null) => Option.map(Option.fromNullable(value), dateOf)
const toDate = (value: DateTime.DateTime) => DateTime.toDate(value)

const toAccount = (row: AccountRow): BillingAccount =>
  new BillingAccount(
    {
      userId: row.user_id as UserId,
      customerId: Option.fromNullable(row.customer_id),
      trialUsed: row.trial_used,
      subscription:
        row.status === null || row.source === null
          ? Option.none()
          : Option.some(
              new Subscription(
                {
                  source: row.source,
                  status: row.status,
                  planId: Option.fromNullable(row.plan_id as PlanId | null),
                  priceId: Option.fromNullable(row.price_id),
                  amountMinor: Number(row.amount_minor),
                  currency: String(row.currency),
                  interval: row.billing_interval ?? "month",
                  currentPeriodEnd: dateOf(row.current_period_end as Date),
                  cancelAtPeriodEnd: row.cancel_at_period_end === true,
                  dueSince: optionalDate(row.due_since),
                  trialEndsAt: optionalDate(row.trial_ends_at),
                  providerSubscriptionId: Option.fromNullable(row.provider_subscription_id),
                  startedAt: dateOf(row.started_at as Date),
                  statusVersion: {
                    at: Number(row.status_version_at),
                    rank: Number(row.status_version_rank),
                    eventId: row.status_version_event ?? ""
                  },
                  termsVersion: {
                    at: Number(row.terms_version_at),
                    rank: Number(row.terms_version_rank),
                    eventId: row.terms_version_event ?? ""
                  }
                },
                true
              )
            ),
      updatedAt: dateOf(row.updated_at)
    },
    true
  )

const columnsOf = (account: BillingAccount) => {
  const sub = Option.getOrUndefined(account.subscription)
  return {
    customer_id: Option.getOrNull(account.customerId),
    trial_used: account.trialUsed,
    source: sub?.source ?? null,
    status: sub?.status ?? null,
    plan_id: sub === undefined ? null : Option.getOrNull(sub.planId),
    price_id: sub === undefined ? null : Option.getOrNull(sub.priceId),
    amount_minor: sub?.amountMinor ?? null,
    currency: sub?.currency ?? null,
    billing_interval: sub?.interval ?? null,
    current_period_end: sub === undefined ? null : toDate(sub.currentPeriodEnd),
    cancel_at_period_end: sub?.cancelAtPeriodEnd ?? null,
    due_since: sub === undefined ? null : Option.getOrNull(Option.map(sub.dueSince, toDate)),
    trial_ends_at: sub === undefined ? null : Option.getOrNull(Option.map(sub.trialEndsAt, toDate)),
    provider_subscription_id: sub === undefined ? null : Option.getOrNull(sub.providerSubscriptionId),
    started_at: sub === undefined ? null : toDate(sub.startedAt),
    status_version_at: sub?.statusVersion.at ?? null,
    status_version_rank: sub?.statusVersion.rank ?? null,
    status_version_event: sub?.statusVersion.eventId ?? null,
    terms_version_at: sub?.termsVersion.at ?? null,
    terms_version_rank: sub?.termsVersion.rank ?? null,
    terms_version_event: sub?.termsVersion.eventId ?? null,
    updated_at: toDate(account.updatedAt)
  }
}

export interface PgBillingStoreOptions {
  /** The accounts domain's schema, whose users the rows belong to. Default `accounts`. */
  readonly accountsSchema?: string
  /**
   * Events recorded together in one transaction at most (group commit): the
   * deliveries that arrive while a transaction runs share the next. Default 64.
   */
  readonly maxBatch?: number
  /** Transactions recording events at once. Default 2. */
  readonly writers?: number
}

/**
 * The rows of a batch's first statement: the first holds the inserted event
 * ids and the plans of the batch's prices; each other one is a locked account.
 */
type BatchRow = AccountRow & {
  readonly fresh_ids: ReadonlyArray<string> | null
  readonly plan_prices: ReadonlyArray<string> | null
  readonly plan_ids: ReadonlyArray<string> | null
}

type RecordEvent = BillingStoreService["recordEvent"]
type Item = {
  readonly event: Parameters<RecordEvent>[0]
  readonly parties: Parameters<RecordEvent>[1]
  readonly f: Parameters<RecordEvent>[2]
  /** Answers the delivery. */
  readonly resume: (outcome: Exit.Exit<EventOutcome, StoreUnavailable>) => void
}

export const makePgBillingStore = (options: PgBillingStoreOptions = {}) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const { schema } = yield* PgStoreConfig
    const accounts = sql(`${schema}.accounts`)
    const events = sql(`${schema}.events`)
    const users = sql(`${options.accountsSchema ?? "accounts"}.users`)
    const plans = sql(`${options.accountsSchema ?? "accounts"}.plans`)
    const first = (rows: ReadonlyArray<AccountRow>) => Option.map(Option.fromNullable(rows[0]), toAccount)
    const lockByUser = (userId: UserId) =>
      Effect.map(sql<AccountRow>`SELECT * FROM ${accounts} WHERE user_id = ${userId} FOR UPDATE`, first)

    const write = (account: BillingAccount) =>
      sql`UPDATE ${accounts} SET ${sql.update(columnsOf(account))} WHERE user_id = ${account.userId}`

    /**
     * Several events in one transaction, each with the outcome it would have
     * alone: the new ids inserted (in id order), the accounts they are about
     * locked (in user order, so concurrent batches cannot deadlock), each
     * account's events applied in turn, the accounts and the outcomes written.
     */
    const recordBatch = (items: ReadonlyArray<Item>) =>
      sql.withTransaction(
        Effect.gen(function* () {
          const now = yield* DateTime.now
          const outcomes = new Map<Item, EventOutcome>()
          const firstOfId = new Map<string, Item>()
          for (const item of items) {
            if (firstOfId.has(item.event.id)) outcomes.set(item, { _tag: "Duplicate" })
            else firstOfId.set(item.event.id, item)
          }
          const candidates = [...firstOfId.values()].sort((a, b) =>
            a.event.id < b.event.id ? -1 : a.event.id > b.event.id ? 1 : 0
          )
          const prices = [
            ...new Set(
              candidates.flatMap((item) => (item.event.priceId === undefined ? [] : [item.event.priceId]))
            )
          ]
          // One round trip: the new ids inserted, the plans of the batch's prices, and the
          // accounts of the new events' customers locked in user order. The lock reads the
          // inserted ids through an array (an init plan), so every insert is done before
          // the first lock is taken: as when they were two statements, a batch waiting on
          // another's event id holds no account lock, and batches cannot deadlock.
          const answered = yield* sql<BatchRow>`
            WITH inserted AS (
              INSERT INTO ${events} (id, type, created_at, outcome, received_at)
              SELECT id, type, created_at, 'unmatched', ${toDate(now)}
              FROM unnest(
                ${candidates.map((item) => item.event.id)}::text[],
                ${candidates.map((item) => item.event.type)}::text[],
                ${candidates.map((item) => toDate(item.event.createdAt))}::timestamptz[]
              ) WITH ORDINALITY AS e (id, type, created_at, n)
              ORDER BY n
              ON CONFLICT (id) DO NOTHING RETURNING id
            ),
            locked AS (
              SELECT a.* FROM ${accounts} a
              WHERE a.customer_id = ANY(ARRAY(
                SELECT c.customer
                FROM unnest(
                  ${candidates.map((item) => item.event.id)}::text[],
                  ${candidates.map((item) => item.parties.customerId ?? null)}::text[]
                ) AS c (id, customer)
                WHERE c.customer IS NOT NULL AND c.id IN (SELECT id FROM inserted)
              ))
              ORDER BY a.user_id FOR UPDATE
            )
            SELECT
              ARRAY(SELECT id FROM inserted) AS fresh_ids,
              ARRAY(SELECT stripe_price_id FROM ${plans} WHERE stripe_price_id = ANY(${prices}::text[])
                ORDER BY stripe_price_id, id) AS plan_prices,
              ARRAY(SELECT id FROM ${plans} WHERE stripe_price_id = ANY(${prices}::text[])
                ORDER BY stripe_price_id, id) AS plan_ids,
              (NULL::${accounts}).*
            UNION ALL
            SELECT NULL, NULL, NULL, locked.* FROM locked`
          const fresh = new Set<string>()
          const planOfPrice = new Map<string, PlanId>()
          const lockedRows: Array<AccountRow> = []
          for (const row of answered) {
            if (row.fresh_ids === null) {
              lockedRows.push(row)
              continue
            }
            for (const id of row.fresh_ids) fresh.add(id)
            for (const [index, price] of (row.plan_prices ?? []).entries())
              planOfPrice.set(price, row.plan_ids?.[index] as PlanId)
          }
          const toApply: Array<Item> = []
          for (const item of candidates) {
            if (fresh.has(item.event.id)) toApply.push(item)
            else outcomes.set(item, { _tag: "Duplicate" })
          }
          if (toApply.length > 0) {
            const userIds = [
              ...new Set(
                toApply.flatMap((item) => (item.parties.userId === undefined ? [] : [item.parties.userId]))
              )
            ]
            const current = new Map<string, BillingAccount>()
            const byCustomer = new Map<string, string>()
            const take = (rows: ReadonlyArray<AccountRow>) => {
              for (const row of rows) {
                current.set(row.user_id, toAccount(row))
                if (row.customer_id !== null) byCustomer.set(row.customer_id, row.user_id)
              }
            }
            take(lockedRows)
            // Events about no known customer fall back to their account id: made blank if missing.
            const byUser = userIds.filter(
              (userId) =>
                !current.has(userId) &&
                toApply.some(
                  (item) =>
                    item.parties.userId === userId &&
                    (item.parties.customerId === undefined || !byCustomer.has(item.parties.customerId))
                )
            )
            if (byUser.length > 0) {
              yield* sql`
                INSERT INTO ${accounts} (user_id, updated_at)
                SELECT u.id, ${toDate(now)} FROM ${users} u WHERE u.id = ANY(${byUser}::uuid[])
                ORDER BY u.id
                ON CONFLICT (user_id) DO NOTHING`
              take(
                yield* sql<AccountRow>`
                  SELECT * FROM ${accounts} WHERE user_id = ANY(${byUser}::uuid[])
                  ORDER BY user_id FOR UPDATE`
              )
            }
            const changed = new Set<string>()
            const applied: Array<{ id: string; userId: string }> = []
            for (const item of toApply) {
              const owner =
                (item.parties.customerId === undefined
                  ? undefined
                  : byCustomer.get(item.parties.customerId)) ??
                (item.parties.userId !== undefined && current.has(item.parties.userId)
                  ? item.parties.userId
                  : undefined)
              const account = owner === undefined ? undefined : current.get(owner)
              if (owner === undefined || account === undefined) {
                outcomes.set(item, { _tag: "Unmatched" })
                continue
              }
              const priceId = item.event.priceId
              const next = item.f(
                account,
                Option.fromNullable(priceId === undefined ? undefined : planOfPrice.get(priceId))
              )
              current.set(owner, next)
              // A customer id the event gave the account is found by the next one.
              for (const customer of Option.toArray(next.customerId)) byCustomer.set(customer, owner)
              changed.add(owner)
              applied.push({ id: item.event.id, userId: owner })
              outcomes.set(item, { _tag: "Applied", account: next })
            }
            if (changed.size > 0)
              yield* writeMany(
                [...changed].map((owner) => current.get(owner) as BillingAccount),
                applied
              )
          }
          return items.map((item) => outcomes.get(item) as EventOutcome)
        })
      )

    const maxBatch = Math.max(1, options.maxBatch ?? 64)
    const writers = Math.max(1, options.writers ?? 2)
    // Deliveries that arrive in the same turn of the event loop share a transaction.
    // A batch that fails is retried event by event, so one bad event fails alone.
    const enqueue = yield* makeGroupCommit<Item, EventOutcome>({
      writers,
      take: (pending) => pending.splice(0, maxBatch),
      write: (items) => storeFailures(recordBatch(items)),
      retryConcurrency: "unbounded"
    })

    /** Every column's SQL type, for writing many rows in one statement. */
    const columnTypes: Record<keyof ReturnType<typeof columnsOf>, string> = {
      customer_id: "text",
      trial_used: "boolean",
      source: "text",
      status: "text",
      plan_id: "uuid",
      price_id: "text",
      amount_minor: "integer",
      currency: "text",
      billing_interval: "text",
      current_period_end: "timestamptz",
      cancel_at_period_end: "boolean",
      due_since: "timestamptz",
      trial_ends_at: "timestamptz",
      provider_subscription_id: "text",
      started_at: "timestamptz",
      status_version_at: "double precision",
      status_version_rank: "integer",
      status_version_event: "text",
      terms_version_at: "double precision",
      terms_version_rank: "integer",
      terms_version_event: "text",
      updated_at: "timestamptz"
    }
    const columnNames = Object.keys(columnTypes) as Array<keyof typeof columnTypes>

    /**
     * Several accounts written, and their events marked applied, in one
     * statement. The rows travel as one JSON document (`json_to_recordset`):
     * `JSON.stringify` is native, where an array parameter per column is
     * escaped element by element in JavaScript.
     */
    const writeManySql = `WITH written AS (
           UPDATE "${schema}".accounts AS a SET ${columnNames.map((name) => `${name} = v.${name}`).join(", ")}
           FROM json_to_recordset($1::json) AS v (user_id uuid, ${columnNames.map((name) => `${name} ${columnTypes[name]}`).join(", ")})
           WHERE a.user_id = v.user_id
         )
         UPDATE "${schema}".events AS e SET outcome = 'applied', user_id = x."userId"
         FROM json_to_recordset($2::json) AS x (id text, "userId" uuid)
         WHERE e.id = x.id`
    const writeMany = (
      written: ReadonlyArray<BillingAccount>,
      applied: ReadonlyArray<{ readonly id: string; readonly userId: string }>
    ) =>
      sql.unsafe(writeManySql, [
        JSON.stringify(written.map((account) => ({ user_id: account.userId, ...columnsOf(account) }))),
        JSON.stringify(applied)
      ])

    const store: BillingStoreService = {
      find: (userId) =>
        storeFailures(
          Effect.map(sql<AccountRow>`SELECT * FROM ${accounts} WHERE user_id = ${userId}`, (rows) =>
            Option.map(Option.fromNullable(rows[0]), toAccount)
          )
        ),
      update: (userId, f) => {
        const locked = Effect.gen(function* () {
          const now = yield* DateTime.now
          // A user's first billing write inserts the row as it ends up, in one
          // statement (the users' foreign key refuses a user that does not exist).
          const fresh = f(emptyAccount(userId, now))
          const inserted = yield* sql`
            INSERT INTO ${accounts} ${sql.insert({ user_id: userId, ...columnsOf(fresh) })}
            ON CONFLICT (user_id) DO NOTHING RETURNING user_id`
          if (inserted.length > 0) return fresh
          const current = yield* lockByUser(userId)
          if (Option.isNone(current)) return yield* Effect.dieMessage(`billing: no user ${userId}`)
          const next = f(current.value)
          yield* write(next)
          return next
        })
        // Inside a caller's transaction the row lock holds until it commits: no savepoint needed.
        return storeFailures(
          Effect.flatMap(Effect.serviceOption(SqlClient.TransactionConnection), (transaction) =>
            Option.isSome(transaction) ? locked : sql.withTransaction(locked)
          )
        )
      },
      recordEvent: (event, parties, f) =>
        Effect.async<EventOutcome, StoreUnavailable>((resume) => enqueue({ event, parties, f, resume })),
      totals: (now) =>
        storeFailures(
          Effect.gen(function* () {
            const groups = yield* sql<{
              plan_id: string | null
              currency: string
              billing_interval: BillingInterval
              n: string
              amount: string
            }>`
              SELECT plan_id, currency, billing_interval, count(*) AS n, sum(amount_minor) AS amount
              FROM ${accounts} WHERE status = 'active'
              GROUP BY plan_id, currency, billing_interval`
            const [counts] = yield* sql<{ trials: string; past_due: string }>`
              SELECT
                count(*) FILTER (WHERE status = 'trialing'
                  AND coalesce(trial_ends_at, current_period_end) > ${toDate(now)}) AS trials,
                count(*) FILTER (WHERE status = 'past_due') AS past_due
              FROM ${accounts} WHERE status IS NOT NULL`
            return {
              active: groups.map((group) => ({
                planId: Option.fromNullable(group.plan_id as PlanId | null),
                currency: group.currency,
                interval: group.billing_interval,
                count: Number(group.n),
                amountMinor: Number(group.amount)
              })),
              trialsRunning: Number(counts?.trials ?? 0),
              pastDue: Number(counts?.past_due ?? 0)
            }
          })
        )
    }
    return store
  })

/** The store on the `SqlClient`, in the schema `PgStoreConfig` names. */
export const PgBillingStore = (
  options: PgBillingStoreOptions = {}
): Layer.Layer<BillingStore, never, SqlClient.SqlClient | PgStoreConfig> =>
  Layer.scoped(BillingStore, makePgBillingStore(options))
