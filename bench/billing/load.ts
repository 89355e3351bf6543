/**
 * The load generator, in a process of its own (config as JSON in `argv[2]`):
 * `connections` senders, each posting its next event as soon as the last is
 * answered, for a warm-up and a measured window. Every event is a distinct
 * `customer.subscription.updated` (Stripe's shape, about 2 KB) for one of the
 * seeded customers, newer than the last, signed as Stripe signs it. Sends
 * `LoadResult` to the driver and exits.
 */
import { createHmac } from "node:crypto"
import { Pool } from "undici"
import { postgresCpuSince, postgresTicks, processCpuSeconds } from "../cpu.js"
import { type LoadConfig, type LoadResult, PRICE_ID, WEBHOOK_SECRET } from "./shared.js"

const config = JSON.parse(process.argv[2] ?? "{}") as LoadConfig
const url = new URL(config.url)
const pool = new Pool(url.origin, { connections: config.connections, pipelining: 1 })
const base = Math.floor(Date.now() / 1000)
let counter = 0
/** Every 200, warm-up and stragglers included: each must have left a row. */
let totalAccepted = 0

const eventJson = () => {
  const n = counter++
  const customer = config.customers[n % config.customers.length] as LoadConfig["customers"][number]
  const created = base + n
  const start = created - 86_400
  const subscriptionId = `sub_bench_${customer.customerId.slice(4)}`
  return JSON.stringify(
    {
      id: `evt_bench_${config.run}_${n}`,
      object: "event",
      api_version: "2026-11-18.endive",
      created,
      data: {
        object: {
          id: subscriptionId,
          object: "subscription",
          customer: customer.customerId,
          status: n % 5 === 4 ? "past_due" : "active",
          created: base - 30 * 86_400,
          start_date: base - 30 * 86_400,
          billing_cycle_anchor: start,
          cancel_at: null,
          cancel_at_period_end: false,
          canceled_at: null,
          ended_at: null,
          trial_start: null,
          trial_end: null,
          currency: "usd",
          collection_method: "charge_automatically",
          metadata: { user_id: customer.userId },
          items: {
            object: "list",
            data: [
              {
                id: `si_bench_${customer.customerId.slice(4)}`,
                object: "subscription_item",
                price: {
                  id: PRICE_ID,
                  object: "price",
                  active: true,
                  currency: "usd",
                  unit_amount: 999,
                  type: "recurring",
                  recurring: { interval: "month", interval_count: 1, usage_type: "licensed" },
                  product: "prod_bench_family",
                  livemode: false,
                  created: base - 90 * 86_400
                },
                quantity: 1,
                subscription: subscriptionId,
                current_period_start: start,
                current_period_end: start + 30 * 86_400,
                created: base - 30 * 86_400
              }
            ],
            has_more: false,
            total_count: 1,
            url: `/v1/subscription_items?subscription=${subscriptionId}`
          },
          latest_invoice: `in_bench_${n}`,
          livemode: false
        },
        previous_attributes: { status: n % 5 === 4 ? "active" : "past_due" }
      },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type: "customer.subscription.updated"
    },
    null,
    2
  )
}

const sign = (payload: string) => {
  const t = Math.floor(Date.now() / 1000)
  return `t=${t},v1=${createHmac("sha256", WEBHOOK_SECRET).update(`${t}.${payload}`, "utf8").digest("hex")}`
}

const sendOne = async () => {
  const payload = eventJson()
  const response = await pool.request({
    method: "POST",
    path: "/api/v1/webhooks/stripe",
    headers: {
      "content-type": "application/json; charset=utf-8",
      "stripe-signature": sign(payload),
      "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
    },
    body: payload
  })
  await response.body.text()
  if (response.statusCode === 200) totalAccepted++
  return response.statusCode === 200
}

const window = async (seconds: number, record: boolean) => {
  const latencies: Array<number> = []
  let accepted = 0
  let errors = 0
  const start = performance.now()
  const end = start + seconds * 1000
  const sender = async () => {
    while (performance.now() < end) {
      const t0 = performance.now()
      const ok = await sendOne().catch(() => false)
      if (record && performance.now() <= end) {
        latencies.push(performance.now() - t0)
        if (ok) accepted++
        else errors++
      }
    }
  }
  await Promise.all(Array.from({ length: config.connections }, sender))
  return { accepted, errors, latencies, seconds: (performance.now() - start) / 1000 }
}

await window(config.warmupSeconds, false)
const serverBefore = config.serverPid === undefined ? Number.NaN : processCpuSeconds(config.serverPid)
const postgresBefore = postgresTicks()
const loadBefore = process.cpuUsage()
const measured = await window(config.seconds, true)
const loadUsed = process.cpuUsage(loadBefore)
const cpu = {
  server: config.serverPid === undefined ? Number.NaN : processCpuSeconds(config.serverPid) - serverBefore,
  postgres: postgresCpuSince(postgresBefore),
  load: (loadUsed.user + loadUsed.system) / 1e6
}
const result: LoadResult = {
  accepted: measured.accepted,
  errors: measured.errors,
  seconds: config.seconds,
  latencies: measured.latencies,
  totalAccepted,
  cpu
}
process.send?.(result, () => {
  void pool.close().then(() => process.exit(0))
})
