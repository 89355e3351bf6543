/**
 * The pure parts of the HTTP benchmark (`bench/http`): its flags, statistics,
 * the check that every answered webhook was recorded, the tables, and the
 * webhook bodies it sends. No server and no timing: speed is measured by
 * `pnpm bench:http` and recorded in docs/benchmarks.md.
 */
import { decodeWebhookEither } from "@org/plex"
import { describe, expect, it } from "vitest"
import { benchThumb, playWebhook } from "../http/bodies.js"
import { categoryOf } from "../http/profile-summary.js"
import {
  checkRecorded,
  cpuPerRequestMs,
  defaultOptions,
  formatRuns,
  formatSummary,
  type LoadResult,
  median,
  parseArgs,
  percentile,
  requestsPerSecond,
  roundOrder,
  type Scenario,
  scenarios,
  summarize,
  summarizeScenarios
} from "../http/report.js"

const load = (ok: number, p99 = 10, durationSeconds = 10): LoadResult => ({
  durationSeconds,
  ok,
  non2xx: 0,
  errors: 0,
  unanswered: 0,
  latency: { count: ok, min: 1, p50: p99 / 2, p99, max: p99 * 2, mean: p99 / 2 }
})

const scenario = (name: string): Scenario => {
  const found = scenarios.find((s) => s.name === name)
  if (found === undefined) throw new Error(`no scenario ${name}`)
  return found
}

describe("bench/http statistics", () => {
  it("computes nearest-rank percentiles, and summaries of typed and plain arrays", () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i)
    expect(
      percentile(
        [...samples].sort((a, b) => a - b),
        0.99
      )
    ).toBe(99)
    expect(summarize(samples)).toEqual({ count: 100, min: 1, p50: 50, p99: 99, max: 100, mean: 50.5 })
    expect(summarize(Float64Array.from([3, 1, 2]))).toMatchObject({ min: 1, p50: 2, p99: 3, max: 3 })
    expect(summarize([]).count).toBe(0)
    expect(Number.isNaN(summarize([]).p99)).toBe(true)
  })

  it("takes the median of odd and even counts", () => {
    expect(median([5, 1, 3])).toBe(3)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(Number.isNaN(median([]))).toBe(true)
  })

  it("counts requests per second from the 2xx answers, and CPU per request", () => {
    expect(requestsPerSecond(load(2000, 10, 20))).toBe(100)
    // Half a core busy at 100 requests/s: 5 ms of CPU per request.
    expect(cpuPerRequestMs(0.5, load(2000, 10, 20))).toBeCloseTo(5)
  })
})

describe("bench/http flags", () => {
  it("has defaults, a quick mode, and adds the bare baseline a chosen SDK scenario needs", () => {
    const defaults = parseArgs([])
    expect(defaults).toMatchObject({ duration: 20, warmup: 10, connections: 50, rounds: 2 })
    expect(defaults.scenarios.map((s) => s.name)).toEqual([
      "bare",
      "raw-pg",
      "sdk-accept",
      "sdk-record",
      "sdk-broadcast",
      "bare-thumb",
      "sdk-accept-thumb"
    ])
    expect(parseArgs(["--quick"])).toMatchObject({ duration: 5, warmup: 2, rounds: 1 })
    expect(parseArgs(["--quick", "--duration=8"]).duration).toBe(8)
    expect(parseArgs(["--connections", "10"]).connections).toBe(10)
    expect(parseArgs(["--scenarios=sdk-accept-thumb"]).scenarios.map((s) => s.name)).toEqual([
      "bare-thumb",
      "sdk-accept-thumb"
    ])
    expect(parseArgs(["--node"]).scenarios.map((s) => s.name)).toContain("sdk-node-accept")
    expect(parseArgs(["--log-level=warning"]).logLevel).toBe("Warning")
    expect(parseArgs(["--cpu-prof=profiles"]).cpuProfDir).toBe("profiles")
    expect(defaultOptions.cpuProfDir).toBeUndefined()
  })

  it("refuses what it does not know", () => {
    expect(() => parseArgs(["--durations=3"])).toThrow(/unknown flag --durations/)
    expect(() => parseArgs(["--duration=0"])).toThrow(/positive/)
    expect(() => parseArgs(["--scenarios=nope"])).toThrow(/unknown scenario nope/)
    expect(() => parseArgs(["quick"])).toThrow(/unexpected argument/)
    expect(() => parseArgs(["--duration"])).toThrow(/needs a value/)
  })

  it("reverses the order every other round", () => {
    expect(roundOrder([1, 2, 3], 0)).toEqual([1, 2, 3])
    expect(roundOrder([1, 2, 3], 1)).toEqual([3, 2, 1])
    expect(roundOrder([1, 2, 3], 2)).toEqual([1, 2, 3])
  })
})

describe("bench/http record check", () => {
  const base = {
    answered2xx: 100,
    unanswered: 0,
    inserted: 100,
    remaining: 0,
    scrobblesPerEvent: 0,
    scrobbles: undefined
  }

  it("passes when every 2xx is a processed inbox row", () => {
    expect(checkRecorded(base)).toEqual({
      ok: true,
      problems: [],
      recordedUnanswered: 0,
      leftForRecovery: 0,
      notBroadcast: 0
    })
  })

  it("fails when a 2xx has no row, or there are more rows than requests", () => {
    expect(checkRecorded({ ...base, inserted: 98 }).problems).toEqual([
      "2 of 100 webhooks answered 2xx have no inbox row"
    ])
    expect(checkRecorded({ ...base, inserted: 105, unanswered: 3 }).ok).toBe(false)
  })

  it("allows rows of requests cut off when the load stopped, and only those left in the inbox", () => {
    const cutOff = checkRecorded({ ...base, inserted: 103, unanswered: 5, remaining: 2 })
    expect(cutOff).toMatchObject({ ok: true, recordedUnanswered: 3, leftForRecovery: 2 })
    expect(checkRecorded({ ...base, remaining: 1 }).problems).toEqual([
      "1 inbox rows not processed after the drain"
    ])
  })

  it("counts processed rows not broadcast to each authorized member, and refuses more scrobbles than rows", () => {
    const broadcast = { ...base, scrobblesPerEvent: 3 }
    expect(checkRecorded({ ...broadcast, scrobbles: 300 })).toMatchObject({ ok: true, notBroadcast: 0 })
    expect(checkRecorded({ ...broadcast, scrobbles: 294 })).toMatchObject({ ok: true, notBroadcast: 2 })
    expect(checkRecorded({ ...broadcast, scrobbles: 303 }).problems).toEqual([
      "303 Trakt scrobbles recorded, at most 300 expected (3 per processed row)"
    ])
  })
})

describe("bench/http tables", () => {
  it("takes medians over the rounds and divides by the bare baseline of the same body", () => {
    const rows = summarizeScenarios([
      { scenario: scenario("bare"), runs: [load(10_000, 4), load(12_000, 6), load(11_000, 5)] },
      { scenario: scenario("sdk-accept"), runs: [load(5_000, 40), load(6_000, 60)] }
    ])
    expect(rows[0]).toMatchObject({ requestsPerSecond: 1100, p99: 5, ratio: undefined })
    expect(rows[1]).toMatchObject({ requestsPerSecond: 550, p99: 50, rounds: 2, ratio: 0.5 })

    const table = formatSummary(rows).split("\n")
    expect(table).toHaveLength(4)
    expect(table[0]).toMatch(/^\| Server \| Rounds \| Requests\/s \| p50 \(ms\) \| p99 \(ms\) \| Non-2xx/)
    expect(table[2]).toContain("1.00 (baseline)")
    expect(table[3]).toMatch(/\| 0\.50× \| met \|$/)
  })

  it("prints every run with its CPU and what was recorded", () => {
    const table = formatRuns([
      {
        round: 0,
        name: "sdk-accept",
        result: load(1000),
        cpu: { server: 1, load: 0.1, postgres: 0.2, sandbox: undefined, machine: 1.5 },
        drainMs: 1200,
        check: { ok: true, problems: [], recordedUnanswered: 2, leftForRecovery: 1, notBroadcast: 1 }
      }
    ]).split("\n")
    expect(table).toHaveLength(3)
    expect(table[2]).toContain("| 1 | sdk-accept | 100 |")
    expect(table[2]).toContain("1.00 / 0.10 / 0.20 / – / 1.50")
    expect(table[2]).toContain("10.000 / 2.000")
    expect(table[2]).toContain("all; 2 more rows of requests cut off at the end, 1 left for lease recovery")
    expect(table[2]).toContain("1 processed events not broadcast to every member")
  })
})

describe("bench/http bodies and profiles", () => {
  it("sends a Plex media.play of the group's account from the connection's player, with a thumb when asked", () => {
    const thumb = benchThumb(40_000)
    expect(thumb.length).toBe(40_000)
    expect([thumb[0], thumb[1], thumb[39_998], thumb[39_999]]).toEqual([0xff, 0xd8, 0xff, 0xd9])
    expect(benchThumb(40_000)).toEqual(thumb)

    const { body, contentType } = playWebhook("bench-family-1", thumb, "bench-player-7")
    expect(body.length).toBeGreaterThan(40_000)
    const decoded = decodeWebhookEither(body, contentType)
    expect(decoded._tag).toBe("Right")
    if (decoded._tag === "Right") {
      expect(decoded.right.event).toMatchObject({
        event: "media.play",
        Account: { title: "bench-family-1" },
        Player: { uuid: "bench-player-7" }
      })
      expect(decoded.right.thumb._tag).toBe("Some")
    }
  })

  it("files profile frames under their package", () => {
    expect(categoryOf("file:///w/node_modules/.pnpm/pg@8.16.3/node_modules/pg/lib/client.js", "query")).toBe(
      "pg"
    )
    expect(
      categoryOf(
        "file:///w/node_modules/.pnpm/effect@3.22.4/node_modules/effect/dist/esm/ParseResult.js",
        "go"
      )
    ).toBe("effect (Schema)")
    expect(
      categoryOf("file:///w/node_modules/.pnpm/effect@3.22.4/node_modules/effect/dist/esm/Effect.js", "x")
    ).toBe("effect")
    expect(categoryOf("file:///work/main/packages/http/src/Handlers.ts", "x")).toBe("@org/http")
    expect(categoryOf("node:internal/http", "x")).toBe("node:internals")
    expect(categoryOf("", "(garbage collector)")).toBe("(gc)")
  })
})
