/** `@org/resellers`' store on Postgres: the client rows, listed with the accounts schema's users and plans. */
import { SqlClient } from "@effect/sql"
import { PlanId, UserId } from "@org/accounts"
import { type ClientListing, ResellerClient, ResellerStore, type ResellerStoreService } from "@org/resellers"
import { DateTime, Effect, Layer, Option } from "effect"
import { PgStoreConfig } from "../PgStoreConfig.js"
import { storeFailures } from "../StoreErrors.js"

interface ClientRow {
  readonly client_id: string
  readonly reseller_id: string
  readonly plan_id: string
  readonly credits_per_period: number
  readonly current_period_end: Date
  readonly auto_renew: boolean
  readonly renewal_failed_at: Date | null
  readonly created_at: Date
}

const toClient = (row: ClientRow) =>
  new ResellerClient(
    {
      clientId: UserId.make(row.client_id),
      resellerId: UserId.make(row.reseller_id),
      planId: PlanId.make(row.plan_id),
      creditsPerPeriod: Number(row.credits_per_period),
      currentPeriodEnd: DateTime.unsafeMake(row.current_period_end),
      autoRenew: row.auto_renew,
      renewalFailedAt: Option.map(Option.fromNullable(row.renewal_failed_at), DateTime.unsafeMake),
      createdAt: DateTime.unsafeMake(row.created_at)
    },
    true
  )

const columns =
  "client_id, reseller_id, plan_id, credits_per_period, current_period_end, auto_renew, renewal_failed_at, created_at"

export const makePgResellerStore = (options: { readonly accountsSchema?: string } = {}) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const { schema } = yield* PgStoreConfig
    const accounts = options.accountsSchema ?? "accounts"
    const clients = sql(`${schema}.clients`)
    const users = sql(`${accounts}.users`)
    const plans = sql(`${accounts}.plans`)
    const date = (at: DateTime.DateTime) => DateTime.toDate(at)

    const write = (client: ResellerClient) =>
      sql`
        INSERT INTO ${clients} (${sql.unsafe(columns)})
        VALUES (${client.clientId}, ${client.resellerId}, ${client.planId}, ${client.creditsPerPeriod},
                ${date(client.currentPeriodEnd)}, ${client.autoRenew},
                ${Option.getOrNull(Option.map(client.renewalFailedAt, date))}, ${date(client.createdAt)})
        ON CONFLICT (client_id) DO UPDATE SET
          plan_id = EXCLUDED.plan_id, credits_per_period = EXCLUDED.credits_per_period,
          current_period_end = EXCLUDED.current_period_end, auto_renew = EXCLUDED.auto_renew,
          renewal_failed_at = EXCLUDED.renewal_failed_at`

    const store: ResellerStoreService = {
      add: (client) => storeFailures(Effect.asVoid(write(client))),
      find: (clientId) =>
        storeFailures(
          Effect.map(
            sql<ClientRow>`SELECT ${sql.unsafe(columns)} FROM ${clients} WHERE client_id = ${clientId}`,
            (rows) => Option.map(Option.fromNullable(rows[0]), toClient)
          )
        ),
      list: (resellerId, page) =>
        storeFailures(
          Effect.gen(function* () {
            const rows = yield* sql<
              ClientRow & { email: string; full_name: string; plan_name: string | null }
            >`
              SELECT c.client_id, c.reseller_id, c.plan_id, c.credits_per_period, c.current_period_end,
                     c.auto_renew, c.renewal_failed_at, c.created_at, u.email, u.full_name, p.name AS plan_name
              FROM ${clients} c
              JOIN ${users} u ON u.id = c.client_id
              LEFT JOIN ${plans} p ON p.id = c.plan_id
              WHERE c.reseller_id = ${resellerId}
              ORDER BY c.created_at DESC, c.client_id
              LIMIT ${page.limit} OFFSET ${page.offset}`
            const [count] = yield* sql<{ n: number }>`
              SELECT count(*)::int AS n FROM ${clients} WHERE reseller_id = ${resellerId}`
            return {
              listings: rows.map(
                (row): ClientListing => ({
                  client: toClient(row),
                  email: row.email,
                  fullName: row.full_name,
                  planName: row.plan_name ?? ""
                })
              ),
              total: count?.n ?? 0
            }
          })
        ),
      counts: (resellerId, now) =>
        storeFailures(
          Effect.map(
            sql<{ total: number; active: number }>`
              SELECT count(*)::int AS total, count(*) FILTER (WHERE current_period_end > ${date(now)})::int AS active
              FROM ${clients} WHERE reseller_id = ${resellerId}`,
            (rows) => ({ total: rows[0]?.total ?? 0, active: rows[0]?.active ?? 0 })
          )
        ),
      update: (clientId, f) =>
        storeFailures(
          sql.withTransaction(
            Effect.gen(function* () {
              const [row] = yield* sql<ClientRow>`
                SELECT ${sql.unsafe(columns)} FROM ${clients} WHERE client_id = ${clientId} FOR UPDATE`
              if (row === undefined) return Option.none()
              const next = f(toClient(row))
              yield* write(next)
              return Option.some(next)
            })
          )
        ),
      due: (now, limit) =>
        storeFailures(
          Effect.map(
            sql<ClientRow>`
              SELECT ${sql.unsafe(columns)} FROM ${clients}
              WHERE auto_renew AND current_period_end <= ${date(now)}
              ORDER BY current_period_end, client_id LIMIT ${limit}`,
            (rows) => rows.map(toClient)
          )
        )
    }
    return store
  })

/** The store on the `SqlClient`, in the schema `PgStoreConfig` names, over the accounts schema. */
export const PgResellerStore = (
  options: { readonly accountsSchema?: string } = {}
): Layer.Layer<ResellerStore, never, SqlClient.SqlClient | PgStoreConfig> =>
  Layer.effect(ResellerStore, makePgResellerStore(options))
