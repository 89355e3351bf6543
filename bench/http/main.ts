/**
 * `pnpm bench:http`: Plex webhooks per second answered by `@org/http` once each
 * is a durable inbox row on the local Postgres, against a bare Express handler
 * measured in the same run, with autocannon in a process of its own.
 *
 * One run: a throwaway schema; the SDK (in a setup process) creates the family
 * groups through its own API (members pending, and members authorized through
 * the Trakt sandbox's OAuth); then every scenario (`report.ts`) in rounds, every
 * other round in reverse order: its server started in a fresh process, a warm-up
 * and a measured window of load, the SDK's backlog awaited, the server stopped,
 * and every 2xx checked against what the database recorded. Prints markdown
 * tables: medians over the rounds with the ratio to the bare server, every run,
 * and the database work per webhook. Drops the schema at the end.
 *
 * Exits 0 whatever the numbers (a measurement, not a test), 1 when an answered
 * webhook was not recorded or the bench could not run.
 */
import { execFileSync } from "node:child_process"
import { randomBytes, randomUUID } from "node:crypto"
import { mkdirSync, readdirSync, readFileSync } from "node:fs"
import { cpus, loadavg } from "node:os"
import { resolve } from "node:path"
import pg from "pg"
import { type BenchSandbox, startBenchSandbox } from "../broadcast/sandbox.js"
import { playWebhook } from "./bodies.js"
import { type Child, startChild } from "./child.js"
import type { LoadConfig, LoadRuns, LoadTarget } from "./load.js"
import {
  type BenchOptions,
  type CpuShare,
  checkRecorded,
  formatRuns,
  formatSummary,
  formatTableWork,
  parseArgs,
  type RunRow,
  roundOrder,
  type Scenario,
  type ScenarioResult,
  summarizeScenarios,
  type TableWork
} from "./report.js"
import type { SdkServerConfig } from "./sdk-server.js"

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"
const MEMBER_LABELS = ["Alex", "Blake", "Casey"]
const DRAIN_TIMEOUT_MS = 180_000

interface Group {
  readonly id: string
  readonly plexUsername: string
}

// ---------------------------------------------------------------------------
// CPU time from /proc: the server, the load generator, the sandbox, Postgres, the machine

const clockTicks = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100
  } catch {
    return 100
  }
})()

/** utime + stime of a process, seconds (0 when it is gone). */
const processCpu = (pid: number): number => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return (Number(fields[11]) + Number(fields[12])) / clockTicks
  } catch {
    return 0
  }
}

const postgresCpu = (): number => {
  let total = 0
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() === "postgres")
        total += processCpu(Number(entry))
    } catch {
      // gone meanwhile
    }
  }
  return total
}

/** Busy and total jiffies of the whole machine. */
const machineCpu = (): { busy: number; total: number } => {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? ""
  const values = line.trim().split(/\s+/).slice(1).map(Number)
  const total = values.reduce((sum, v) => sum + v, 0)
  const idle = (values[3] ?? 0) + (values[4] ?? 0)
  return { busy: total - idle, total }
}

/** `some avg60` of /proc/pressure/cpu: how busy the machine is with others' work too. */
const cpuPressure = (): string => {
  try {
    const match = readFileSync("/proc/pressure/cpu", "utf8").match(/^some .*avg60=([\d.]+)/m)
    return match?.[1] === undefined ? "?" : `${match[1]} %`
  } catch {
    return "?"
  }
}

interface CpuSnapshot {
  readonly at: number
  readonly server: number
  readonly load: number
  readonly postgres: number
  readonly sandbox: number
  readonly machine: { busy: number; total: number }
}

const cpuSnapshot = (pids: { server: number; load: number; sandbox: number | undefined }): CpuSnapshot => ({
  at: performance.now(),
  server: processCpu(pids.server),
  load: processCpu(pids.load),
  postgres: postgresCpu(),
  sandbox: pids.sandbox === undefined ? 0 : processCpu(pids.sandbox),
  machine: machineCpu()
})

const cpuShare = (a: CpuSnapshot, b: CpuSnapshot, withSandbox: boolean): CpuShare => {
  const seconds = (b.at - a.at) / 1000
  const total = b.machine.total - a.machine.total
  return {
    server: (b.server - a.server) / seconds,
    load: (b.load - a.load) / seconds,
    postgres: (b.postgres - a.postgres) / seconds,
    sandbox: withSandbox ? (b.sandbox - a.sandbox) / seconds : undefined,
    machine: total > 0 ? ((b.machine.busy - a.machine.busy) / total) * cpus().length : Number.NaN
  }
}

// ---------------------------------------------------------------------------
// The database, read by the driver only (never on the server's hot path)

const inserted = async (db: pg.Client, schema: string): Promise<number> => {
  // Every inbox INSERT takes the next `position`: the sequence counts them (failed ones too).
  const { rows } = await db.query<{ last_value: string; is_called: boolean }>(
    `SELECT last_value, is_called FROM ${schema}.webhook_inbox_position_seq`
  )
  const row = rows[0]
  return row === undefined || !row.is_called ? 0 : Number(row.last_value)
}

/** The driver's own statements on the schema's tables, taken out of the SDK's table statistics. */
const driverWork = new Map<string, { scans: number; inserted: number; deleted: number }>()
const countDriver = (table: string, work: { scans?: number; inserted?: number; deleted?: number }) => {
  const entry = driverWork.get(table) ?? { scans: 0, inserted: 0, deleted: 0 }
  driverWork.set(table, {
    scans: entry.scans + (work.scans ?? 0),
    inserted: entry.inserted + (work.inserted ?? 0),
    deleted: entry.deleted + (work.deleted ?? 0)
  })
}

/** Inbox rows written after the sequence stood at `after`. */
const inboxRows = async (db: pg.Client, schema: string, after = 0): Promise<number> => {
  countDriver("webhook_inbox", { scans: 1 })
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${schema}.webhook_inbox WHERE position > $1`,
    [after]
  )
  return rows[0]?.n ?? 0
}

/**
 * Wait until the SDK has processed the run's inbox rows: none left, or only as many
 * as requests were cut off (their rows wait for the lease) and no change for 2 s.
 * Returns when the count last changed (epoch ms).
 */
const drain = async (db: pg.Client, schema: string, after: number, cutOff: number): Promise<number> => {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS
  let last = await inboxRows(db, schema, after)
  let changedAt = Date.now()
  while (last > 0 && Date.now() < deadline) {
    if (last <= cutOff && Date.now() - changedAt >= 2_000) break
    await sleep(50)
    const now = await inboxRows(db, schema, after)
    if (now !== last) changedAt = Date.now()
    last = now
  }
  return changedAt
}

const readTableWork = async (db: pg.Client, schema: string): Promise<ReadonlyArray<TableWork>> => {
  // The driver's own counters reach the shared statistics when its session is next idle.
  await db.query("SELECT pg_stat_force_next_flush()")
  const { rows } = await db.query<{
    relname: string
    scans: string
    ins: string
    upd: string
    del: string
  }>(
    `SELECT relname, seq_scan + coalesce(idx_scan, 0) AS scans, n_tup_ins AS ins, n_tup_upd AS upd, n_tup_del AS del
     FROM pg_stat_user_tables WHERE schemaname = $1 ORDER BY relname`,
    [schema]
  )
  return rows.map((r) => {
    const driver = driverWork.get(r.relname)
    return {
      table: r.relname,
      scans: Number(r.scans) - (driver?.scans ?? 0),
      inserted: Number(r.ins) - (driver?.inserted ?? 0),
      updated: Number(r.upd),
      deleted: Number(r.del) - (driver?.deleted ?? 0)
    }
  })
}

/**
 * Table statistics once every backend of the stopped server has flushed its
 * counters (a backend flushes at exit): read until two reads 300 ms apart agree.
 */
const settledTableWork = async (db: pg.Client, schema: string): Promise<ReadonlyArray<TableWork>> => {
  let last = JSON.stringify(await readTableWork(db, schema))
  for (let i = 0; i < 20; i++) {
    await sleep(300)
    const now = await readTableWork(db, schema)
    const text = JSON.stringify(now)
    if (text === last) return now
    last = text
  }
  return JSON.parse(last) as ReadonlyArray<TableWork>
}

const diffWork = (a: ReadonlyArray<TableWork>, b: ReadonlyArray<TableWork>): ReadonlyArray<TableWork> =>
  b.map((after) => {
    const before = a.find((w) => w.table === after.table)
    return {
      table: after.table,
      scans: after.scans - (before?.scans ?? 0),
      inserted: after.inserted - (before?.inserted ?? 0),
      updated: after.updated - (before?.updated ?? 0),
      deleted: after.deleted - (before?.deleted ?? 0)
    }
  })

const addWork = (a: ReadonlyArray<TableWork>, b: ReadonlyArray<TableWork>): ReadonlyArray<TableWork> =>
  b.map((w) => {
    const other = a.find((x) => x.table === w.table)
    return {
      table: w.table,
      scans: w.scans + (other?.scans ?? 0),
      inserted: w.inserted + (other?.inserted ?? 0),
      updated: w.updated + (other?.updated ?? 0),
      deleted: w.deleted + (other?.deleted ?? 0)
    }
  })

/**
 * Take every group's lock as a stopped process would have left it (`PgLocks`' row,
 * with an hour's lease), so the SDK's broadcasts wait for it: one waiter per group
 * polls the row (up to every 200 ms), the others wait in the process.
 */
const holdGroupLocks = async (db: pg.Client, schema: string, groups: ReadonlyArray<Group>, owner: string) => {
  await db.query(
    `INSERT INTO ${schema}.locks (key, owner, locked_until)
     SELECT 'family-scrobble:group:' || id, $2::uuid, now() + interval '1 hour' FROM unnest($1::text[]) AS id`,
    [groups.map((g) => g.id), owner]
  )
  countDriver("locks", { inserted: groups.length })
}

const releaseGroupLocks = async (db: pg.Client, schema: string, owner: string) => {
  const { rowCount } = await db.query(`DELETE FROM ${schema}.locks WHERE owner = $1`, [owner])
  countDriver("locks", { scans: 1, deleted: rowCount ?? 0 })
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

// ---------------------------------------------------------------------------
// Setup through the SDK's own API

const json = async <A>(response: Response, expected: number, what: string): Promise<A> => {
  const text = await response.text()
  if (response.status !== expected) throw new Error(`${what}: HTTP ${response.status} ${text}`)
  return JSON.parse(text) as A
}

interface Onboarding {
  readonly groupId: string
  readonly members: ReadonlyArray<{ readonly label: string; readonly authorizeUrl: string }>
}

const createGroup = async (url: string, plexUsername: string): Promise<Onboarding> =>
  json<Onboarding>(
    await fetch(`${url}/oauth/family/state`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ plexUsername, labels: MEMBER_LABELS })
    }),
    201,
    `creating the group of ${plexUsername}`
  )

/** Every member signs in at the sandbox; the SDK's OAuth callback exchanges the code. */
const authorizeMembers = async (
  url: string,
  sandbox: BenchSandbox,
  group: Onboarding,
  plexUsername: string
) => {
  for (const member of group.members) {
    const { code, state } = await sandbox.signIn(
      member.authorizeUrl,
      `${plexUsername}-${member.label}`.toLowerCase()
    )
    const callback = new URL("/authorize/family/member", url)
    callback.searchParams.set("code", code)
    if (state !== null) callback.searchParams.set("state", state)
    const response = await fetch(callback)
    const page = await response.text()
    if (response.status !== 200)
      throw new Error(
        `authorizing ${member.label} of ${plexUsername}: HTTP ${response.status} ${page.slice(0, 200)}`
      )
  }
  const status = await json<{ complete: boolean }>(
    await fetch(`${url}/oauth/family/${group.groupId}/status`),
    200,
    `status of ${plexUsername}`
  )
  if (!status.complete) throw new Error(`the members of ${plexUsername} are not all authorized`)
}

/** One webhook by hand: it must be answered 200 `accepted` (not `ignored`). */
const probe = async (url: string, group: Group) => {
  const { body, contentType } = playWebhook(group.plexUsername, undefined)
  const answer = await json<{ status: string; reason?: string }>(
    await fetch(`${url}/api?id=${group.id}`, {
      method: "POST",
      headers: { "content-type": contentType },
      body
    }),
    200,
    `a webhook of ${group.plexUsername}`
  )
  if (answer.status !== "accepted")
    throw new Error(`a webhook of ${group.plexUsername} was ${answer.status}: ${answer.reason ?? ""}`)
}

// ---------------------------------------------------------------------------

interface Context {
  readonly options: BenchOptions
  readonly db: pg.Client
  readonly schema: string
  readonly sdkConfig: (kind: "express" | "node") => SdkServerConfig
  readonly sandbox: BenchSandbox | undefined
  readonly pending: ReadonlyArray<Group>
  readonly authorized: ReadonlyArray<Group>
}

interface ScenarioRun {
  readonly row: RunRow
  /** Inbox rows written in the run (answered or cut off). */
  readonly inserted: number
  readonly work: ReadonlyArray<TableWork> | undefined
}

const sandboxScrobbles = async (sandbox: BenchSandbox): Promise<number> => {
  const response = await fetch(`${sandbox.url}/_sandbox/scrobbles`)
  const body = (await response.json()) as ReadonlyArray<unknown>
  return body.length
}

const runScenario = async (ctx: Context, scenario: Scenario, round: number): Promise<ScenarioRun> => {
  const { options, db, schema } = ctx
  const sdk = scenario.server === "sdk-express" || scenario.server === "sdk-node"
  // The SDK and the hand-written pg server write inbox rows; only the SDK processes them.
  const writes = scenario.server !== "bare"
  const broadcasting = scenario.background === "three-members"
  const held = sdk && scenario.background === "held"
  const groups = broadcasting ? ctx.authorized : ctx.pending
  const workBefore = writes ? await settledTableWork(db, schema) : undefined
  const server: Child<{ url: string }> =
    scenario.server === "bare"
      ? await startChild("bare-server.ts", [])
      : scenario.server === "raw-pg"
        ? await startChild("raw-server.ts", [JSON.stringify({ databaseUrl: DATABASE_URL, schema })])
        : await startChild("sdk-server.ts", [
            JSON.stringify(ctx.sdkConfig(scenario.server === "sdk-node" ? "node" : "express"))
          ])
  let load: Child<{ phase: string }> | undefined
  const lockOwner = randomUUID()
  let locksHeld = false
  try {
    const insertedBefore = writes ? await inserted(db, schema) : 0
    if (held) {
      await holdGroupLocks(db, schema, groups, lockOwner)
      locksHeld = true
    }
    const scrobblesBefore =
      broadcasting && ctx.sandbox !== undefined ? await sandboxScrobbles(ctx.sandbox) : undefined
    const targets: ReadonlyArray<LoadTarget> = groups.map((g) => ({
      path: `/api?id=${g.id}`,
      plexUsername: g.plexUsername
    }))
    const loadConfig: LoadConfig = {
      url: server.ready.url,
      connections: options.connections,
      warmupSeconds: options.warmup,
      durationSeconds: options.duration,
      thumbBytes: scenario.thumb ? options.thumbBytes : 0,
      targets
    }
    load = await startChild<{ phase: string }>("load.ts", [JSON.stringify(loadConfig)], {
      readyTimeoutMs: (options.warmup + 60) * 1000
    })
    const pids = { server: server.pid, load: load.pid, sandbox: broadcasting ? ctx.sandbox?.pid : undefined }
    const profile = sdk && options.cpuProfDir !== undefined
    if (profile) {
      server.process.send({ type: "profile-start" })
      await server.next(10_000)
    }
    const cpuStart = cpuSnapshot(pids)
    const runs = await load.next<LoadRuns>((options.duration + 60) * 1000)
    const cpu = cpuShare(cpuStart, cpuSnapshot(pids), pids.sandbox !== undefined)
    if (profile && options.cpuProfDir !== undefined) {
      const path = resolve(options.cpuProfDir, `${scenario.name}-round${round + 1}.cpuprofile`)
      server.process.send({ type: "profile-stop", path })
      const written = await server.next<{ ok: boolean; error?: string }>(60_000)
      console.error(
        written.ok ? `  CPU profile of the measured window: ${path}` : `  no profile: ${written.error}`
      )
    }
    await load.stop()

    let drainMs: number | undefined
    if (locksHeld) {
      locksHeld = false
      await releaseGroupLocks(db, schema, lockOwner)
    }
    const cutOff = (runs.warmup?.unanswered ?? 0) + runs.measured.unanswered
    if (sdk) drainMs = Math.max(0, (await drain(db, schema, insertedBefore, cutOff)) - runs.measured.endedAt)
    await server.stop()

    const answered = (runs.warmup?.ok ?? 0) + runs.measured.ok
    let insertedTotal = 0
    let check: RunRow["check"]
    let work: ReadonlyArray<TableWork> | undefined
    if (writes) {
      const scrobbles =
        scrobblesBefore !== undefined && ctx.sandbox !== undefined
          ? (await sandboxScrobbles(ctx.sandbox)) - scrobblesBefore
          : undefined
      const insertedInRun = (await inserted(db, schema)) - insertedBefore
      insertedTotal = insertedInRun
      check = checkRecorded({
        answered2xx: answered,
        unanswered: cutOff,
        inserted: insertedInRun,
        // Nothing processes the hand-written server's rows.
        remaining: sdk ? await inboxRows(db, schema, insertedBefore) : 0,
        scrobblesPerEvent: broadcasting ? MEMBER_LABELS.length : 0,
        scrobbles
      })
      // Rows of requests cut off are the bench's own: gone before the next run.
      const { rowCount } = await db.query(`DELETE FROM ${schema}.webhook_inbox`)
      countDriver("webhook_inbox", { scans: 1, deleted: rowCount ?? 0 })
      work = workBefore === undefined ? undefined : diffWork(workBefore, await settledTableWork(db, schema))
    }
    return {
      row: { round, name: scenario.name, result: runs.measured, cpu, drainMs, check },
      inserted: insertedTotal,
      work
    }
  } finally {
    await load?.stop()
    if (locksHeld) await releaseGroupLocks(db, schema, lockOwner).catch(() => {})
    await server.stop()
  }
}

const setup = async (ctx: Omit<Context, "pending" | "authorized">) => {
  const { options } = ctx
  const needsAuthorized = options.scenarios.some((s) => s.background === "three-members")
  const server = await startChild<{ url: string }>("sdk-server.ts", [
    JSON.stringify(ctx.sdkConfig("express"))
  ])
  try {
    const url = server.ready.url
    const pending: Array<Group> = []
    const authorized: Array<Group> = []
    for (let i = 0; i < options.groups; i++) {
      const plexUsername = `bench-pending-${i}`
      const group = await createGroup(url, plexUsername)
      pending.push({ id: group.groupId, plexUsername })
    }
    if (needsAuthorized) {
      const sandbox = ctx.sandbox
      if (sandbox === undefined) throw new Error("broadcast scenarios need the Trakt sandbox")
      for (let i = 0; i < options.groups; i++) {
        const plexUsername = `bench-family-${i}`
        const group = await createGroup(url, plexUsername)
        await authorizeMembers(url, sandbox, group, plexUsername)
        authorized.push({ id: group.groupId, plexUsername })
      }
    }
    for (const group of [pending[0], authorized[0]]) if (group !== undefined) await probe(url, group)
    // The probes' broadcasts finish before the first scenario.
    await drain(ctx.db, ctx.schema, 0, 0)
    return { pending, authorized }
  } finally {
    await server.stop()
  }
}

const main = async () => {
  const parsed = parseArgs(process.argv.slice(2))
  // Relative to where `pnpm bench:http` was typed (pnpm runs the script in bench/http).
  const cpuProfDir =
    parsed.cpuProfDir === undefined
      ? undefined
      : resolve(process.env.INIT_CWD ?? process.cwd(), parsed.cpuProfDir)
  if (cpuProfDir !== undefined) mkdirSync(cpuProfDir, { recursive: true })
  const options: BenchOptions = { ...parsed, cpuProfDir }
  const loadBefore = loadavg()
  const pressureBefore = cpuPressure()
  const startedAt = Date.now()
  const schema = `bench_http_${randomBytes(4).toString("hex")}`
  const db = new pg.Client({ connectionString: DATABASE_URL, application_name: "bench-http-driver" })
  await db.connect()
  const version =
    (await db.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? "?"
  const poolSize = "10 (the @effect/sql-pg default; createFamilyScrobble does not set one)"
  let sandbox: BenchSandbox | undefined
  let failed = false
  const cleanup = async () => {
    await sandbox?.close().catch(() => {})
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch((error: unknown) => console.error(error))
    await db.end().catch(() => {})
  }
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.once(signal, () => {
      console.error(`${signal}: dropping the schema`)
      cleanup().finally(() => process.exit(130))
    })
  try {
    if (options.scenarios.some((s) => s.background === "three-members")) {
      sandbox = await startBenchSandbox("child", { latencyMs: options.traktLatencyMs, postIntervalMs: 0 })
    }
    const tokenEncryptionKey = randomBytes(32).toString("base64")
    const sdkConfig = (kind: "express" | "node"): SdkServerConfig => ({
      kind,
      databaseUrl: DATABASE_URL,
      schema,
      tokenEncryptionKey,
      logLevel: options.logLevel,
      trakt:
        sandbox === undefined
          ? // Record-only runs send nothing to Trakt (every member is pending): a port nobody listens on.
            {
              clientId: "bench",
              clientSecret: "bench",
              apiUrl: "http://127.0.0.1:9",
              authUrl: "http://127.0.0.1:9"
            }
          : {
              clientId: sandbox.clientId,
              clientSecret: sandbox.clientSecret,
              apiUrl: sandbox.url,
              authUrl: sandbox.url
            }
    })
    const base = { options, db, schema, sdkConfig, sandbox }
    console.error(`setting up schema ${schema}: ${options.groups} groups per kind…`)
    const groups = await setup(base)
    console.error(`set up in ${((Date.now() - startedAt) / 1000).toFixed(0)} s`)
    const ctx: Context = { ...base, ...groups }

    const rows: Array<RunRow> = []
    const byScenario = new Map<
      string,
      { runs: Array<RunRow>; inserted: number; work: ReadonlyArray<TableWork> }
    >()
    for (let round = 0; round < options.rounds; round++) {
      for (const scenario of roundOrder(options.scenarios, round)) {
        const t0 = Date.now()
        const run = await runScenario(ctx, scenario, round)
        const r = run.row
        console.error(
          `round ${round + 1}/${options.rounds} ${scenario.name}: ${Math.round(r.result.ok / r.result.durationSeconds)} req/s, p99 ${r.result.latency.p99.toFixed(1)} ms${r.drainMs === undefined ? "" : `, drained ${r.drainMs} ms after`} (${((Date.now() - t0) / 1000).toFixed(0)} s)`
        )
        rows.push(run.row)
        const entry = byScenario.get(scenario.name) ?? { runs: [], inserted: 0, work: [] }
        entry.runs.push(run.row)
        entry.inserted += run.inserted
        if (run.work !== undefined) entry.work = addWork(entry.work, run.work)
        byScenario.set(scenario.name, entry)
        if (run.row.check?.ok === false) {
          failed = true
          console.error(`  NOT RECORDED: ${run.row.check.problems.join("; ")}`)
        }
        if ((run.row.check?.notBroadcast ?? 0) > 0)
          console.error(
            `  ${run.row.check?.notBroadcast} processed events were not broadcast to every member (the SDK logs "webhook ignored" at Info; BENCH_HTTP_STDOUT=<file> keeps the logs)`
          )
      }
    }
    const loadAfter = loadavg()
    const pressureAfter = cpuPressure()
    const results: ReadonlyArray<ScenarioResult> = options.scenarios.map((scenario) => ({
      scenario,
      runs: (byScenario.get(scenario.name)?.runs ?? []).map((r) => r.result)
    }))

    const out: Array<string> = []
    out.push(`## bench:http — ${new Date(startedAt).toISOString()}`)
    out.push("")
    out.push(
      `- Machine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, Node ${process.version}, PostgreSQL ${version} at ${new URL(DATABASE_URL).host}, SDK pool ${poolSize}`
    )
    out.push(
      `- Load average (1/5/15 min): before ${loadBefore.map((l) => l.toFixed(2)).join(" / ")}, after ${loadAfter.map((l) => l.toFixed(2)).join(" / ")}`
    )
    out.push(
      `- CPU pressure (share of time some task waited for a CPU, last 60 s): before ${pressureBefore}, after ${pressureAfter}`
    )
    out.push(
      `- autocannon: ${options.connections} connections, ${options.warmup} s warm-up + ${options.duration} s measured per run, ${options.rounds} round(s), order reversed every other round; ${options.groups} groups per kind; thumb ${options.thumbBytes} bytes; Trakt sandbox latency ${options.traktLatencyMs} ms; SDK log level ${options.logLevel}`
    )
    out.push(`- Took ${((Date.now() - startedAt) / 1000).toFixed(0)} s`)
    out.push("")
    out.push(formatSummary(summarizeScenarios(results)))
    out.push("")
    out.push("Every run (latency in ms; CPU in cores busy during the measured window):")
    out.push("")
    out.push(formatRuns(rows))
    for (const scenario of options.scenarios) {
      const entry = byScenario.get(scenario.name)
      if (scenario.server === "bare" || entry === undefined || entry.inserted === 0) continue
      out.push("")
      out.push(formatTableWork(scenario.name, entry.inserted, entry.work))
    }
    console.log(out.join("\n"))
  } catch (error) {
    failed = true
    console.error("bench:http failed:", error)
  } finally {
    await cleanup()
  }
  process.exit(failed ? 1 : 0)
}

await main()
