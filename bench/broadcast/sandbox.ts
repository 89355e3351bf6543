/**
 * The Trakt sandbox as the broadcast benchmark uses it: started in a child
 * process (the default; Trakt is remote in production) or in the benchmark's own
 * process, and driven only over HTTP either way — OAuth sign-in and code
 * exchange, and `/_sandbox/scrobbles` to read back what it recorded.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createRequire } from "node:module"
import { createInterface } from "node:readline"
import { fileURLToPath, pathToFileURL } from "node:url"
import { type SandboxScrobble, startTraktSandbox, type TraktSandboxOptions } from "@org/trakt/sandbox"
import { Agent, request } from "undici"
import type { SandboxProcessReady } from "./sandbox-process.js"

/** Where the sandbox runs: its own process, or the benchmark's. */
export type SandboxPlacement = "child" | "in-process"

/** The options that can cross a process boundary (JSON). */
export type SandboxStartOptions = Omit<TraktSandboxOptions, "isKnownItem">

export interface BenchSandbox extends SandboxProcessReady {
  readonly placement: SandboxPlacement
  /** The child's process id, when it runs in a child. */
  readonly pid: number | undefined
  /** Sign `username` in through `authorizeUrl` (as `/oauth/authorize` answers it): the code and state it redirects with. */
  signIn(authorizeUrl: string, username: string): Promise<{ code: string; state: string | null }>
  /** A token for `username` the way an app gets one: sign-in, then the code exchanged at `/oauth/token`. */
  accessToken(username: string, redirectUri: string): Promise<string>
  /** The scrobbles the sandbox recorded for `username` (`GET /_sandbox/scrobbles`). */
  scrobbles(username: string): Promise<ReadonlyArray<SandboxScrobble>>
  /** Stop the sandbox (and its process): always call it. */
  close(): Promise<void>
}

const READY_TIMEOUT_MS = 30_000
const EXIT_TIMEOUT_MS = 5_000

/** This file's directory's `sandbox-process.ts`, and `tsx`'s loader as this package resolves it. */
const childScript = fileURLToPath(new URL("./sandbox-process.ts", import.meta.url))
const tsxLoader = () => pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href

/** The command line of the sandbox process: `node --conditions=@org/source --import tsx sandbox-process.ts <options>`. */
export const sandboxProcessArgs = (options: SandboxStartOptions): ReadonlyArray<string> => [
  "--conditions=@org/source",
  "--import",
  tsxLoader(),
  childScript,
  JSON.stringify(options)
]

const waitForExit = (child: ChildProcess, ms: number): Promise<boolean> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(true)
    : new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), ms)
        child.once("exit", () => {
          clearTimeout(timer)
          resolve(true)
        })
      })

/** Stop the child: stdin closed and SIGTERM, then SIGKILL if it is still there after 5 s. */
const stopChild = async (child: ChildProcess): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.stdin?.end()
  child.kill("SIGTERM")
  if (await waitForExit(child, EXIT_TIMEOUT_MS)) return
  child.kill("SIGKILL")
  await waitForExit(child, EXIT_TIMEOUT_MS)
}

const startChild = async (
  options: SandboxStartOptions
): Promise<{ ready: SandboxProcessReady; child: ChildProcess }> => {
  const child = spawn(process.execPath, sandboxProcessArgs(options), { stdio: ["pipe", "pipe", "inherit"] })
  try {
    const ready = await new Promise<SandboxProcessReady>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout as NonNullable<typeof child.stdout> })
      const timer = setTimeout(
        () => reject(new Error(`the sandbox process did not start within ${READY_TIMEOUT_MS} ms`)),
        READY_TIMEOUT_MS
      )
      const fail = (error: Error) => {
        clearTimeout(timer)
        reject(error)
      }
      child.once("error", fail)
      child.once("exit", (code, signal) =>
        fail(new Error(`the sandbox process exited before it was ready (${signal ?? `exit code ${code}`})`))
      )
      lines.once("line", (line) => {
        clearTimeout(timer)
        try {
          const value = JSON.parse(line) as Partial<SandboxProcessReady>
          if (
            typeof value.url !== "string" ||
            typeof value.clientId !== "string" ||
            typeof value.clientSecret !== "string"
          )
            throw new Error("missing url, clientId or clientSecret")
          resolve({ url: value.url, clientId: value.clientId, clientSecret: value.clientSecret })
        } catch (error) {
          reject(new Error(`the sandbox process wrote ${JSON.stringify(line)}: ${String(error)}`))
        }
        // Anything else it writes is read and dropped, so it can never block on a full pipe.
        lines.on("line", () => {})
      })
    })
    return { ready, child }
  } catch (error) {
    await stopChild(child)
    throw error
  }
}

/** Start a sandbox where asked, and a client for its HTTP surface. */
export const startBenchSandbox = async (
  placement: SandboxPlacement,
  options: SandboxStartOptions
): Promise<BenchSandbox> => {
  let ready: SandboxProcessReady
  let pid: number | undefined
  let stop: () => Promise<void>
  if (placement === "child") {
    const started = await startChild(options)
    ready = started.ready
    pid = started.child.pid
    stop = () => stopChild(started.child)
  } else {
    const sandbox = await startTraktSandbox(options)
    ready = { url: sandbox.url, clientId: sandbox.clientId, clientSecret: sandbox.clientSecret }
    stop = () => sandbox.close()
  }

  // The control client: its own connections, apart from the SDK's and the baseline's.
  const agent = new Agent({ connections: 16, keepAliveTimeout: 10_000 })
  const origin = new URL(ready.url).origin

  const signIn = async (authorizeUrl: string, username: string) => {
    const url = new URL(authorizeUrl)
    url.searchParams.set("sandbox_username", username)
    const response = await request(`${origin}${url.pathname}${url.search}`, {
      method: "GET",
      dispatcher: agent
    })
    await response.body.text()
    const location = response.headers.location
    if (response.statusCode !== 302 || typeof location !== "string")
      throw new Error(`sign-in of ${username}: expected a redirect, got HTTP ${response.statusCode}`)
    const redirect = new URL(location)
    const code = redirect.searchParams.get("code")
    if (code === null) throw new Error(`sign-in of ${username}: the redirect has no code (${location})`)
    return { code, state: redirect.searchParams.get("state") }
  }

  const accessToken = async (username: string, redirectUri: string) => {
    const authorize = new URL("/oauth/authorize", origin)
    authorize.searchParams.set("response_type", "code")
    authorize.searchParams.set("client_id", ready.clientId)
    authorize.searchParams.set("redirect_uri", redirectUri)
    const { code } = await signIn(authorize.toString(), username)
    const response = await request(`${origin}/oauth/token`, {
      method: "POST",
      dispatcher: agent,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        code,
        client_id: ready.clientId,
        client_secret: ready.clientSecret,
        redirect_uri: redirectUri,
        grant_type: "authorization_code"
      })
    })
    const body = (await response.body.json()) as { access_token?: unknown }
    if (response.statusCode !== 200 || typeof body.access_token !== "string")
      throw new Error(`token for ${username}: HTTP ${response.statusCode} ${JSON.stringify(body)}`)
    return body.access_token
  }

  const scrobbles = async (username: string) => {
    const response = await request(`${origin}/_sandbox/scrobbles?username=${encodeURIComponent(username)}`, {
      method: "GET",
      dispatcher: agent
    })
    const body = await response.body.json()
    if (response.statusCode !== 200 || !Array.isArray(body))
      throw new Error(`scrobbles of ${username}: HTTP ${response.statusCode}`)
    return body as ReadonlyArray<SandboxScrobble>
  }

  return {
    ...ready,
    placement,
    pid,
    signIn,
    accessToken,
    scrobbles,
    close: async () => {
      try {
        await agent.close()
      } finally {
        await stop()
      }
    }
  }
}
