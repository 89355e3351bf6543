/**
 * `pnpm run bench:prune`: decisions for 100,000 users, and a full dry-run cycle for
 * 10,000 users against the fake plex.tv, Tautulli and SMTP servers on loopback.
 *
 * Flags: `--users=N` (cycle, default 10000), `--iterations=N` (default 7),
 * `--warmup=N` (default 2), `--stores=pglite,postgres` (default both; postgres is
 * skipped when `BENCH_DATABASE_URL` or 127.0.0.1:5432 does not answer),
 * `--no-decisions`, `--cpu-prof=DIR` (a V8 profile of one extra cycle per store,
 * `DIR/cycle-<store>.cpuprofile`; sum it with `tsx bench/http/profile-summary.ts`).
 */
import { mkdirSync, readFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import {
  type CycleResult,
  type CycleStore,
  DEFAULT_BENCH_DATABASE_URL,
  postgresReachable,
  runCycle
} from "./cycle.js"
import { runDecisions } from "./decisions.js"

const fmt = (n: number) => n.toFixed(1)

const flag = (name: string): string | undefined => {
  const prefix = `--${name}=`
  return process.argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length)
}
const intFlag = (name: string, fallback: number): number => {
  const value = flag(name)
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, not ${value}`)
  return n
}

const CYCLE_TARGET_MS = 10_000

/** The machine's load: other work shares the 2 cores, so every run records it. */
const machineLoad = () => {
  let pressure = "n/a"
  try {
    pressure = `${/some avg10=([\d.]+) avg60=([\d.]+)/.exec(readFileSync("/proc/pressure/cpu", "utf8"))?.slice(1, 3).join(" % / ") ?? "n/a"} %`
  } catch {}
  return `load average ${os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(" ")}, CPU pressure (some, 10 s / 60 s) ${pressure}`
}

console.log(
  `Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "unknown"}); at the start: ${machineLoad()}`
)

if (!process.argv.includes("--no-decisions")) {
  const decisions = runDecisions()
  console.log(`\nDecisions for ${decisions.users.toLocaleString("en")} users (15 rounds)`)
  console.log("| | p50 ms | min ms |")
  console.log("|---|---:|---:|")
  console.log(`| decide (@org/prune) | ${fmt(decisions.sdkMs.p50)} | ${fmt(decisions.sdkMs.min)} |`)
  console.log(
    `| baseline: idle days vs thresholds | ${fmt(decisions.baselineMs.p50)} | ${fmt(decisions.baselineMs.min)} |`
  )
  console.log(
    `Ratio (p50): ${fmt(decisions.sdkMs.p50 / decisions.baselineMs.p50)}×; target < 200 ms: ${decisions.sdkMs.p50 < 200 ? "met" : "missed"}`
  )
  console.log(`Decisions: ${JSON.stringify(decisions.counts)}`)
}

const printCycle = (r: CycleResult) => {
  const row = (label: string, t: { p50: number; min: number }) =>
    console.log(`| ${label} | ${fmt(t.p50)} | ${fmt(t.min)} |`)
  const calls = (...names: Array<string>) => names.reduce((n, name) => n + (r.callsPerCycle[name] ?? 0), 0)
  console.log(
    `\nDry-run cycle for ${r.users.toLocaleString("en")} users (${r.listedUsers.toLocaleString("en")} on plex.tv), store on ${r.store} (${r.iterations} cycles after ${r.warmup} warm-up)`
  )
  console.log("| | p50 ms | min ms |")
  console.log("|---|---:|---:|")
  row("cycle: `runOnce`, dry run", r.cycle)
  row("baseline: raw reads (plex.tv users + Tautulli snapshot + store read)", r.rawReads)
  console.log(
    `Ratio (p50): ${(r.cycle.p50 / r.rawReads.p50).toFixed(2)}×; CPU during the cycle p50 ${fmt(r.cycleCpu.p50)} ms; target < 10 s: ${r.cycle.p50 < CYCLE_TARGET_MS ? "met" : "missed"}`
  )
  console.log("\nInside the cycle (union of each port's calls; the engine is the rest)")
  console.log("| part | calls | p50 ms | min ms |")
  console.log("|---|---:|---:|---:|")
  const part = (label: string, count: number | string, t: { p50: number; min: number }) =>
    console.log(`| ${label} | ${count} | ${fmt(t.p50)} | ${fmt(t.min)} |`)
  part(
    "plex.tv: server, owner, users + shares",
    calls("plex.serverId", "plex.owner", "plex.listUsers"),
    r.inCycle.plexTv
  )
  part("Tautulli: snapshot (users table pages + activity)", calls("tautulli.snapshot"), r.inCycle.tautulli)
  part("store reads: initializedAt, users", calls("store.initializedAt", "store.users"), r.inCycle.storeReads)
  part("store writes: audit entries (planned)", calls("store.appendAudit"), r.inCycle.storeWrites)
  part("the engine: deciding, plan entries, audit entries", "–", r.inCycle.engine)
  console.log(
    "\nThe reads alone (same iterations; bare = the same bodies or rows, nothing parsed or decoded)"
  )
  console.log("| read | p50 ms | min ms |")
  console.log("|---|---:|---:|")
  row("plex.tv `listUsers` (users + shares, XML)", r.reads.plexUsers)
  row(`bare: GET /api/users + shared_servers (${(r.bodyBytes.plexTv / 1e6).toFixed(1)} MB)`, r.reads.plexBare)
  row("Tautulli `snapshot`", r.reads.tautulliSnapshot)
  row(`Tautulli users table, ${r.tautulliPages} pages`, r.reads.tautulliPages)
  row("Tautulli activity", r.reads.tautulliActivity)
  row(`bare: the pages + activity (${(r.bodyBytes.tautulli / 1e6).toFixed(1)} MB)`, r.reads.tautulliBare)
  row("store: `initializedAt` + `users`", r.reads.storeUsers)
  row("bare: SELECT of the same rows, no decoding", r.reads.storeBare)
  row(`deciding: \`forecast\` for the ${r.users.toLocaleString("en")} users`, r.reads.decide)
  console.log(`Decisions (inactivity pass): ${JSON.stringify(r.decisions)}`)
  console.log(`Planned actions: ${JSON.stringify(r.planned)}`)
  console.log(`Port calls per cycle: ${JSON.stringify(r.callsPerCycle)}; log lines in all: ${r.logLines}`)
}

const stores = (flag("stores") ?? "pglite,postgres").split(",").filter((s) => s !== "") as Array<CycleStore>
const profileDir = flag("cpu-prof")
if (profileDir !== undefined) mkdirSync(profileDir, { recursive: true })
const databaseUrl = process.env.BENCH_DATABASE_URL ?? DEFAULT_BENCH_DATABASE_URL
for (const store of stores) {
  if (store !== "pglite" && store !== "postgres") throw new Error(`unknown store ${store}`)
  if (store === "postgres" && !(await postgresReachable(databaseUrl))) {
    console.log(`\nPostgres at ${databaseUrl.replace(/\/\/[^@]*@/, "//…@")} does not answer: skipped`)
    continue
  }
  const result = await runCycle({
    store,
    users: intFlag("users", 10_000),
    iterations: intFlag("iterations", 7),
    warmup: intFlag("warmup", 2),
    databaseUrl,
    ...(profileDir === undefined ? {} : { cpuProfile: path.join(profileDir, `cycle-${store}.cpuprofile`) }),
    onIteration: (done, total) => process.stderr.write(`\r${store}: cycle ${done}/${total}`)
  })
  process.stderr.write("\n")
  printCycle(result)
}
console.log(`\nAt the end: ${machineLoad()}`)
