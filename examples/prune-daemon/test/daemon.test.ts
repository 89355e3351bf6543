/**
 * The daemon as its users run it: a child process with the environment they know,
 * against fake plex.tv, Tautulli and SMTP servers started here.
 */
import { spawn } from "node:child_process"
import { mkdtemp, rm } from "node:fs/promises"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { type SmtpSink, startSmtpSink } from "@org/notify/testing"
import { type FakePlexTv, type FakeTautulli, startFakePlexTv, startFakeTautulli } from "@org/plex/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const exampleDir = fileURLToPath(new URL("..", import.meta.url))
const tsx = createRequire(import.meta.url).resolve("tsx")
const DAY = 86_400

const run = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      ["--conditions=@org/source", "--import", tsx, "src/main.ts", ...args],
      {
        cwd: exampleDir,
        env: { PATH: process.env.PATH ?? "", ...env },
        stdio: ["ignore", "pipe", "pipe"]
      }
    )
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => {
      stdout += chunk
    })
    child.stderr.on("data", (chunk) => {
      stderr += chunk
    })
    child.on("exit", (code) => resolve({ code, stdout, stderr }))
  })

let plex: FakePlexTv
let tautulli: FakeTautulli
let smtp: SmtpSink
let dataDir: string
let env: Record<string, string>

beforeAll(async () => {
  const now = Math.floor(Date.now() / 1000)
  plex = await startFakePlexTv({
    token: "plex-token-not-for-logs",
    users: [
      { id: "101", username: "alice" },
      { id: "102", username: "bob" },
      { id: "103", username: "frank", shares: [{ machineIdentifier: "someone-else", owned: false }] }
    ]
  })
  tautulli = await startFakeTautulli({
    users: [
      { userId: "101", lastSeen: now - 2 * DAY },
      { userId: "102", lastSeen: now - 40 * DAY },
      { userId: "103", lastSeen: null }
    ]
  })
  smtp = await startSmtpSink()
  dataDir = await mkdtemp(join(tmpdir(), "prune-daemon-"))
  env = {
    PLEX_TOKEN: plex.token,
    PLEX_SERVER_NAME: plex.serverName,
    PLEX_TV_URL: plex.url,
    TAUTULLI_URL: tautulli.url,
    TAUTULLI_API_KEY: tautulli.apiKey,
    SMTP_HOST: smtp.host,
    SMTP_PORT: String(smtp.port),
    SMTP_FROM: "plex@example.com",
    ADMIN_EMAIL: "owner@example.com",
    DATA_DIR: dataDir
  }
}, 60_000)

afterAll(async () => {
  await Promise.all([plex?.close(), tautulli?.close(), smtp?.close()])
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true })
})

describe("prune daemon", () => {
  it("--plan --json prints one decision per user of this server and changes nothing", async () => {
    const result = await run(["--plan", "--json"], env)
    expect(result.code).toBe(0)
    const rows = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line))
    expect(rows.map((row) => [row.username, row.decision])).toEqual([
      ["alice", "nothing"],
      ["bob", "warn"]
    ])
    expect(plex.requests({ method: "DELETE" })).toEqual([])
    expect(smtp.messages).toEqual([])
  }, 60_000)

  it("--once live warns once, and a second run remembers it (state survives the process)", async () => {
    const live = { ...env, DRY_RUN: "false" }
    const first = await run(["--once"], live)
    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(/inactivity\tdone\twarn\tbob/)
    const warnings = () => smtp.messages.filter((m) => m.to.includes("bob@example.com"))
    expect(warnings().length).toBe(1)
    const second = await run(["--once"], live)
    expect(second.code).toBe(0)
    expect(second.stdout).not.toMatch(/warn\tbob/)
    expect(warnings().length).toBe(1)
    expect(plex.requests({ method: "DELETE" })).toEqual([])
    const plan = await run(
      ["--plan", "--json", "--at", new Date(Date.now() + 4 * DAY * 1000).toISOString()],
      live
    )
    const bob = plan.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line))
      .find((row) => row.username === "bob")
    expect(bob.decision).toBe("remove")
    for (const output of [first, second, plan])
      expect(output.stdout + output.stderr).not.toContain(plex.token)
  }, 120_000)

  it("fails at start with a message naming each invalid variable", async () => {
    const result = await run(["--once"], { ...env, PLEX_TOKEN: "", WARN_DAYS: "31" })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("PLEX_TOKEN is required")
    expect(result.stderr).toContain("WARN_DAYS (31) must be less than KICK_DAYS (30)")
  }, 60_000)

  it("as a daemon: records users, welcomes a newcomer on the next new-user pass, stops cleanly on SIGTERM", async () => {
    const ownDataDir = await mkdtemp(join(tmpdir(), "prune-daemon-run-"))
    const child = spawn(process.execPath, ["--conditions=@org/source", "--import", tsx, "src/main.ts"], {
      cwd: exampleDir,
      env: {
        PATH: process.env.PATH ?? "",
        ...env,
        DATA_DIR: ownDataDir,
        DRY_RUN: "false",
        CHECK_NEW_USERS_SECS: "10"
      },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    child.stdout.on("data", (chunk) => {
      output += chunk
    })
    child.stderr.on("data", (chunk) => {
      output += chunk
    })
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve))
    const waitFor = async (what: string, check: () => boolean) => {
      for (let i = 0; i < 600 && !check(); i++) await new Promise((r) => setTimeout(r, 100))
      if (!check()) throw new Error(`timed out waiting for ${what}; output:\n${output}`)
    }
    try {
      await waitFor("the workers to start", () => output.includes('message="workers started"'))
      const before = smtp.messages.length
      plex.addUser({ id: "104", username: "newcomer" })
      await waitFor("the welcome", () => smtp.messages.some((m) => m.to.includes("newcomer@example.com")))
      expect(smtp.messages.slice(before).filter((m) => m.to.includes("newcomer@example.com")).length).toBe(1)
    } finally {
      child.kill("SIGTERM")
    }
    expect(await exited).toBe(0)
    expect(output).toContain('message="workers stopped"')
    plex.removeUser("104")
    await rm(ownDataDir, { recursive: true, force: true })
  }, 120_000)

  it("rejects unknown arguments and a bad --at", async () => {
    expect((await run(["--plan", "--at", "tomorrow"], env)).code).toBe(2)
    expect((await run(["--forever"], env)).code).toBe(2)
  }, 60_000)
})
