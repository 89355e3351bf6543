/**
 * The baseline: the webhook handler a developer writes by hand from Stripe's
 * docs. Express with the raw body, `stripe.webhooks.constructEvent`, one
 * insert of the event (its id the primary key, so a duplicate does nothing),
 * 200. Sends `{ url }` to the driver once listening.
 */
import type { AddressInfo } from "node:net"
import express from "express"
import pg from "pg"
import Stripe from "stripe"
import { DATABASE_URL, POOL_SIZE, SECRET_KEY, type ServerConfig, WEBHOOK_SECRET } from "./shared.js"

const config = JSON.parse(process.argv[2] ?? "{}") as ServerConfig
const pool = new pg.Pool({ connectionString: DATABASE_URL, max: POOL_SIZE })
const stripe = new Stripe(SECRET_KEY)
const table = `"${config.baselineSchema}".events`

const app = express()
app.post("/api/v1/webhooks/stripe", express.raw({ type: "application/json" }), async (req, res) => {
  let event: Stripe.Event
  try {
    event = stripe.webhooks.constructEvent(
      req.body as Buffer,
      req.headers["stripe-signature"] ?? "",
      WEBHOOK_SECRET
    )
  } catch {
    res.status(400).json({ error: "invalid signature" })
    return
  }
  try {
    await pool.query(
      `INSERT INTO ${table} (id, type, created_at, payload) VALUES ($1, $2, to_timestamp($3), $4) ON CONFLICT (id) DO NOTHING`,
      [event.id, event.type, event.created, JSON.stringify(event.data.object)]
    )
    res.json({ received: true })
  } catch {
    res.status(503).json({ error: "database unavailable" })
  }
})

const server = app.listen(0, "127.0.0.1", () => {
  process.send?.({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })
})
process.once("disconnect", () => {
  server.close()
  void pool.end()
})
