/**
 * `@org/billing`'s store on Postgres. An event's id is inserted (primary key)
 * in the transaction that applies it, under the account row's lock: a
 * duplicate delivery, even a concurrent one, waits for the first and then
 * inserts nothing. The next state is the pure lifecycle's, computed inside the
 * transaction from the locked row.
 */
import { SqlClient } from "@effect/sql"
import type { PlanId, UserId } from "@org/accounts"
import {
  BillingAccount,
  type BillingInterval,
  BillingStore,
  type BillingStoreService,
  type EventOutcome,
  Subscription,
  type SubscriptionSource,
  type SubscriptionStatus
} from "@org/billing"
import { DateTime, Effect, Layer, Option } from "effect"
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
}

export const makePgBillingStore = (options: PgBillingStoreOptions = {}) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const { schema } = yield* PgStoreConfig
    const accounts = sql(`${schema}.accounts`)
    const events = sql(`${schema}.events`)
    const users = sql(`${options.accountsSchema ?? "accounts"}.users`)

    const first = (rows: ReadonlyArray<AccountRow>) => Option.map(Option.fromNullable(rows[0]), toAccount)
    const lockByUser = (userId: UserId) =>
      Effect.map(sql<AccountRow>`SELECT * FROM ${accounts} WHERE user_id = ${userId} FOR UPDATE`, first)
    const lockByCustomer = (customerId: string) =>
      Effect.map(
        sql<AccountRow>`SELECT * FROM ${accounts} WHERE customer_id = ${customerId} FOR UPDATE`,
        first
      )

    /** The locked row of a user, made blank first if missing; none if the user does not exist. */
    const lockAccount = (userId: UserId, now: DateTime.Utc) =>
      Effect.gen(function* () {
        const [exists] = yield* sql<{ id: string }>`SELECT id FROM ${users} WHERE id = ${userId}`
        if (exists === undefined) return Option.none<BillingAccount>()
        yield* sql`INSERT INTO ${accounts} (user_id, updated_at) VALUES (${userId}, ${toDate(now)})
                   ON CONFLICT (user_id) DO NOTHING`
        return yield* lockByUser(userId)
      })

    const write = (account: BillingAccount) =>
      sql`UPDATE ${accounts} SET ${sql.update(columnsOf(account))} WHERE user_id = ${account.userId}`

    const store: BillingStoreService = {
      find: (userId) =>
        storeFailures(
          Effect.map(sql<AccountRow>`SELECT * FROM ${accounts} WHERE user_id = ${userId}`, (rows) =>
            Option.map(Option.fromNullable(rows[0]), toAccount)
          )
        ),
      update: (userId, f) =>
        storeFailures(
          sql.withTransaction(
            Effect.gen(function* () {
              const now = yield* DateTime.now
              const current = yield* lockAccount(userId, now)
              if (Option.isNone(current)) return yield* Effect.dieMessage(`billing: no user ${userId}`)
              const next = f(current.value)
              yield* write(next)
              return next
            })
          )
        ),
      recordEvent: (event, parties, f) =>
        storeFailures(
          sql.withTransaction(
            Effect.gen(function* () {
              const now = yield* DateTime.now
              const inserted = yield* sql`
                INSERT INTO ${events} (id, type, created_at, outcome, received_at)
                VALUES (${event.id}, ${event.type}, ${toDate(event.createdAt)}, 'unmatched', ${toDate(now)})
                ON CONFLICT (id) DO NOTHING RETURNING id`
              if (inserted.length === 0) return { _tag: "Duplicate" } satisfies EventOutcome
              let account = Option.none<BillingAccount>()
              if (parties.customerId !== undefined) account = yield* lockByCustomer(parties.customerId)
              if (Option.isNone(account) && parties.userId !== undefined)
                account = yield* lockAccount(parties.userId, now)
              if (Option.isNone(account)) return { _tag: "Unmatched" } satisfies EventOutcome
              const next = f(account.value)
              yield* write(next)
              yield* sql`UPDATE ${events} SET outcome = 'applied', user_id = ${next.userId} WHERE id = ${event.id}`
              return { _tag: "Applied", account: next } satisfies EventOutcome
            })
          )
        ),
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
  Layer.effect(BillingStore, makePgBillingStore(options))
