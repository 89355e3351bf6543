/**
 * `createPrune`, the prune engine's Promise facade, against fake plex.tv and
 * Tautulli servers on loopback and embedded PGlite: a plan with the reasons, a
 * dry-run cycle that removes nobody, a bad policy refused when created, a
 * plex.tv outage as a rejected promise, and passes on a schedule that stop.
 */
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type FakePlexTv, type FakeTautulli, startFakePlexTv, startFakeTautulli } from "@org/plex/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type CreatePruneOptions, createPrune, InvalidPruneOptions, PruneFailure } from "../src/index.js"

const DAY = 86_400

describe("createPrune", () => {
  let plex: FakePlexTv
  let tautulli: FakeTautulli
  let dataDir: string

  beforeAll(async () => {
    const now = Math.floor(Date.now() / 1000)
    plex = await startFakePlexTv({
      users: [
        { id: "201", username: "mom", email: "mom@example.com" },
        { id: "202", username: "uncle-joe" },
        { id: "203", username: "cousin-amy" },
        { id: "204", username: "neighbour", shares: [{ machineIdentifier: "their-server", owned: false }] }
      ]
    })
    tautulli = await startFakeTautulli({
      users: [
        { userId: "201", lastSeen: now - 120 * DAY },
        { userId: "202", lastSeen: now - 45 * DAY },
        { userId: "203", lastSeen: now - 2 * DAY }
      ]
    })
    dataDir = await mkdtemp(join(tmpdir(), "org-server-prune-"))
  })
  afterAll(async () => {
    await Promise.all([plex?.close(), tautulli?.close()])
    await rm(dataDir, { recursive: true, force: true })
  })

  const options = (extra: Partial<CreatePruneOptions> = {}): CreatePruneOptions => ({
    plex: { token: plex.token, serverName: plex.serverName, baseUrl: plex.url },
    tautulli: { url: tautulli.url, apiKey: tautulli.apiKey },
    database: { memory: true },
    policy: { vip: ["mom@example.com"] },
    logLevel: "None",
    ...extra
  })

  it("plans every user of this server with a decision and its reason, and changes nothing", async () => {
    const prune = createPrune(options())
    try {
      expect(prune.policy.dryRun).toBe(true)
      const plan = await prune.plan()
      const decisions = Object.fromEntries(plan.entries.map((e) => [e.user.username, e.decision._tag]))
      // 45 days without a watch: warned first, removed only after the notice period.
      expect(decisions).toEqual({ mom: "Skip", "uncle-joe": "Warn", "cousin-amy": "Nothing" })
      expect(plan.ignoredUsers).toBe(1)
      expect(plex.requests({ method: "DELETE" })).toEqual([])
    } finally {
      await prune.stop()
    }
  })

  it("runs a dry-run cycle that removes nobody and records nothing; stop() releases the database", async () => {
    const first = createPrune(options({ database: { dataDir } }))
    const report = await first.runOnce()
    await first.stop()
    expect(report.inactivity.dryRun).toBe(true)
    expect(report.inactivity.plan.entries.length).toBe(3)
    expect(plex.requests({ method: "DELETE" })).toEqual([])

    // The embedded database was closed: another facade opens the same directory, and
    // finds the store as the dry run left it, untouched.
    const second = createPrune(options({ database: { dataDir } }))
    try {
      const plan = await second.plan()
      expect(plan.initialized).toBe(false)
      expect(plan.entries.some((e) => e.recorded)).toBe(false)
    } finally {
      await second.stop()
    }
  })

  it("refuses a policy that cannot work, or no server to prune, when created", () => {
    expect(() => createPrune(options({ policy: { warnDays: 40, kickDays: 30 } }))).toThrow(
      InvalidPruneOptions
    )
    expect(() => createPrune(options({ policy: { warnDays: 40, kickDays: 30 } }))).toThrow(/warnDays/)
    expect(() => createPrune(options({ plex: { token: plex.token, baseUrl: plex.url } }))).toThrow(
      /serverName or plex.serverId/
    )
  })

  it("rejects with a PruneFailure when plex.tv does not answer, and works again when it does", async () => {
    const prune = createPrune(options())
    try {
      plex.fail("users", { kind: "status", status: 503 })
      const failure = await prune.plan().then(
        () => undefined,
        (error: unknown) => error
      )
      expect(failure).toBeInstanceOf(PruneFailure)
      expect((failure as PruneFailure).message).toMatch(/503/)
      expect(plex.requests({ method: "DELETE" })).toEqual([])
      plex.clearFaults()
      expect((await prune.plan()).entries.length).toBe(3)
    } finally {
      plex.clearFaults()
      await prune.stop()
    }
  })

  it("runs the passes on a schedule until stopped", async () => {
    const prune = createPrune(options({ schedule: { newUsersEvery: "1 hour", inactivityEvery: "1 hour" } }))
    tautulli.clearRequests()
    await prune.start()
    await prune.start() // idempotent
    const deadline = Date.now() + 15_000
    while (tautulli.requests().length === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50))
    expect(tautulli.requests().length).toBeGreaterThan(0)
    await prune.stop()
    const after = tautulli.requests().length
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(tautulli.requests().length).toBe(after)
  })
})
