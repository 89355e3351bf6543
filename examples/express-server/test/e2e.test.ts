/**
 * The example end to end, as a user runs it: `src/main.ts` in a child process
 * on embedded PGlite, against a Trakt sandbox this test starts (so it can
 * inject faults and read what each account received). Plex webhooks are posted
 * byte for byte as Plex sends them. Waits are bounded polls; nothing asserts on
 * time.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { createServer } from "node:http"
import { createRequire } from "node:module"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { startTraktSandbox, type TraktSandbox } from "@org/trakt/sandbox"
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest"
import { variableNames } from "../src/config.js"
import { postSampleWebhook, type SampleEvent, type SampleMedia } from "../src/sampleWebhook.js"

const exampleDir = fileURLToPath(new URL("..", import.meta.url))
const mainScript = join(exampleDir, "src", "main.ts")
const webhookScript = join(exampleDir, "scripts", "send-sample-webhook.ts")
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href

const ADMIN_TOKEN = "e2e-admin-token-0123456789"
const PLEX_USER = "LivingRoom"
const FAMILY = ["Alice", "Bob", "Carol"] as const
const traktUser = (label: string) => label.toLowerCase()

interface Child {
  readonly process: ChildProcess
  readonly url: string
  readonly output: () => string
  readonly exited: Promise<number | null>
}

/** Node with tsx and the `@org/source` condition, as `pnpm start` runs it. */
const spawnTs = (script: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv) =>
  spawn(process.execPath, ["--conditions=@org/source", "--import", tsx, script, ...args], {
    cwd: exampleDir,
    env,
    stdio: ["ignore", "pipe", "pipe"]
  })

const collect = (child: ChildProcess) => {
  let output = ""
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  return { output: () => output, exited }
}

/** Poll `check` until it answers something other than `undefined`/`false`, for at most `timeoutMs`. */
const waitFor = async <A>(
  what: string,
  check: () => A | undefined | false | Promise<A | undefined | false>,
  timeoutMs = 20_000,
  explain: () => unknown = () => undefined
): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; ${JSON.stringify(await explain()) ?? ""}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const withTimeout = <A>(promise: Promise<A>, ms: number, what: string) =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms))
  ])

describe("the Express example, end to end", () => {
  let sandbox: TraktSandbox
  let dataDir: string
  let child: Child | undefined
  /** Every server started, to stop in `afterAll` whatever happened. */
  const children: Array<{ readonly process: ChildProcess; readonly exited: Promise<number | null> }> = []

  /** The environment of the server: this file's variables only, none inherited. */
  const serverEnv = (): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { ...process.env }
    for (const name of variableNames) delete env[name]
    return {
      ...env,
      PORT: "0",
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      TRAKT_CLIENT_ID: sandbox.clientId,
      TRAKT_CLIENT_SECRET: sandbox.clientSecret,
      TRAKT_API_URL: sandbox.url,
      TRAKT_AUTHORIZE_URL: sandbox.url,
      ADMIN_TOKEN,
      RETRY_BASE_DELAY_MS: "1500",
      RETRY_MAX_ATTEMPTS: "10",
      LOG_LEVEL: "info"
    }
  }

  const startChild = async (): Promise<Child> => {
    const spawned = spawnTs(mainScript, [], serverEnv())
    const { output, exited } = collect(spawned)
    children.push({ process: spawned, exited })
    let exitCode: number | null | undefined
    void exited.then((code) => {
      exitCode = code
    })
    const url = await waitFor(
      "the server's landing page URL",
      () => {
        if (exitCode !== undefined) throw new Error(`the server exited with ${exitCode}:\n${output()}`)
        return /Landing page\s+(http:\/\/\S+?)\/\s/.exec(output())?.[1]
      },
      90_000
    )
    return { process: spawned, url, output, exited }
  }

  const server = () => {
    if (child === undefined) throw new Error("no server is running")
    return child
  }

  const api = async (method: string, path: string, body?: unknown, admin = false) => {
    const response = await fetch(`${server().url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...(admin ? { authorization: `Bearer ${ADMIN_TOKEN}` } : {})
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    const text = await response.text()
    return { status: response.status, body: text === "" ? undefined : JSON.parse(text) }
  }

  const webhook = async (event: SampleEvent, media: SampleMedia, progress?: number) => {
    const answer = await postSampleWebhook(webhookUrl(), {
      event,
      media,
      plexUsername: PLEX_USER,
      ...(progress === undefined ? {} : { progress })
    })
    expect(answer).toMatchObject({ status: 200, body: { status: "accepted" } })
  }

  let groupId = ""
  const memberIds: Record<string, string> = {}
  const webhookUrl = () => `${server().url}/api?id=${groupId}`

  const queueDepth = async () => {
    const { status, body } = await api("GET", `/admin/api/family-groups/${groupId}`, undefined, true)
    expect(status).toBe(200)
    const queue = body.queue as { queued: number; retrying: number; permanentFailure: number }
    return { waiting: queue.queued + queue.retrying, permanentFailure: queue.permanentFailure }
  }

  /** What `user` received for the episode or the movie, as "action progress → result". */
  const received = (user: string, media: SampleMedia) =>
    sandbox
      .scrobbles(user)
      .filter((s) => (s.item.movie !== undefined) === (media === "movie"))
      .map((s) => `${s.action} ${Math.round(s.progress)} → ${s.result}`)

  const rateLimited = (user: string) =>
    sandbox.requests(user).filter((r) => r.path.startsWith("/scrobble/") && r.status === 429).length

  /** What every account received and the queue, for timeout messages. */
  const snapshot = async () => ({
    received: Object.fromEntries(
      FAMILY.map((label) => [
        label,
        sandbox.scrobbles(traktUser(label)).map((s) => `${s.action} ${s.result}`)
      ])
    ),
    rateLimited: Object.fromEntries(FAMILY.map((label) => [label, rateLimited(traktUser(label))])),
    queue: child === undefined || groupId === "" ? undefined : await queueDepth().catch(String)
  })

  const until = <A>(
    what: string,
    check: () => A | undefined | false | Promise<A | undefined | false>,
    timeoutMs = 20_000
  ) => waitFor(what, check, timeoutMs, snapshot)

  beforeAll(async () => {
    sandbox = await startTraktSandbox()
    dataDir = await mkdtemp(join(tmpdir(), "express-server-e2e-"))
    child = await startChild()
  }, 120_000)

  afterAll(async () => {
    for (const running of children) {
      if (running.process.exitCode === null && running.process.signalCode === null) {
        running.process.kill("SIGTERM")
        await withTimeout(running.exited, 30_000, "the server to stop").catch(() =>
          running.process.kill("SIGKILL")
        )
      }
    }
    await sandbox?.close()
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true })
  }, 60_000)

  const showOutputOnFailure = () =>
    onTestFailed(() => {
      console.log(`--- server output ---\n${child?.output().slice(-8000) ?? "(no server)"}`)
    })

  it("serves its pages and health, and keeps the admin API behind the token", async () => {
    showOutputOnFailure()
    expect((await api("GET", "/healthz")).body).toMatchObject({ status: "ok" })
    const landing = await fetch(`${server().url}/`)
    expect(landing.status).toBe(200)
    expect(landing.headers.get("content-type")).toMatch(/text\/html/)
    expect((await api("GET", "/about")).body).toEqual({ name: "@org/example-express-server", trakt: "trakt" })
    expect((await api("GET", "/admin/api/family-groups")).status).toBe(401)
    expect((await api("GET", "/admin/api/family-groups", undefined, true)).status).toBe(200)
  })

  it("creates a family of three and authorizes each member through Trakt's OAuth", async () => {
    showOutputOnFailure()
    const created = await api("POST", "/oauth/family/state", { plexUsername: PLEX_USER, labels: FAMILY })
    expect(created.status).toBe(201)
    groupId = created.body.groupId
    expect(created.body.webhookUrl).toBe(webhookUrl())

    for (const member of created.body.members as ReadonlyArray<{
      id: string
      label: string
      authorizeUrl: string
    }>) {
      memberIds[member.label] = member.id
      // The member signs in on Trakt (the sandbox), which sends them back to the callback.
      const authorize = new URL(member.authorizeUrl)
      expect(authorize.origin).toBe(sandbox.url)
      const { redirectUrl } = sandbox.authorize({
        username: traktUser(member.label),
        redirectUri: authorize.searchParams.get("redirect_uri") ?? "",
        state: authorize.searchParams.get("state") ?? ""
      })
      expect(redirectUrl.startsWith(`${server().url}/authorize/family/member?`)).toBe(true)
      const callback = await fetch(redirectUrl)
      expect(callback.status).toBe(200)
      expect(await callback.text()).toContain(traktUser(member.label))
    }

    const status = await api("GET", `/oauth/family/${groupId}/status`)
    expect(status.body).toMatchObject({ complete: true, plexUsername: PLEX_USER, webhookUrl: webhookUrl() })
    expect(status.body.members.map((m: { traktUsername: string }) => m.traktUsername)).toEqual([
      "alice",
      "bob",
      "carol"
    ])
  })

  it("broadcasts play, pause and finish to every member; a rate-limited member gets theirs by retry", async () => {
    showOutputOnFailure()
    // Carol's Trakt is rate limiting until told otherwise.
    sandbox.injectFault("carol", { status: 429, retryAfterSeconds: 1 })

    // The play goes through the script a user would run.
    const script = spawnTs(webhookScript, ["--url", webhookUrl(), "--event", "play"], process.env)
    const scriptRun = collect(script)
    expect(await withTimeout(scriptRun.exited, 60_000, "send-sample-webhook")).toBe(0)
    expect(scriptRun.output()).toContain(`for Plex user ${PLEX_USER}`)
    expect(scriptRun.output()).toMatch(/^200 \{/m)
    expect(scriptRun.output()).toContain('"status": "accepted"')

    // Alice and Bob have their start while Carol's waits in the retry queue.
    await until(
      "Alice's and Bob's start, and Carol's retry",
      async () =>
        received("alice", "episode").length === 1 &&
        received("bob", "episode").length === 1 &&
        rateLimited("carol") > 0 &&
        (await queueDepth()).waiting === 1
    )
    expect(received("alice", "episode")).toEqual(["start 0 → start"])
    expect(received("bob", "episode")).toEqual(["start 0 → start"])
    expect(received("carol", "episode")).toEqual([])

    // Once Carol's Trakt answers again, the retry worker delivers her start.
    sandbox.clearFaults("carol")
    await until("Carol's retried start", () => received("carol", "episode").length === 1)
    expect(received("carol", "episode")).toEqual(["start 0 → start"])
    await until("an empty retry queue", async () => (await queueDepth()).waiting === 0)

    // Pause at 40 %: a stop Trakt keeps as a paused playback. Then Plex's finish: a play.
    await webhook("pause", "episode", 40)
    await until("everyone's pause", () =>
      FAMILY.every((label) => received(traktUser(label), "episode").length === 2)
    )
    await webhook("scrobble", "episode")
    await until("everyone's play", () =>
      FAMILY.every((label) => sandbox.plays(traktUser(label)).length === 1)
    )
    for (const label of FAMILY) {
      expect(received(traktUser(label), "episode")).toEqual([
        "start 0 → start",
        "stop 40 → pause",
        "stop 90 → scrobble"
      ])
    }
  }, 90_000)

  it("removing a member drops their queued retries and keeps the group's webhook URL", async () => {
    showOutputOnFailure()
    const before = (await api("GET", `/admin/api/family-groups/${groupId}`, undefined, true)).body
    sandbox.injectFault("bob", { status: 429, retryAfterSeconds: 1 })
    const bobRequestsBefore = rateLimited("bob")

    await webhook("play", "movie")
    await until(
      "Alice's and Carol's movie start, and Bob's retry",
      async () =>
        received("alice", "movie").length === 1 &&
        received("carol", "movie").length === 1 &&
        rateLimited("bob") > bobRequestsBefore &&
        (await queueDepth()).waiting === 1
    )

    const removed = await api(
      "DELETE",
      `/admin/api/family-groups/${groupId}/members/${memberIds.Bob}`,
      undefined,
      true
    )
    expect(removed.status).toBe(200)
    expect(removed.body.droppedRetries).toBe(1)
    const requestsAtRemoval = sandbox.requests("bob").length

    const after = (await api("GET", `/admin/api/family-groups/${groupId}`, undefined, true)).body
    expect(after.webhookUrl).toBe(before.webhookUrl)
    expect(after.queue).toMatchObject({ queued: 0, retrying: 0 })
    expect(after.members.map((m: { label: string }) => m.label)).toEqual(["Alice", "Carol"])

    // Bob's Trakt answers again, but nothing is left to send him: give the retry
    // worker several of its 1.5 s delays, while the same webhook URL keeps working.
    sandbox.clearFaults("bob")
    await pause(5_000)
    await webhook("pause", "movie", 40)
    await until("Alice's and Carol's movie pause", () =>
      ["alice", "carol"].every((user) => received(user, "movie").length === 2)
    )
    expect(received("bob", "movie")).toEqual([])
    expect(sandbox.requests("bob")).toHaveLength(requestsAtRemoval)
  }, 90_000)

  it("a retry queued before a restart is delivered after it", async () => {
    showOutputOnFailure()
    sandbox.injectFault("alice", { status: 429, retryAfterSeconds: 1 })
    const aliceLimitedBefore = rateLimited("alice")
    const aliceBefore = received("alice", "movie")
    const carolBefore = received("carol", "movie").length

    await webhook("resume", "movie", 40)
    await until(
      "Carol's resume, and Alice's retry",
      async () =>
        received("carol", "movie").length === carolBefore + 1 &&
        rateLimited("alice") > aliceLimitedBefore &&
        (await queueDepth()).waiting === 1
    )
    expect(received("carol", "movie").at(-1)).toBe("start 40 → start")
    expect(received("alice", "movie")).toEqual(aliceBefore)

    // Stop the server while Alice's start waits for its retry: it exits 0.
    const first = server()
    first.process.kill("SIGTERM")
    expect(await withTimeout(first.exited, 30_000, "the server to stop")).toBe(0)
    expect(first.output()).toContain("Stopped.")
    child = undefined
    expect(received("alice", "movie")).toEqual(aliceBefore)

    // A new server on the same data directory (and token key file) picks the retry up.
    child = await startChild()
    sandbox.clearFaults("alice")
    await until(
      "Alice's retried resume",
      () => received("alice", "movie").length === aliceBefore.length + 1,
      45_000
    )
    expect(received("alice", "movie")).toEqual([...aliceBefore, "start 40 → start"])
    await until("an empty retry queue", async () => (await queueDepth()).waiting === 0)
    expect(server().output()).not.toContain("generated a key")
  }, 120_000)

  it("a broadcast in flight when the server is killed (-9) is delivered by the next server within seconds", async () => {
    showOutputOnFailure()
    // Alice's Trakt takes the POST and never answers: the webhook is answered and
    // recorded, her delivery hangs, and the inbox entry is held by the server.
    sandbox.injectFault("alice", { kind: "hang" }, { times: 1 })
    const aliceBefore = received("alice", "movie")
    const aliceRequests = sandbox.requests("alice").length
    const carolBefore = received("carol", "movie").length
    await webhook("pause", "movie", 55)
    await until(
      "Carol's pause, and Alice's POST hanging",
      () =>
        received("carol", "movie").length === carolBefore + 1 &&
        sandbox.requests("alice").length > aliceRequests
    )
    const killed = server()
    killed.process.kill("SIGKILL")
    await withTimeout(killed.exited, 30_000, "the killed server to exit")
    child = undefined
    expect(received("alice", "movie")).toEqual(aliceBefore)

    child = await startChild()
    const ready = Date.now()
    await until(
      "Alice's pause, delivered by the new server",
      () => received("alice", "movie").length > aliceBefore.length,
      60_000
    )
    const recoveredInMs = Date.now() - ready
    process.stdout.write(
      `crash recovery: the killed server's broadcast reached Alice ${recoveredInMs} ms after the new server was up\n`
    )
    expect(received("alice", "movie")).toEqual([...aliceBefore, "stop 55 → pause"])
    // The event is broadcast again whole (at least once): Carol's pause may come twice,
    // which Trakt takes as the same state restated.
    expect(
      received("carol", "movie")
        .slice(carolBefore)
        .every((s) => s === "stop 55 → pause")
    ).toBe(true)
  }, 120_000)

  it("a play held by a killed server never reaches a member after the item's pause and finish", async () => {
    showOutputOnFailure()
    // The play (a resume of the movie) reaches Carol, and hangs at Alice's Trakt when the server is killed.
    sandbox.injectFault("alice", { kind: "hang" }, { times: 1 })
    const before = { alice: received("alice", "movie").length, carol: received("carol", "movie").length }
    const aliceRequests = sandbox.requests("alice").length
    await webhook("resume", "movie", 55)
    await until(
      "Carol's start, and Alice's POST hanging",
      () =>
        received("carol", "movie").length === before.carol + 1 &&
        sandbox.requests("alice").length > aliceRequests
    )
    const killed = server()
    killed.process.kill("SIGKILL")
    await withTimeout(killed.exited, 30_000, "the killed server to exit")
    child = undefined

    // The new server gets the pause and the finish at once, whenever it takes the play over.
    child = await startChild()
    await webhook("pause", "movie", 40)
    await webhook("scrobble", "movie")
    await until(
      "everyone's finish",
      () =>
        ["alice", "carol"].every((user) => received(user, "movie").at(-1) === "stop 90 → scrobble") ||
        undefined,
      30_000
    )
    // The killed server's play is taken over within its lease, and after that nothing more comes.
    await until("an empty inbox", async () => (await api("GET", "/healthz")).body.inbox === 0, 30_000)
    await pause(3_000)
    for (const user of ["alice", "carol"]) {
      const since = received(user, "movie").slice(user === "alice" ? before.alice : before.carol)
      const finish = since.lastIndexOf("stop 90 → scrobble")
      expect(finish, `${user}: ${since.join(", ")}`).toBeGreaterThanOrEqual(0)
      expect(since.slice(finish + 1), `${user} after the finish: ${since.join(", ")}`).toEqual([])
    }
  }, 120_000)

  it("a second server on the same DATA_DIR exits non-zero at once, naming the directory and the holder; the first is unharmed", async () => {
    showOutputOnFailure()
    const second = spawnTs(mainScript, [], serverEnv())
    const { output, exited } = collect(second)
    children.push({ process: second, exited })
    expect(await withTimeout(exited, 60_000, "the second server to give up")).toBe(1)
    expect(output()).toContain(
      `The embedded database in ${join(dataDir, "pglite")} is in use by process ${server().process.pid}`
    )
    expect(output()).toContain("DATABASE_URL")
    expect(output()).not.toContain("Landing page")
    const health = await fetch(`${server().url}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: "ok" })
  }, 90_000)

  it("a start that cannot run writes no token key into a new data directory", async () => {
    const emptyDir = await mkdtemp(join(tmpdir(), "org-express-nokey-"))
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve))
    try {
      const port = (taken.address() as AddressInfo).port
      const refused = spawnTs(mainScript, [], { ...serverEnv(), DATA_DIR: emptyDir, PORT: String(port) })
      const { output, exited } = collect(refused)
      children.push({ process: refused, exited })
      expect(await withTimeout(exited, 60_000, "the server to give up")).toBe(1)
      expect(output()).toContain(`PORT ${port} is already in use`)
      expect(existsSync(join(emptyDir, "token-encryption.key"))).toBe(false)
    } finally {
      taken.close()
      await rm(emptyDir, { recursive: true, force: true })
    }
  }, 90_000)

  it("exits 0 on SIGTERM", async () => {
    showOutputOnFailure()
    const running = server()
    running.process.kill("SIGTERM")
    expect(await withTimeout(running.exited, 30_000, "the server to stop")).toBe(0)
    child = undefined
  }, 40_000)
})
