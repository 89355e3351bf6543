/**
 * `createFamilyScrobble` on embedded PGlite against the Trakt sandbox: a family
 * of two onboarded through the real callback receives play, pause and scrobble;
 * no token, code or secret shows in a response or a log line; and with a data
 * directory, `stop()` then `start()` keeps everything, tokens encrypted at rest.
 */
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { startTraktSandbox, type TraktSandbox } from "@org/trakt/sandbox"
import { afterAll, beforeAll } from "vitest"
import { ADMIN_TOKEN, freshPlexUser } from "../../http/test/helpers.js"
import { createFamilyScrobble, type FamilyScrobble } from "../src/index.js"
import {
  captureLogs,
  deliver,
  eventOf,
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

const names = (prefix: string) => [`${prefix}-mum-${process.pid}`, `${prefix}-dad-${process.pid}`]

let sandbox: TraktSandbox
beforeAll(async () => {
  sandbox = await startTraktSandbox()
})
afterAll(async () => {
  await sandbox?.close()
})

describe("on PGlite in memory", () => {
  let facade: FamilyScrobble | undefined
  let logs: LogCapture | undefined
  afterAll(async () => {
    await facade?.stop()
    logs?.restore()
  })

  // Workers run (as by default); a short retry delay lets a retried delivery land within the waits.
  it("onboards a family of two, broadcasts play / pause / scrobble, and never shows a secret", {
    timeout: 180_000
  }, async () => {
    logs = captureLogs()
    const { options, tokenEncryptionKey } = facadeOver(
      sandbox,
      { memory: true },
      { settings: { retryBaseDelay: "500 millis" } }
    )
    facade = createFamilyScrobble(options)
    await facade.start()
    const http = recording(facade)

    const family = await onboardFamily(http, sandbox, freshPlexUser("pglite"), names("pglite"))
    await playPauseScrobble(http, sandbox, family)
    for (const name of family.traktUsernames) expect(sandbox.plays(name)).toHaveLength(1)

    const details = await http.request(`/admin/api/family-groups/${family.groupId}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` }
    })
    expect(details.status).toBe(200)
    expect(((await details.json()) as { members: ReadonlyArray<{ status: string }> }).members).toEqual([
      expect.objectContaining({ status: "authorized" }),
      expect.objectContaining({ status: "authorized" })
    ])

    await facade.stop()
    facade = undefined
    logs.restore()
    // The capture saw the service at work, so an absent secret means something.
    expect(logs.lines.some((line) => line.includes("member authorized Trakt"))).toBe(true)
    expect(logs.lines.some((line) => line.includes("scrobble delivered"))).toBe(true)
    expect(http.seen.length).toBeGreaterThan(10)
    expectNoSecrets(
      [...http.seen, ...logs.lines],
      [...family.codes, sandbox.clientSecret, tokenEncryptionKey, ADMIN_TOKEN]
    )
  })
})

describe("on PGlite in a data directory", () => {
  let dataDir: string
  let facade: FamilyScrobble | undefined
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "org-http-pglite-"))
  })
  afterAll(async () => {
    await facade?.stop()
    await rm(dataDir, { recursive: true, force: true })
  })

  it("stop() then start() keeps the family, its tokens (encrypted) and its webhook", {
    timeout: 240_000
  }, async () => {
    const { options } = facadeOver(sandbox, { dataDir }, { settings: { retryBaseDelay: "500 millis" } })
    facade = createFamilyScrobble(options)
    await facade.start()
    let http = recording(facade)
    const family = await onboardFamily(http, sandbox, freshPlexUser("datadir"), names("datadir"))
    await deliver(
      http,
      sandbox,
      family,
      eventOf("moviePlayNewAgent", "media.play", family.plexUsername, 0),
      1
    )

    await facade.stop()
    await facade.start()
    http = recording(facade)
    const status = await http.request(`/oauth/family/${family.groupId}/status`)
    expect(status.status).toBe(200)
    expect(await status.json()).toMatchObject({
      complete: true,
      members: family.traktUsernames.map((traktUsername) => ({ status: "authorized", traktUsername }))
    })
    // The stored tokens still decrypt: the next event reaches every member.
    await deliver(
      http,
      sandbox,
      family,
      eventOf("moviePlayNewAgent", "media.scrobble", family.plexUsername, 9_500_000),
      2
    )
    await facade.stop()
    facade = undefined

    const rows = await storedTokens(PgDatabase.layerEmbedded({ dataDir }), "family_scrobble", family.groupId)
    expectEncrypted(rows, 2)
  })
})
