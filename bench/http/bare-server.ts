/**
 * The baseline: a bare Express 5 server whose `POST /api` reads the whole body
 * (`express.raw`, into a Buffer, as the SDK must before it can answer) and
 * answers 200 `{ ok: true }`. No parsing, no database. Started by `main.ts`;
 * sends `{ url }` once listening and stops when the driver goes away.
 */
import type { AddressInfo } from "node:net"
import express from "express"
import { onDriverGone, sendToDriver } from "./child.js"

const app = express()
app.post("/api", express.raw({ type: () => true, limit: "10mb" }), (_req, res) => {
  res.status(200).json({ ok: true })
})
const server = app.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo
  sendToDriver({ url: `http://127.0.0.1:${port}` })
})
onDriverGone(
  () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
)
