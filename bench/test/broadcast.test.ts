/**
 * A smoke test of the broadcast benchmark: it runs end to end over the sandbox
 * and measures what it claims to. No timing is asserted: speed is measured by
 * `pnpm bench:broadcast` and recorded in docs/benchmarks.md.
 */
import { describe, expect, it } from "vitest"
import { formatTable, measureBroadcast, type SandboxPlacement, stats } from "../broadcast/measure.js"
import { startBenchSandbox } from "../broadcast/sandbox.js"

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe("bench/broadcast", () => {
  it.each<SandboxPlacement>(["child", "in-process"])(
    "broadcasts to every member in every iteration and times the SDK against the baseline (sandbox: %s)",
    async (sandbox) => {
      const result = await measureBroadcast({
        members: 2,
        warmup: 1,
        iterations: 2,
        latencyMs: 0,
        sandbox,
        trace: true
      })
      expect(result.sandbox).toBe(sandbox)

      // Every SDK iteration (the warm-up too) delivered to both members; the sandbox saw it all.
      expect(result.deliveredPerIteration).toEqual([2, 2, 2])
      expect(result.sandboxScrobbles).toEqual({ sdk: 6, baseline: 6 })
      expect(result.bodiesMatch).toBe(true)
      expect(result.logLines).toBeGreaterThan(0)

      // One sample per recorded iteration on each side, and finite statistics.
      expect(result.sdk).toHaveLength(2)
      expect(result.baseline).toHaveLength(2)
      expect(result.sdkStats.count).toBe(2)
      expect(result.baselineStats.count).toBe(2)
      expect(result.pairedOverheadStats.count).toBe(2)
      const numbers = [
        ...result.sdk,
        ...result.baseline,
        ...Object.values(result.sdkStats),
        ...Object.values(result.baselineStats),
        ...Object.values(result.pairedOverheadStats),
        result.overheadP99Ms,
        result.ratioP50,
        result.targetMs
      ]
      for (const value of numbers) expect(Number.isFinite(value)).toBe(true)
      expect(result.connectionsPerHost).toBeGreaterThanOrEqual(result.members)
      expect(typeof result.pass).toBe("boolean")

      // The trace saw both sides' requests leave and their answers come in, before each broadcast ended.
      for (const phases of [result.phases?.sdk, result.phases?.baseline]) {
        expect(phases).toBeDefined()
        for (const value of Object.values(phases ?? {})) expect(Number.isFinite(value)).toBe(true)
        expect(phases?.firstSent).toBeLessThanOrEqual(phases?.lastAnswer ?? Number.NaN)
        expect(phases?.lastAnswer).toBeLessThanOrEqual(phases?.done ?? Number.NaN)
      }

      const table = formatTable([result])
      expect(table.split("\n")).toHaveLength(3)
      expect(table).toMatch(/^\| Members \|/)
      expect(table.split("\n")[2]).toMatch(/^\| 2 \| 2 \|/)
    }
  )

  it("runs the sandbox in a child process, over HTTP, and stops the process on close", async () => {
    const sandbox = await startBenchSandbox("child", { latencyMs: 0, postIntervalMs: 0 })
    const pid = sandbox.pid ?? Number.NaN
    try {
      expect(sandbox.placement).toBe("child")
      expect(isRunning(pid)).toBe(true)
      expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const token = await sandbox.accessToken("smoke", "http://127.0.0.1:9/callback")
      expect(token).toMatch(/^sandbox-access-/)
      expect(await sandbox.scrobbles("smoke")).toEqual([])
    } finally {
      await sandbox.close()
    }
    expect(isRunning(pid)).toBe(false)
  })

  it("computes nearest-rank percentiles", () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i)
    expect(stats(samples)).toEqual({ count: 100, min: 1, p50: 50, p99: 99, max: 100, mean: 50.5 })
    expect(stats([7])).toMatchObject({ p50: 7, p99: 7 })
  })

  it("refuses a group size the SDK does not allow", async () => {
    await expect(measureBroadcast({ members: 101, warmup: 0, iterations: 1, latencyMs: 0 })).rejects.toThrow(
      /members must be 1 to 100/
    )
  })
})
