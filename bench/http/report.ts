/**
 * The pure parts of the HTTP benchmark: its flags, the statistics, the check
 * that every answered webhook was recorded, and the tables it prints. No I/O
 * here, so `bench/test/http.test.ts` can test them without a server.
 */
import type { Stats } from "../stats.js"

/** What one server answered under load in one measured window (from the load process). */
export interface LoadResult {
  /** Seconds the measured window lasted. */
  readonly durationSeconds: number
  /** 2xx answers in the window. */
  readonly ok: number
  /** Answers with another status. */
  readonly non2xx: number
  /** Connection errors and timeouts. */
  readonly errors: number
  /** Requests sent but not answered when the window ended (the load stops with up to one in flight per connection). */
  readonly unanswered: number
  /** Latency of the 2xx answers, ms. */
  readonly latency: Stats
}

export { percentile, type Stats, summarize } from "../stats.js"

/** The median of `values` (the mean of the two middle ones for an even count). */
export const median = (values: ReadonlyArray<number>): number => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2
}

/** 2xx answers per second of a measured window. */
export const requestsPerSecond = (result: LoadResult): number =>
  result.durationSeconds > 0 ? result.ok / result.durationSeconds : Number.NaN

// ---------------------------------------------------------------------------
// Scenarios and flags

/** What the server under load is. */
export type ServerKind = "bare" | "raw-pg" | "sdk-express" | "sdk-node"

/**
 * What follows the SDK's answer in the background:
 * - `held`: nothing yet: the driver holds every group's lock during the load, so
 *   the broadcasts wait (each after its first statement, finding the group) and
 *   only the answer path is measured; they run once the locks are released;
 * - `nobody`: the broadcast, to a group whose 3 members are pending (no Trakt call,
 *   its statements all the same);
 * - `three-members`: the broadcast to 3 authorized members on the Trakt sandbox.
 */
export type Background = "held" | "nobody" | "three-members"

export interface Scenario {
  readonly name: string
  readonly server: ServerKind
  /** Whether the Plex body carries a `thumb` JPEG part. */
  readonly thumb: boolean
  /** SDK only. */
  readonly background: Background
  /** The scenario whose requests/s this one is divided by (the bare server with the same body). */
  readonly baseline: string | undefined
  /** One line for the table. */
  readonly label: string
}

const sdk = (
  name: string,
  server: "sdk-express" | "sdk-node",
  thumb: boolean,
  background: Background
): Scenario => ({
  name,
  server,
  thumb,
  background,
  baseline: thumb ? "bare-thumb" : "bare",
  label: `SDK on ${server === "sdk-express" ? "Express" : "node:http"}, ${
    background === "held"
      ? "record only (broadcasts held)"
      : background === "nobody"
        ? "record + broadcast to nobody (members pending)"
        : "record + broadcast to 3 members"
  }, ${thumb ? "thumb" : "no thumb"}`
})

export const scenarios: ReadonlyArray<Scenario> = [
  {
    name: "bare",
    server: "bare",
    thumb: false,
    background: "held",
    baseline: undefined,
    label: "bare Express 5, body read, no thumb"
  },
  {
    name: "raw-pg",
    server: "raw-pg",
    thumb: false,
    background: "held",
    baseline: "bare",
    label: "hand-written Express + pg: decode, find group, INSERT (no Effect; rows not processed)"
  },
  sdk("sdk-accept", "sdk-express", false, "held"),
  sdk("sdk-node-accept", "sdk-node", false, "held"),
  sdk("sdk-record", "sdk-express", false, "nobody"),
  sdk("sdk-broadcast", "sdk-express", false, "three-members"),
  {
    name: "bare-thumb",
    server: "bare",
    thumb: true,
    background: "held",
    baseline: undefined,
    label: "bare Express 5, body read, thumb"
  },
  sdk("sdk-accept-thumb", "sdk-express", true, "held"),
  sdk("sdk-record-thumb", "sdk-express", true, "nobody")
]

/** Run unless `--scenarios` says otherwise (`sdk-node-accept` only with `--node`). */
export const defaultScenarioNames = [
  "bare",
  "raw-pg",
  "sdk-accept",
  "sdk-record",
  "sdk-broadcast",
  "bare-thumb",
  "sdk-accept-thumb"
]

export interface BenchOptions {
  /** Measured seconds per run. */
  readonly duration: number
  /** Warm-up seconds before each measured run (same server process, not reported). */
  readonly warmup: number
  /** Concurrent keep-alive connections of the load generator. */
  readonly connections: number
  /** Rounds; each runs every scenario once, every other round in reverse order. */
  readonly rounds: number
  /** Family groups per kind (pending members / authorized members) that the requests are spread over. */
  readonly groups: number
  /** Size of the `thumb` part, bytes. */
  readonly thumbBytes: number
  /** Latency the Trakt sandbox adds to every answer, ms. */
  readonly traktLatencyMs: number
  /** The SDK's log level (its logs go to /dev/null). */
  readonly logLevel: "Debug" | "Info" | "Warning" | "Error" | "None"
  /** Write a CPU profile of every SDK server process into this directory. */
  readonly cpuProfDir: string | undefined
  readonly scenarios: ReadonlyArray<Scenario>
}

export const defaultOptions: Omit<BenchOptions, "scenarios"> = {
  duration: 20,
  warmup: 10,
  connections: 50,
  rounds: 2,
  groups: 50,
  thumbBytes: 40_000,
  traktLatencyMs: 0,
  logLevel: "Info",
  cpuProfDir: undefined
}

/** `--quick`: a run of about a minute, to see it work. */
export const quickOptions: Partial<BenchOptions> = { duration: 5, warmup: 2, rounds: 1, groups: 10 }

const usage = `Usage: pnpm bench:http [--quick] [--duration=S] [--warmup=S] [--connections=N] [--rounds=N]
  [--groups=N] [--thumb-bytes=N] [--trakt-latency=MS] [--log-level=Info|Warning|…]
  [--scenarios=a,b,…] [--node] [--cpu-prof=DIR]
Scenarios: ${scenarios.map((s) => s.name).join(", ")}`

const positive = (name: string, text: string, allowZero = false): number => {
  const value = Number(text)
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0))
    throw new Error(
      `--${name} must be a ${allowZero ? "non-negative" : "positive"} number, not ${text}\n${usage}`
    )
  return value
}

/** Parse the command line (`--name=value` or `--name value`). */
export const parseArgs = (argv: ReadonlyArray<string>): BenchOptions => {
  const values = new Map<string, string>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ""
    if (arg === "--") continue
    if (!arg.startsWith("--")) throw new Error(`unexpected argument ${arg}\n${usage}`)
    const eq = arg.indexOf("=")
    if (eq > 0) values.set(arg.slice(2, eq), arg.slice(eq + 1))
    else if (["quick", "node", "help"].includes(arg.slice(2))) values.set(arg.slice(2), "true")
    else {
      const next = argv[i + 1]
      if (next === undefined || next.startsWith("--")) throw new Error(`${arg} needs a value\n${usage}`)
      values.set(arg.slice(2), next)
      i++
    }
  }
  if (values.has("help")) throw new Error(usage)
  let options: Omit<BenchOptions, "scenarios"> = {
    ...defaultOptions,
    ...(values.has("quick") ? quickOptions : {})
  }
  let names = [...defaultScenarioNames]
  for (const [name, value] of values) {
    switch (name) {
      case "quick":
      case "help":
        break
      case "duration":
        options = { ...options, duration: positive(name, value) }
        break
      case "warmup":
        options = { ...options, warmup: positive(name, value, true) }
        break
      case "connections":
        options = { ...options, connections: Math.round(positive(name, value)) }
        break
      case "rounds":
        options = { ...options, rounds: Math.round(positive(name, value)) }
        break
      case "groups":
        options = { ...options, groups: Math.round(positive(name, value)) }
        break
      case "thumb-bytes":
        options = { ...options, thumbBytes: Math.round(positive(name, value)) }
        break
      case "trakt-latency":
        options = { ...options, traktLatencyMs: positive(name, value, true) }
        break
      case "log-level": {
        const levels = ["Debug", "Info", "Warning", "Error", "None"] as const
        const level = levels.find((l) => l.toLowerCase() === value.toLowerCase())
        if (level === undefined) throw new Error(`--log-level must be one of ${levels.join(", ")}\n${usage}`)
        options = { ...options, logLevel: level }
        break
      }
      case "cpu-prof":
        options = { ...options, cpuProfDir: value }
        break
      case "node":
        if (!names.includes("sdk-node-accept"))
          names.splice(names.indexOf("sdk-accept") + 1, 0, "sdk-node-accept")
        break
      case "scenarios":
        names = value.split(",").filter((n) => n.length > 0)
        break
      default:
        throw new Error(`unknown flag --${name}\n${usage}`)
    }
  }
  const chosen = names.map((name) => {
    const scenario = scenarios.find((s) => s.name === name)
    if (scenario === undefined) throw new Error(`unknown scenario ${name}\n${usage}`)
    return scenario
  })
  // An SDK scenario is compared with its bare baseline: run that too.
  const withBaselines = [...chosen]
  for (const scenario of chosen) {
    const baseline = scenarios.find((s) => s.name === scenario.baseline)
    if (baseline !== undefined && !withBaselines.includes(baseline)) withBaselines.unshift(baseline)
  }
  return { ...options, scenarios: withBaselines }
}

/** The scenarios of round `round` (0-based): every other round in reverse, so drift hits all alike. */
export const roundOrder = <A>(items: ReadonlyArray<A>, round: number): ReadonlyArray<A> =>
  round % 2 === 0 ? items : [...items].reverse()

// ---------------------------------------------------------------------------
// Did every answered webhook reach the database?

export interface RecordCheckInput {
  /** 2xx answers to webhooks in the run (warm-up and measured). */
  readonly answered2xx: number
  /** Requests cut off unanswered when the load stopped: they may or may not have been recorded. */
  readonly unanswered: number
  /** Inbox INSERTs in the run: the advance of the inbox's `position` sequence. */
  readonly inserted: number
  /** Inbox rows still there once the backlog had drained (or the wait gave up). */
  readonly remaining: number
  /** Trakt scrobbles expected per recorded webhook (0 when no member is authorized). */
  readonly scrobblesPerEvent: number
  /** Scrobbles the Trakt sandbox recorded in the run (when it was used). */
  readonly scrobbles: number | undefined
}

export interface RecordCheck {
  /** Every 2xx recorded, every row processed. */
  readonly ok: boolean
  readonly problems: ReadonlyArray<string>
  /**
   * Processed events that did not reach every member (the scrobbles the sandbox is
   * short of, divided by the members): not a lost webhook, but reported. The SDK drops
   * an event of a playback session processed after a newer one as a repeat, and a
   * group's events can be processed out of their arrival order.
   */
  readonly notBroadcast: number
  /** Recorded webhooks whose answer the load generator did not wait for (it stopped). */
  readonly recordedUnanswered: number
  /** Rows left in the inbox after the drain (requests cut off, waiting for lease recovery). */
  readonly leftForRecovery: number
}

/**
 * Every 2xx must be an inbox row: the inbox's sequence advanced at least once per
 * 2xx, and at most once more per request cut off when the load stopped (those
 * reached the server; their answers were not awaited). Every row must have been
 * processed (the inbox empty after the drain). With members authorized, the
 * events not broadcast to each of them are counted apart (`notBroadcast`); more
 * scrobbles than events × members is a problem.
 */
export const checkRecorded = (input: RecordCheckInput): RecordCheck => {
  const problems: Array<string> = []
  const extra = input.inserted - input.answered2xx
  if (extra < 0) problems.push(`${-extra} of ${input.answered2xx} webhooks answered 2xx have no inbox row`)
  if (extra > input.unanswered)
    problems.push(
      `${input.inserted} inbox rows for ${input.answered2xx} webhooks answered 2xx and ${input.unanswered} cut off`
    )
  // A request cut off after its row was written was not dispatched (its handler was
  // interrupted): its row waits for the inbox lease to expire and `InboxRecovery`.
  const recordedUnanswered = Math.max(0, Math.min(extra, input.unanswered))
  if (input.remaining > recordedUnanswered)
    problems.push(
      `${input.remaining} inbox rows not processed after the drain${recordedUnanswered > 0 ? ` (at most ${recordedUnanswered} of requests cut off may wait for recovery)` : ""}`
    )
  let notBroadcast = 0
  if (input.scrobbles !== undefined && input.scrobblesPerEvent > 0) {
    // Rows left for recovery are not broadcast yet.
    const expected = (input.inserted - input.remaining) * input.scrobblesPerEvent
    if (input.scrobbles > expected)
      problems.push(
        `${input.scrobbles} Trakt scrobbles recorded, at most ${expected} expected (${input.scrobblesPerEvent} per processed row)`
      )
    else notBroadcast = (expected - input.scrobbles) / input.scrobblesPerEvent
  }
  return {
    ok: problems.length === 0,
    problems,
    recordedUnanswered,
    leftForRecovery: input.remaining,
    notBroadcast
  }
}

// ---------------------------------------------------------------------------
// Tables

/** One scenario over the rounds. */
export interface ScenarioResult {
  readonly scenario: Scenario
  readonly runs: ReadonlyArray<LoadResult>
}

const fmt = (value: number, digits: number): string =>
  Number.isFinite(value)
    ? value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : "–"

const markdown = (
  header: ReadonlyArray<string>,
  align: ReadonlyArray<"l" | "r">,
  rows: ReadonlyArray<ReadonlyArray<string>>
) =>
  [
    `| ${header.join(" | ")} |`,
    `|${align.map((a) => (a === "l" ? ":---" : "---:")).join("|")}|`,
    ...rows.map((row) => `| ${row.join(" | ")} |`)
  ].join("\n")

export interface SummaryRow {
  readonly name: string
  readonly label: string
  readonly rounds: number
  /** Median over the rounds. */
  readonly requestsPerSecond: number
  readonly p50: number
  readonly p99: number
  /** Summed over the rounds. */
  readonly non2xx: number
  readonly errors: number
  /** Median requests/s divided by the baseline's median; undefined for a baseline. */
  readonly ratio: number | undefined
}

/** Medians over the rounds, and the ratio of each SDK scenario to its bare baseline. */
export const summarizeScenarios = (results: ReadonlyArray<ScenarioResult>): ReadonlyArray<SummaryRow> => {
  const rps = new Map(results.map((r) => [r.scenario.name, median(r.runs.map(requestsPerSecond))]))
  return results.map(({ scenario, runs }) => {
    const own = rps.get(scenario.name) ?? Number.NaN
    const base = scenario.baseline === undefined ? undefined : rps.get(scenario.baseline)
    return {
      name: scenario.name,
      label: scenario.label,
      rounds: runs.length,
      requestsPerSecond: own,
      p50: median(runs.map((r) => r.latency.p50)),
      p99: median(runs.map((r) => r.latency.p99)),
      non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
      errors: runs.reduce((sum, r) => sum + r.errors, 0),
      ratio: scenario.baseline === undefined ? undefined : base === undefined ? Number.NaN : own / base
    }
  })
}

/** Target: the SDK at ≥ 0.5× the bare server's requests/s. */
export const TARGET_RATIO = 0.5

/** The main table: server, requests/s, p50, p99, non-2xx, ratio to bare. */
export const formatSummary = (rows: ReadonlyArray<SummaryRow>): string =>
  markdown(
    [
      "Server",
      "Rounds",
      "Requests/s",
      "p50 (ms)",
      "p99 (ms)",
      "Non-2xx",
      "Errors",
      "Ratio to bare",
      "Target ≥ 0.5×"
    ],
    ["l", "r", "r", "r", "r", "r", "r", "r", "l"],
    rows.map((row) => [
      `${row.label} (\`${row.name}\`)`,
      String(row.rounds),
      fmt(row.requestsPerSecond, 0),
      fmt(row.p50, 2),
      fmt(row.p99, 2),
      String(row.non2xx),
      String(row.errors),
      row.ratio === undefined ? "1.00 (baseline)" : `${fmt(row.ratio, 2)}×`,
      row.ratio === undefined ? "" : row.ratio >= TARGET_RATIO ? "met" : "**missed**"
    ])
  )

/** Every run, in the order it ran. */
export interface RunRow {
  readonly round: number
  readonly name: string
  readonly result: LoadResult
  /** Cores busy during the measured window, by process. */
  readonly cpu: CpuShare | undefined
  /** SDK only: how long after the load the inbox was empty, ms. */
  readonly drainMs: number | undefined
  /** SDK only. */
  readonly check: RecordCheck | undefined
}

export interface CpuShare {
  readonly server: number
  readonly load: number
  readonly postgres: number
  readonly sandbox: number | undefined
  /** Every process on the machine (from /proc/stat). */
  readonly machine: number
}

/** The "Recorded" cell of a run. */
export const describeCheck = (check: RecordCheck): string => {
  const parts = [check.ok ? "all" : `**${check.problems.join("; ")}**`]
  if (check.recordedUnanswered > 0)
    parts.push(
      `${check.recordedUnanswered} more rows of requests cut off at the end${check.leftForRecovery > 0 ? `, ${check.leftForRecovery} left for lease recovery` : ""}`
    )
  if (check.notBroadcast > 0)
    parts.push(
      `**${check.notBroadcast} processed events not broadcast to every member** (dropped as repeats?)`
    )
  return parts.join("; ")
}

/** CPU time per 2xx answer, ms, from the cores a process kept busy during the window. */
export const cpuPerRequestMs = (cores: number, result: LoadResult): number =>
  (cores * 1000) / requestsPerSecond(result)

export const formatRuns = (rows: ReadonlyArray<RunRow>): string =>
  markdown(
    [
      "Round",
      "Scenario",
      "Requests/s",
      "p50",
      "p99",
      "max",
      "2xx",
      "Non-2xx",
      "CPU cores: server / load / postgres / sandbox / machine",
      "CPU ms per request: server / postgres",
      "Drain (ms)",
      "Recorded"
    ],
    ["r", "l", "r", "r", "r", "r", "r", "r", "r", "r", "r", "l"],
    rows.map((row) => [
      String(row.round + 1),
      row.name,
      fmt(requestsPerSecond(row.result), 0),
      fmt(row.result.latency.p50, 2),
      fmt(row.result.latency.p99, 2),
      fmt(row.result.latency.max, 1),
      String(row.result.ok),
      String(row.result.non2xx + row.result.errors),
      row.cpu === undefined
        ? "–"
        : [row.cpu.server, row.cpu.load, row.cpu.postgres, row.cpu.sandbox ?? Number.NaN, row.cpu.machine]
            .map((v) => fmt(v, 2))
            .join(" / "),
      row.cpu === undefined
        ? "–"
        : `${fmt(cpuPerRequestMs(row.cpu.server, row.result), 3)} / ${fmt(cpuPerRequestMs(row.cpu.postgres, row.result), 3)}`,
      row.drainMs === undefined ? "" : fmt(row.drainMs, 0),
      row.check === undefined ? "" : describeCheck(row.check)
    ])
  )

/** Database work per accepted webhook, from `pg_stat_user_tables` of the bench's schema. */
export interface TableWork {
  readonly table: string
  readonly scans: number
  readonly inserted: number
  readonly updated: number
  readonly deleted: number
}

export const formatTableWork = (name: string, accepted: number, work: ReadonlyArray<TableWork>): string =>
  markdown(
    [`${name}: per recorded webhook`, "index + seq scans", "rows inserted", "rows updated", "rows deleted"],
    ["l", "r", "r", "r", "r"],
    work
      .filter((w) => w.scans + w.inserted + w.updated + w.deleted > 0)
      .map((w) => [
        w.table,
        fmt(w.scans / accepted, 2),
        fmt(w.inserted / accepted, 2),
        fmt(w.updated / accepted, 2),
        fmt(w.deleted / accepted, 2)
      ])
  )
