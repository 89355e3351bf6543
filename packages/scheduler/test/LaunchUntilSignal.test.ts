/**
 * `launchUntilSignal` in a real process: the worker process of
 * `fixtures/worker-process.ts`, stopped with real signals.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createRequire } from "node:module"
import { fileURLToPath, pathToFileURL } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schedule } from "effect"

const script = fileURLToPath(new URL("./fixtures/worker-process.ts", import.meta.url))
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href

interface Worker {
  readonly child: ChildProcess
  /** Everything the process printed so far, stdout and stderr. */
  readonly output: () => string
}

const startWorker = (mode: "retry" | "stuck" | "broken", shutdownTimeoutMs: number) =>
  Effect.acquireRelease(
    Effect.sync((): Worker => {
      const child = spawn(
        process.execPath,
        ["--conditions=@org/source", "--import", tsx, script, mode, String(shutdownTimeoutMs)],
        { stdio: ["ignore", "pipe", "pipe"] }
      )
      const chunks: Array<string> = []
      child.stdout?.on("data", (chunk) => chunks.push(String(chunk)))
      child.stderr?.on("data", (chunk) => chunks.push(String(chunk)))
      return { child, output: () => chunks.join("") }
    }),
    ({ child }) =>
      Effect.sync(() => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"))
  )

/** Wait until the process printed `text` (bounded: a cold start of Node and tsx under load can be slow). */
const printed = (worker: Worker, text: string) =>
  Effect.suspend(() => (worker.output().includes(text) ? Effect.void : Effect.fail("not yet"))).pipe(
    Effect.retry(Schedule.spaced("20 millis")),
    Effect.timeoutFail({
      duration: "60 seconds",
      onTimeout: () => new Error(`never printed "${text}":\n${worker.output()}`)
    })
  )

/** The exit code, once the process exited (bounded, like `printed`). */
const exitCode = (worker: Worker) =>
  Effect.async<number | null>((resume) => {
    const { child } = worker
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.succeed(child.exitCode))
    child.once("exit", (code) => resume(Effect.succeed(code)))
  }).pipe(
    Effect.timeoutFail({
      duration: "60 seconds",
      onTimeout: () => new Error(`still running:\n${worker.output()}`)
    })
  )

describe("launchUntilSignal", { timeout: 150_000 }, () => {
  it.live("on SIGTERM, stops the workers, which release what they hold, and exits with code 0", () =>
    Effect.gen(function* () {
      const worker = yield* startWorker("retry", 10_000)
      yield* printed(worker, "workers started")
      yield* printed(worker, "retry in progress")
      worker.child.kill("SIGTERM")
      expect(yield* exitCode(worker)).toBe(0)
      const output = worker.output()
      expect(output).toContain("workers stopped")
      // The retry that was hanging at Trakt went back to the queue, ready for another worker.
      expect(output).toContain("claimable after shutdown: 1")
    }).pipe(Effect.scoped)
  )

  it.live("gives up after the shutdown timeout and exits with code 1", () =>
    Effect.gen(function* () {
      const worker = yield* startWorker("stuck", 300)
      yield* printed(worker, "workers started")
      worker.child.kill("SIGINT")
      expect(yield* exitCode(worker)).toBe(1)
      expect(worker.output()).toContain("workers did not stop within 300ms")
      expect(worker.output()).not.toContain("workers stopped")
    }).pipe(Effect.scoped)
  )

  it.live("a layer that fails to build exits with code 1 and says why", () =>
    Effect.gen(function* () {
      const worker = yield* startWorker("broken", 10_000)
      expect(yield* exitCode(worker)).toBe(1)
      expect(worker.output()).toContain("workers failed to start")
      expect(worker.output()).toContain("the database is unreachable")
      expect(worker.output()).not.toContain("workers started")
    }).pipe(Effect.scoped)
  )

  it.live("a second signal exits at once", () =>
    Effect.gen(function* () {
      const worker = yield* startWorker("stuck", 3_600_000)
      yield* printed(worker, "workers started")
      worker.child.kill("SIGTERM")
      yield* printed(worker, "stopping workers")
      worker.child.kill("SIGTERM")
      expect(yield* exitCode(worker)).toBe(128 + 15)
      expect(worker.output()).not.toContain("workers stopped")
    }).pipe(Effect.scoped)
  )
})
