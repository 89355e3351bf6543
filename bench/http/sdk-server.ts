/**
 * The system under test: `createFamilyScrobble` from `@org/http` on the local
 * Postgres, in a throwaway schema, mounted in Express 5 (`app.use(router)`, as
 * the Express example does) or served by `node:http` with `nodeHandler`.
 * Started by `main.ts` with its configuration as JSON in `argv[2]`; sends
 * `{ url }` once the service has started (schema migrated, workers running) and
 * listens, and stops (`familyScrobble.stop()`: broadcasts under way finish, the
 * pool closes) when the driver goes away. On `{ type: "profile-start" }` and
 * `{ type: "profile-stop", path }` it profiles its main thread's CPU in between
 * and writes the `.cpuprofile` to `path`.
 */
import { writeFile } from "node:fs/promises"
import { createServer } from "node:http"
import { Session } from "node:inspector/promises"
import type { AddressInfo } from "node:net"
import { createFamilyScrobble } from "@org/server"
import express from "express"
import { onDriverGone, sendToDriver } from "./child.js"

export interface SdkServerConfig {
  readonly kind: "express" | "node"
  readonly databaseUrl: string
  readonly schema: string
  readonly tokenEncryptionKey: string
  readonly trakt: {
    readonly clientId: string
    readonly clientSecret: string
    readonly apiUrl: string
    readonly authUrl: string
  }
  readonly logLevel: "Debug" | "Info" | "Warning" | "Error" | "None"
}

const config = JSON.parse(process.argv[2] ?? "{}") as SdkServerConfig

const server = createServer()
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

const familyScrobble = createFamilyScrobble({
  publicUrl: url,
  database: { url: config.databaseUrl },
  schema: config.schema,
  trakt: config.trakt,
  tokenEncryptionKey: config.tokenEncryptionKey,
  logLevel: config.logLevel,
  // The bench sets its groups up from one client in a burst, as no household would.
  rateLimits: false,
  settings: {
    // Every webhook of the bench is a new event to broadcast: no repeat is dropped
    // as a duplicate, and no member's POSTs are paced (the sandbox does not limit them either).
    duplicateWindow: "0 millis",
    minPostInterval: "0 millis"
  }
})
await familyScrobble.start()

if (config.kind === "express") {
  const app = express()
  app.use(familyScrobble.router)
  server.on("request", app)
} else {
  server.on("request", familyScrobble.nodeHandler)
}

// `--cpu-prof`: the driver profiles the measured window only (not the start, nor the drain).
let profiler: Session | undefined
process.on("message", (message: { type?: string; path?: string }) => {
  const reply = (result: unknown) => sendToDriver({ type: message.type, ...(result as object) })
  if (message.type === "profile-start") {
    profiler = new Session()
    profiler.connect()
    profiler
      .post("Profiler.enable")
      .then(() => profiler?.post("Profiler.setSamplingInterval", { interval: 500 }))
      .then(() => profiler?.post("Profiler.start"))
      .then(
        () => reply({ ok: true }),
        (error: unknown) => reply({ ok: false, error: String(error) })
      )
  } else if (message.type === "profile-stop" && profiler !== undefined && message.path !== undefined) {
    const session = profiler
    const path = message.path
    profiler = undefined
    session
      .post("Profiler.stop")
      .then(async ({ profile }) => {
        await writeFile(path, JSON.stringify(profile))
        session.disconnect()
      })
      .then(
        () => reply({ ok: true, path }),
        (error: unknown) => reply({ ok: false, error: String(error) })
      )
  }
})

onDriverGone(async () => {
  await new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
  await familyScrobble.stop()
})
sendToDriver({ url })
