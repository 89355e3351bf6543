/**
 * The benchmark's processes: each server and each load run is a Node process of
 * its own, started with the packages' TypeScript sources (`--conditions=@org/source`
 * and `tsx`), talking to the driver over IPC only. Its stdout goes to /dev/null
 * (the SDK's logs are written and discarded; `BENCH_HTTP_STDOUT=<file>` keeps
 * them), its stderr to the driver's.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { openSync } from "node:fs"
import { createRequire } from "node:module"
import { fileURLToPath, pathToFileURL } from "node:url"

const stdoutFd =
  process.env.BENCH_HTTP_STDOUT === undefined ? undefined : openSync(process.env.BENCH_HTTP_STDOUT, "a")

const tsxLoader = () => pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href

/** A script of this directory. */
export const scriptPath = (name: string): string => fileURLToPath(new URL(`./${name}`, import.meta.url))

export interface Child<Ready> {
  readonly process: ChildProcess
  readonly pid: number
  /** The first message the child sent. */
  readonly ready: Ready
  /** The next message from the child. */
  readonly next: <A>(timeoutMs: number) => Promise<A>
  /** Ask it to stop (IPC disconnect, then SIGTERM, then SIGKILL); resolves once it exited. */
  readonly stop: () => Promise<void>
}

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

/**
 * Start `script` with `args` (and extra `nodeArgs`, e.g. `--cpu-prof`); resolves
 * with its first IPC message. The child exits when the IPC channel closes, so it
 * never outlives the driver.
 */
export const startChild = async <Ready>(
  script: string,
  args: ReadonlyArray<string>,
  options: { readonly nodeArgs?: ReadonlyArray<string>; readonly readyTimeoutMs?: number } = {}
): Promise<Child<Ready>> => {
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      "--conditions=@org/source",
      "--import",
      tsxLoader(),
      scriptPath(script),
      ...args
    ],
    // BENCH_HTTP_STDOUT=<file>: keep what the children write (the SDK's logs) instead of discarding it.
    { stdio: ["ignore", stdoutFd ?? "ignore", "inherit", "ipc"] }
  )
  const queue: Array<unknown> = []
  const waiters: Array<(message: unknown) => void> = []
  let exited: Error | undefined
  const failures: Array<(error: Error) => void> = []
  child.on("message", (message) => {
    const waiter = waiters.shift()
    if (waiter === undefined) queue.push(message)
    else waiter(message)
  })
  const gone = (error: Error) => {
    exited ??= error
    for (const fail of failures.splice(0)) fail(error)
  }
  child.once("exit", (code, signal) => gone(new Error(`${script} exited (${signal ?? `exit code ${code}`})`)))
  child.once("error", gone)

  const next = <A>(timeoutMs: number): Promise<A> => {
    const queued = queue.shift()
    if (queued !== undefined) return Promise.resolve(queued as A)
    if (exited !== undefined) return Promise.reject(exited)
    return new Promise<A>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(deliver), 1)
        reject(new Error(`${script} sent nothing within ${timeoutMs} ms`))
      }, timeoutMs)
      const deliver = (message: unknown) => {
        clearTimeout(timer)
        resolve(message as A)
      }
      waiters.push(deliver)
      failures.push((error) => {
        clearTimeout(timer)
        reject(error)
      })
    })
  }

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    if (child.connected) child.disconnect()
    if (await waitForExit(child, 20_000)) return
    child.kill("SIGTERM")
    if (await waitForExit(child, 5_000)) return
    child.kill("SIGKILL")
    await waitForExit(child, 5_000)
  }

  try {
    const ready = await next<Ready>(options.readyTimeoutMs ?? 60_000)
    return { process: child, pid: child.pid ?? -1, ready, next, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

/** In a child: send `message` to the driver. */
export const sendToDriver = (message: unknown): void => {
  if (process.send === undefined) throw new Error("not started by the benchmark driver (no IPC channel)")
  process.send(message)
}

/** In a child: run `close` once the driver goes away (IPC closed) or on SIGTERM / SIGINT, then exit. */
export const onDriverGone = (close: () => Promise<void>): void => {
  let closing = false
  const shutdown = () => {
    if (closing) return
    closing = true
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error)
        process.exit(1)
      }
    )
  }
  process.once("disconnect", shutdown)
  process.once("SIGTERM", shutdown)
  process.once("SIGINT", shutdown)
}
