/**
 * `pnpm bench:broadcast`: webhook-to-all-delivered for 1, 10 and 100 members on
 * the Trakt sandbox with 100 ms latency per member, against the slowest member
 * measured in the same process (see `measure.ts`). The sandbox runs in a child
 * process, as Trakt is remote; a shorter run with the sandbox in the benchmark's
 * own process follows for comparison, then the same group sizes with the stores on
 * Postgres (`@org/pg`: a server, `BENCH_DATABASE_URL` or the local default, and
 * embedded PGlite), with fewer iterations. Prints markdown; exits 0 whatever the
 * numbers (a measurement, not a test), 1 only when a broadcast failed or the
 * bench could not run.
 *
 * `pnpm bench:broadcast --phases` measures instead where the time of a
 * 100-member broadcast goes (when the POSTs leave, when the answers are in),
 * with the sandbox in a child process and in-process.
 *
 * `pnpm bench:broadcast --sql` measures where the time of a broadcast on the
 * Postgres stores goes: the stores' statements (when they start and end) beside the
 * requests, for 1, 10 and 100 members, on a server and on PGlite.
 */
import { availableParallelism, cpus } from "node:os"
import {
  type BroadcastBenchOptions,
  type BroadcastBenchResult,
  DEFAULT_BENCH_DATABASE_URL,
  formatPhases,
  formatSql,
  formatTable,
  measureBroadcast,
  SDK_DEFAULT_CONNECTIONS_PER_HOST,
  TARGET_OVERHEAD_MS
} from "./measure.js"

const LATENCY_MS = 100
const WARMUP = 5

/**
 * Run first and not reported: the JIT warms up over the first tens of seconds, and
 * without this the first group size measured (1 member) would pay for it, and the
 * runs after it (the in-process comparison) would look better for being later.
 */
const processWarmup: ReadonlyArray<BroadcastBenchOptions> = [100, 10].map((members) => ({
  members,
  warmup: 0,
  iterations: 30,
  latencyMs: LATENCY_MS,
  sandbox: "child"
}))

/** The measured runs, sandbox in a child process: the target applies to these. */
const runs: ReadonlyArray<BroadcastBenchOptions> = [
  { members: 1, warmup: WARMUP, iterations: 100, latencyMs: LATENCY_MS, sandbox: "child" },
  { members: 10, warmup: WARMUP, iterations: 100, latencyMs: LATENCY_MS, sandbox: "child" },
  { members: 100, warmup: WARMUP, iterations: 50, latencyMs: LATENCY_MS, sandbox: "child" }
]

/** The comparison: the same with the sandbox in the benchmark's process, fewer iterations. */
const inProcessRuns: ReadonlyArray<BroadcastBenchOptions> = runs.map((options) => ({
  ...options,
  iterations: 30,
  sandbox: "in-process"
}))

/** Recorded iterations per run with the Postgres stores (30: p99 is then the highest sample). */
const PG_ITERATIONS = 30

/** The stores on a Postgres server and on embedded PGlite, sandbox in a child process, fewer iterations. */
const pgRuns: ReadonlyArray<BroadcastBenchOptions> = (["postgres", "pglite"] as const).flatMap((stores) =>
  runs.map((options) => ({ ...options, iterations: PG_ITERATIONS, stores }))
)

/** `--sql`: the same, traced: the stores' statements and the requests. */
const sqlRuns: ReadonlyArray<BroadcastBenchOptions> = pgRuns.map((options) => ({
  ...options,
  trace: true,
  sqlTrace: true
}))

/** `--phases`: 100 members, traced, with the sandbox in either place. */
const phaseRuns: ReadonlyArray<BroadcastBenchOptions> = (["child", "in-process"] as const).map((sandbox) => ({
  members: 100,
  warmup: WARMUP,
  iterations: 50,
  latencyMs: LATENCY_MS,
  sandbox,
  trace: true
}))

const progress = (label: string) => (done: number, total: number) => {
  if (!process.stderr.isTTY) return
  process.stderr.write(`\r  ${label}: ${done}/${total}`)
  if (done === total) process.stderr.write("\n")
}

const label = (options: BroadcastBenchOptions) =>
  `${options.members} member${options.members === 1 ? "" : "s"}, sandbox ${options.sandbox ?? "child"}` +
  (options.stores === undefined || options.stores === "memory" ? "" : `, ${options.stores} stores`) +
  (options.connectionsPerHost === undefined ? "" : `, ${options.connectionsPerHost} connections per host`)

const verdict = (r: BroadcastBenchResult) =>
  `${r.pass ? "PASS" : "FAIL"} ${r.members} member${r.members === 1 ? "" : "s"}${r.stores === "memory" ? "" : ` (${r.stores})`}: SDK p99 ${r.sdkStats.p99.toFixed(1)} ms ${r.pass ? "≤" : ">"} ` +
  `${r.targetMs.toFixed(1)} ms (slowest member p99 ${r.baselineStats.p99.toFixed(1)} ms + ${TARGET_OVERHEAD_MS} ms)`

const measure = async (options: BroadcastBenchOptions) =>
  measureBroadcast({ ...options, onIteration: progress(label(options)) })

const warmUp = async () => {
  for (const options of processWarmup)
    await measureBroadcast({ ...options, onIteration: progress(`warm-up, ${label(options)}`) })
}

const printSetup = () => {
  console.log(
    `- Node ${process.version}, ${availableParallelism()} CPUs (${cpus()[0]?.model.trim() ?? "unknown"}), ` +
      `${process.platform}/${process.arch}`
  )
  console.log(
    `- Trakt sandbox on loopback in a child process of its own (Trakt is remote in production), ${LATENCY_MS} ms ` +
      "latency on every answer, driven over HTTP only; in-memory stores; SDK logs formatted (logfmt) and discarded"
  )
  console.log(
    "- Pacing off on both sides (core `minPostInterval` 0, sandbox `postIntervalMs` 0): Trakt's one POST per " +
      "second per member would otherwise gate back-to-back iterations"
  )
  console.log(
    `- Connections: the adapter's default pool (${SDK_DEFAULT_CONNECTIONS_PER_HOST} per host, one per member for ` +
      "every group size), the baseline's agent the same"
  )
  console.log(
    `- SDK: a Plex \`media.play\` webhook body decoded with @org/plex and broadcast by \`handlePlaybackEvent\`, ` +
      "timed until the report (every member `Delivered`); a different movie every iteration"
  )
  console.log(
    "- Baseline: the same `/scrobble/start` POSTs (bodies, headers, one token per user from the sandbox's OAuth " +
      "flow) sent directly with one keep-alive undici Agent, timed until the slowest answered"
  )
  console.log(
    `- The process warmed up first (${processWarmup.map((o) => `${o.members} members × ${o.iterations}`).join(", ")} ` +
      `iterations, not reported); then per run ${WARMUP} warm-up iterations, then SDK and baseline back to back, ` +
      "alternating which goes first; percentiles are nearest-rank; times in ms\n"
  )
}

const benchmark = async () => {
  await warmUp()
  const results: Array<BroadcastBenchResult> = []
  for (const options of runs) results.push(await measure(options))
  const inProcess: Array<BroadcastBenchResult> = []
  for (const options of inProcessRuns) inProcess.push(await measure(options))

  console.log("## bench/broadcast: webhook-to-all-delivered\n")
  printSetup()
  console.log(formatTable(results))
  console.log(
    "\nOverhead p99 = SDK p99 − baseline p99. Paired overhead = SDK − baseline of the same iteration. " +
      "Ratio = SDK p50 / baseline p50.\n"
  )
  for (const r of results) console.log(verdict(r))

  console.log("\n### Comparison: the sandbox in the benchmark's own process\n")
  console.log(formatTable(inProcess))
  console.log(
    `\n${inProcessRuns[0]?.iterations ?? 0} iterations each (p99 is then the highest sample). The sandbox's ` +
      "work shares the SDK's event loop and CPU here; the target is judged on the table above."
  )

  const pg: Array<BroadcastBenchResult> = []
  for (const options of pgRuns) pg.push(await measure(options))
  console.log("\n### With the Postgres stores\n")
  printPgSetup()
  console.log(formatTable(pg))
  console.log("")
  for (const r of pg) console.log(verdict(r))
}

const printPgSetup = () => {
  const url = new URL(process.env.BENCH_DATABASE_URL ?? DEFAULT_BENCH_DATABASE_URL)
  console.log(
    "- Stores from `@org/pg` (`FamilyScrobblePg.layer`, tokens encrypted with a random AES-256-GCM key of the run): " +
      `\`postgres\` = the server at ${url.host}${url.pathname} (a fresh schema \`bench_<hex>\` per run, dropped ` +
      "after it; group locks in the database; the client's default pool of 10 connections), `pglite` = embedded " +
      "in-memory PGlite in the benchmark's process (group locks in the process; a pool of 4 connections)"
  )
  console.log(
    `- Everything else as above (sandbox in a child process); ${WARMUP} warm-up and ${PG_ITERATIONS} measured ` +
      `iterations per run (p99 is the highest of ${PG_ITERATIONS})\n`
  )
}

const phases = async () => {
  await warmUp()
  const results: Array<BroadcastBenchResult> = []
  for (const options of phaseRuns) results.push(await measure(options))
  console.log("## bench/broadcast --phases: where a 100-member broadcast's time goes\n")
  printSetup()
  console.log(formatPhases(results))
  console.log(
    "\nMedians over the recorded iterations, ms after the broadcast started: when each `/scrobble/start` " +
      "was handed to undici (made), written to its socket (sent), and its answer complete (in), from undici's " +
      "diagnostics channels. CPU = the benchmark process's CPU time (user + system) during the broadcast.\n"
  )
  console.log(formatTable(results))
}

const sql = async () => {
  await warmUp()
  const results: Array<BroadcastBenchResult> = []
  for (const options of sqlRuns) results.push(await measure(options))
  console.log("## bench/broadcast --sql: where a broadcast's time goes with the Postgres stores\n")
  printSetup()
  printPgSetup()
  console.log(formatSql(results))
  console.log(
    "\nMedians over the recorded iterations, ms after the broadcast started, of the stores' statements " +
      "(`@effect/sql`'s `sql.execute` spans, each including the wait for a pooled connection), by what they do. " +
      "Sum of durations adds up overlapping statements.\n"
  )
  console.log(formatPhases(results))
  console.log("")
  console.log(formatTable(results))
}

const main = async () => {
  const started = performance.now()
  if (process.argv.includes("--phases")) await phases()
  else if (process.argv.includes("--sql")) await sql()
  else await benchmark()
  console.log(`\nTotal ${((performance.now() - started) / 1000).toFixed(1)} s`)
}

main().catch((error: unknown) => {
  console.error("bench/broadcast failed:", error)
  process.exitCode = 1
})
