/**
 * `createFamilyScrobble` on the Postgres server (`TEST_DATABASE_URL`, or the
 * local server when it answers) in a throwaway schema, against the Trakt
 * sandbox: the whole flow with its workers running, no secret in any response
 * or log line, tokens encrypted in `group_members`, and `stop()` / `start()`
 * keeping everything. Skipped without a server.
 */
import { randomBytes } from "node:crypto"
import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { startTraktSandbox, type TraktSandbox } from "@org/trakt/sandbox"
import { Effect, Layer } from "effect"
import { afterAll, beforeAll } from "vitest"
import { ADMIN_TOKEN, freshPlexUser, serverAvailable, testDatabaseUrl } from "../../http/test/helpers.js"
import { createFamilyScrobble, type FamilyScrobble } from "../src/index.js"
import {
  captureLogs,
  expectEncrypted,
  expectNoSecrets,
  facadeOver,
  type LogCapture,
  onboardFamily,
  PgDatabase,
  playPauseScrobble,
  recording,
  storedTokens
} from "./facade.js"

const available = await serverAvailable()
const schema = `http_${randomBytes(6).toString("hex")}`

describe.skipIf(!available)("on the Postgres server", () => {
  let sandbox: TraktSandbox
  let facade: FamilyScrobble | undefined
  let logs: LogCapture | undefined

  beforeAll(async () => {
    sandbox = await startTraktSandbox()
  })
  afterAll(async () => {
    await facade?.stop()
    logs?.restore()
    await sandbox?.close()
    await Effect.runPromise(
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`).pipe(
        Effect.provide(Layer.orDie(PgDatabase.layerUrl(testDatabaseUrl))),
        Effect.ignore
      )
    )
  })

  it("onboards, broadcasts, survives stop() / start(), stores tokens encrypted and never shows a secret", {
    timeout: 180_000
  }, async () => {
    logs = captureLogs()
    // Workers run too (retries, token refresh, inbox recovery, OAuth state expiry), as in production.
    // Member pacing lives in the process: the first POST after the restart may come less than a
    // second after the last one and get Trakt's 429; a short retry delay lets the retry worker
    // deliver it within the wait.
    const { options, tokenEncryptionKey } = facadeOver(
      sandbox,
      { url: testDatabaseUrl },
      { schema, settings: { retryBaseDelay: "500 millis" } }
    )
    facade = createFamilyScrobble(options)
    await facade.start()
    let http = recording(facade)

    const names = [`pg-mum-${process.pid}`, `pg-dad-${process.pid}`]
    const family = await onboardFamily(http, sandbox, freshPlexUser("pg"), names)
    await playPauseScrobble(http, sandbox, family)

    const rows = await storedTokens(PgDatabase.layerUrl(testDatabaseUrl), schema, family.groupId)
    expectEncrypted(rows, 2)

    const seen = [...http.seen]
    await facade.stop()
    await facade.start()
    http = recording(facade)
    const status = await http.request(`/oauth/family/${family.groupId}/status`)
    expect(await status.json()).toMatchObject({
      complete: true,
      members: names.map((traktUsername) => ({ status: "authorized", traktUsername }))
    })
    const admin = await http.request("/admin/api/family-groups", {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` }
    })
    expect(
      ((await admin.json()) as { groups: ReadonlyArray<{ id: string; authorizedCount: number }> }).groups
    ).toEqual([expect.objectContaining({ id: family.groupId, authorizedCount: 2 })])
    // The tokens read back after the restart still work: a second viewing reaches both members.
    await playPauseScrobble(http, sandbox, family, "episodeScrobble", 3)

    await facade.stop()
    facade = undefined
    logs.restore()
    expect(logs.lines.some((line) => line.includes("member authorized Trakt"))).toBe(true)
    expect(logs.lines.some((line) => line.includes("scrobble delivered"))).toBe(true)
    expectNoSecrets(
      [...seen, ...http.seen, ...logs.lines],
      [...family.codes, sandbox.clientSecret, tokenEncryptionKey, ADMIN_TOKEN]
    )
  })
})
