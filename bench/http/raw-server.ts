/**
 * The raw database: the same durable work as the SDK's answer path, written by
 * hand in plain Express 5 and `pg`, with no Effect. `POST /api?id=<groupId>`
 * reads the body (`express.raw`), decodes it with the same decoder
 * (`decodeWebhookEither` of `@org/plex`), finds the group (one `SELECT`), checks
 * the event's Plex account against it, inserts the inbox row (one `INSERT`, the
 * same columns as `PgWebhookInbox.record`) and answers 200
 * `{ eventId, status: "accepted" }`. Nothing processes the rows; the driver
 * deletes them after the run. A `pg.Pool` of 10 connections, as the SDK's.
 *
 * Started by `main.ts` with `{ databaseUrl, schema }` as JSON in `argv[2]`;
 * sends `{ url }` once listening and stops when the driver goes away.
 */
import { randomUUID } from "node:crypto"
import type { AddressInfo } from "node:net"
import { decodeWebhookEither } from "@org/plex"
import express from "express"
import pg from "pg"
import { onDriverGone, sendToDriver } from "./child.js"

const config = JSON.parse(process.argv[2] ?? "{}") as {
  readonly databaseUrl: string
  readonly schema: string
}
const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 10 })
const groups = `${config.schema}.family_groups`
const inbox = `${config.schema}.webhook_inbox`
const LEASE_MS = 120_000

const app = express()
app.post("/api", express.raw({ type: () => true, limit: "10mb" }), async (req, res) => {
  try {
    const groupId = typeof req.query.id === "string" ? req.query.id : ""
    const decoded = decodeWebhookEither(req.body as Buffer, req.headers["content-type"])
    if (decoded._tag === "Left") {
      res.status(400).json({ message: decoded.left.message })
      return
    }
    const event = decoded.right.event
    const found = await pool.query<{ plex_username: string }>(
      `SELECT plex_username FROM ${groups} WHERE id = $1`,
      [groupId]
    )
    const group = found.rows[0]
    if (group === undefined) {
      res.status(404).json({ message: "no such group" })
      return
    }
    const eventId = randomUUID()
    if (event.Account?.title?.toLowerCase() !== group.plex_username.toLowerCase()) {
      res.status(200).json({ eventId, status: "ignored" })
      return
    }
    const now = new Date()
    await pool.query(
      `INSERT INTO ${inbox} (id, group_id, event, received_at, lease_until) VALUES ($1, $2, $3, $4, $5)`,
      [eventId, groupId, JSON.stringify(event), now, new Date(now.getTime() + LEASE_MS)]
    )
    res.status(200).json({ eventId, status: "accepted" })
  } catch (error) {
    res.status(500).json({ message: String(error) })
  }
})
const server = app.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo
  sendToDriver({ url: `http://127.0.0.1:${port}` })
})
onDriverGone(async () => {
  await new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
  await pool.end()
})
