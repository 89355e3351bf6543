/**
 * The prune benchmark still runs and still checks what it measures: a small
 * dry-run cycle on PGlite (the bench fails when anything was sent or removed).
 */
import { describe, expect, it } from "vitest"
import { runCycle } from "../prune/cycle.js"
import { runDecisions } from "../prune/decisions.js"

describe("bench/prune", () => {
  it("decides for every user, a mix of every decision", () => {
    const result = runDecisions(2_000, 1)
    expect(Object.values(result.counts).reduce((a, b) => a + b, 0)).toBe(2_000)
    for (const tag of ["Nothing", "Warn", "Remove", "Skip"]) expect(result.counts[tag]).toBeGreaterThan(0)
  })

  it("runs a dry-run cycle against the fakes on PGlite", async () => {
    const result = await runCycle({ store: "pglite", users: 200, otherFriends: 20, warmup: 0, iterations: 1 })
    expect(result.users).toBe(200)
    expect(result.iterations).toBe(1)
    // The cycle planned real work (and, being dry, did none of it: runCycle checks that).
    expect(result.planned["inactivity:warn"] ?? 0).toBeGreaterThan(0)
    expect(result.planned["inactivity:remove"] ?? 0).toBeGreaterThan(0)
  }, 120_000)
})
