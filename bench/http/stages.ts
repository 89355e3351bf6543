/**
 * Where a webhook's CPU goes, stage by stage, in one process (no network, no
 * load generator): the CPU time (user + system, `process.cpuUsage`) per
 * operation of
 *
 * - decoding the Plex body (`decodeWebhookEither`), without and with a thumb;
 * - two objects the answer path builds: an HTTP error (`readBody` makes one for
 *   every request, used only when the body is too large) and the inbox entry,
 *   validated or not;
 * - the SDK's web handler (`makeHandlers(…).handler`) on the in-memory stores: a
 *   trivial endpoint (`GET /healthz`), a webhook refused before any store (a
 *   malformed group id: routing, body, decoding, 404), and a webhook to a group
 *   whose members are pending (answer and background broadcast);
 * - the same webhook on the Postgres stores (`FamilyScrobblePg`, a throwaway
 *   schema): this process's CPU only, the database's is not counted;
 * - the webhook's two statements (find the group, insert the inbox row) through
 *   `@effect/sql-pg`, and through `pg` directly.
 *
 * Each runs sequentially (one at a time) after a warm-up. Run with
 * `pnpm --filter @org/bench-http stages [--n=N]`; `BENCH_DATABASE_URL` as for
 * `main.ts`. The numbers are for comparing stages with one another on the same
 * machine, in the same run.
 */
import { randomBytes, randomUUID } from "node:crypto"
import { SqlClient } from "@effect/sql"
import { SecureRandomNode } from "@org/crypto"
import { EventId, FamilyGroupId, FamilyScrobbleConfig, InboxEntry } from "@org/family-scrobble"
import { FamilyScrobbleTest, TestTraktLayer } from "@org/family-scrobble/testing"
import { PayloadTooLarge } from "@org/http"
import { type FamilyScrobbleHandlers, makeHandlers } from "@org/http/family-scrobble"
import { makeTokenCipher, PgDatabase, parseTokenKeys } from "@org/pg"
import { FamilyScrobblePg } from "@org/pg/family-scrobble"
import { decodeWebhookEither } from "@org/plex"
import { DateTime, Effect, Layer, ManagedRuntime } from "effect"
import pg from "pg"
import { benchThumb, playWebhook } from "./bodies.js"

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"
const PUBLIC_URL = "http://bench.invalid"
const settings = { duplicateWindow: "0 millis", minPostInterval: "0 millis" } as const

interface StageResult {
  readonly stage: string
  readonly n: number
  readonly cpuUs: number
  readonly wallUs: number
}

const measure = async (stage: string, n: number, op: (i: number) => unknown): Promise<StageResult> => {
  for (let i = 0; i < Math.max(50, n / 5); i++) await op(i)
  const cpu = process.cpuUsage()
  const start = performance.now()
  for (let i = 0; i < n; i++) await op(i)
  const wall = (performance.now() - start) * 1000
  const used = process.cpuUsage(cpu)
  return { stage, n, cpuUs: (used.user + used.system) / n, wallUs: wall / n }
}

/** Let the background broadcasts of the last webhooks finish before the next stage. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 500))

const createGroup = async (handlers: FamilyScrobbleHandlers, plexUsername: string): Promise<string> => {
  const response = await handlers.handler(
    new Request(`${PUBLIC_URL}/oauth/family/state`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ plexUsername, labels: ["Alex", "Blake", "Casey"] })
    })
  )
  if (response.status !== 201)
    throw new Error(`creating a group: HTTP ${response.status} ${await response.text()}`)
  return ((await response.json()) as { groupId: string }).groupId
}

const webhookStage = async (stage: string, handlers: FamilyScrobbleHandlers, n: number) => {
  const plexUsername = `stages-${randomBytes(3).toString("hex")}`
  const groupId = await createGroup(handlers, plexUsername)
  const { body, contentType } = playWebhook(plexUsername, undefined)
  const result = await measure(stage, n, async () => {
    const response = await handlers.handler(
      new Request(`${PUBLIC_URL}/api?id=${groupId}`, {
        method: "POST",
        headers: { "content-type": contentType },
        body
      })
    )
    if (response.status !== 200) throw new Error(`webhook: HTTP ${response.status} ${await response.text()}`)
    await response.arrayBuffer()
  })
  await settle()
  return result
}

const main = async () => {
  const n = Number(process.argv.find((a) => a.startsWith("--n="))?.slice(4) ?? 1000)
  const results: Array<StageResult> = []

  const plain = playWebhook("stages", undefined)
  const withThumb = playWebhook("stages", benchThumb(40_000))
  results.push(
    await measure("decodeWebhookEither, no thumb", n * 5, () =>
      decodeWebhookEither(plain.body, plain.contentType)
    )
  )
  results.push(
    await measure("decodeWebhookEither, 40 kB thumb", n * 5, () =>
      decodeWebhookEither(withThumb.body, withThumb.contentType)
    )
  )

  // Objects the answer path builds: an error class (Schema-validated, with a stack trace) and the inbox entry.
  const decodedEvent = decodeWebhookEither(plain.body, plain.contentType)
  if (decodedEvent._tag === "Left") throw new Error("the bench's webhook does not decode")
  const playEvent = decodedEvent.right.event as unknown as InboxEntry["event"]
  results.push(
    await measure("new PayloadTooLarge({ message, limit }) (readBody builds one per request)", n * 5, () => {
      new PayloadTooLarge({ message: "The webhook body is larger than 10485760 bytes.", limit: 10_485_760 })
    })
  )
  const entryFields = () => ({
    id: EventId.make(randomUUID()),
    groupId: FamilyGroupId.make(randomUUID()),
    event: playEvent,
    receivedAt: DateTime.unsafeNow()
  })
  results.push(await measure("new InboxEntry(…) (validated)", n * 5, () => new InboxEntry(entryFields())))
  results.push(
    await measure(
      "new InboxEntry(…, { disableValidation: true })",
      n * 5,
      () => new InboxEntry(entryFields(), { disableValidation: true })
    )
  )

  // The web handler on the in-memory stores.
  const memory = await makeHandlers(
    { publicUrl: PUBLIC_URL, logLevel: "Info" },
    FamilyScrobbleTest({ settings })
  )
  try {
    results.push(
      await measure("SDK web handler, memory: GET /healthz", n, async () => {
        const response = await memory.handler(new Request(`${PUBLIC_URL}/healthz`))
        await response.arrayBuffer()
      })
    )
    results.push(
      await measure(
        "SDK web handler, memory: webhook to a malformed group id (404 before any store)",
        n,
        async () => {
          const response = await memory.handler(
            new Request(`${PUBLIC_URL}/api?id=not-a-group`, {
              method: "POST",
              headers: { "content-type": plain.contentType },
              body: plain.body
            })
          )
          if (response.status !== 404) throw new Error(`expected 404, got ${response.status}`)
          await response.arrayBuffer()
        }
      )
    )
    results.push(await webhookStage("SDK web handler, memory: webhook + broadcast to nobody", memory, n))
  } finally {
    await memory.dispose()
  }

  // The web handler on Postgres, in a schema of its own.
  const schema = `bench_stages_${randomBytes(4).toString("hex")}`
  const db = new pg.Client({ connectionString: DATABASE_URL })
  await db.connect()
  try {
    const cipher = makeTokenCipher(parseTokenKeys(`k1:${randomBytes(32).toString("base64")}`))
    const services = Layer.mergeAll(
      FamilyScrobblePg.layer({ cipher, schema }),
      TestTraktLayer(),
      SecureRandomNode,
      FamilyScrobbleConfig.layer(settings)
    ).pipe(Layer.provide(PgDatabase.layerUrl(DATABASE_URL)), Layer.orDie)
    const onPg = await makeHandlers({ publicUrl: PUBLIC_URL, logLevel: "Info" }, services)
    try {
      results.push(
        await webhookStage(
          "SDK web handler, Postgres: webhook + broadcast to nobody",
          onPg,
          Math.round(n / 2)
        )
      )
    } finally {
      await onPg.dispose()
    }

    // The two statements of the answer path, with the group and the event of a webhook.
    const groupId = randomUUID()
    await db.query(
      `INSERT INTO ${schema}.family_groups (id, plex_username, created_at) VALUES ($1, $2, now())`,
      [groupId, `stages-sql-${groupId.slice(0, 8)}`]
    )
    const decoded = decodeWebhookEither(plain.body, plain.contentType)
    const event = JSON.stringify(decoded._tag === "Right" ? decoded.right.event : {})

    const sql = ManagedRuntime.make(PgDatabase.layerUrl(DATABASE_URL))
    try {
      const statements = Effect.gen(function* () {
        const client = yield* SqlClient.SqlClient
        const groups = client(`${schema}.family_groups`)
        const inbox = client(`${schema}.webhook_inbox`)
        yield* client`SELECT id, plex_username, created_at FROM ${groups} WHERE id = ${groupId}`
        const now = new Date()
        yield* client`INSERT INTO ${inbox} ${client.insert({
          id: randomUUID(),
          group_id: groupId,
          event,
          received_at: now,
          lease_until: new Date(now.getTime() + 120_000)
        })}`
      })
      results.push(
        await measure("@effect/sql-pg: find group + insert inbox row", n, () => sql.runPromise(statements))
      )
    } finally {
      await sql.dispose()
    }
    results.push(
      await measure("pg: find group + insert inbox row", n, async () => {
        await db.query(`SELECT id, plex_username, created_at FROM ${schema}.family_groups WHERE id = $1`, [
          groupId
        ])
        const now = new Date()
        await db.query(
          `INSERT INTO ${schema}.webhook_inbox (id, group_id, event, received_at, lease_until) VALUES ($1, $2, $3, $4, $5)`,
          [randomUUID(), groupId, event, now, new Date(now.getTime() + 120_000)]
        )
      })
    )
  } finally {
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await db.end()
  }

  console.log("| Stage | Operations | CPU µs per operation | Wall µs per operation |")
  console.log("|:---|---:|---:|---:|")
  for (const r of results)
    console.log(`| ${r.stage} | ${r.n} | ${r.cpuUs.toFixed(0)} | ${r.wallUs.toFixed(0)} |`)
}

await main()
