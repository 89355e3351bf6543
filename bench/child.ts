/**
 * A bench's processes: a script of the bench's folder forked with its config as
 * JSON in `argv[2]`, run through tsx, that sends one message (`{ url }` for a
 * server, the results for a load generator) and stops when told. The children
 * load the SDK as the driver does: its TypeScript sources when the driver runs
 * under `--conditions=@org/source`, else its build (`dist/`, what users run). `BENCH_PROFILE=<dir>` writes a CPU profile of each server process.
 */
import { fork } from "node:child_process"
import { createRequire } from "node:module"
import { fileURLToPath, pathToFileURL } from "node:url"

const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href

export const benchChild = <A>(folder: URL, name: string, config: unknown, timeoutMs: number) => {
  const process_ = fork(fileURLToPath(new URL(`./${name}`, folder)), [JSON.stringify(config)], {
    execArgv: [
      // The packages as the driver runs them: their sources under `--conditions=@org/source`, else their builds.
      ...process.execArgv.filter((arg) => arg.startsWith("--conditions")),
      "--import",
      tsx,
      ...(process.env.BENCH_PROFILE !== undefined && name.endsWith("server.ts")
        ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
        : [])
    ],
    stdio: ["ignore", "ignore", "inherit", "ipc"]
  })
  const first = new Promise<A>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} sent nothing within ${timeoutMs} ms`)),
      timeoutMs
    )
    process_.once("message", (message) => {
      clearTimeout(timer)
      resolve(message as A)
    })
    process_.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`${name} exited with ${code}`))
    })
  })
  const stop = async () => {
    if (process_.exitCode !== null) return
    const exited = new Promise((resolve) => process_.once("exit", resolve))
    if (process_.connected) process_.disconnect()
    const timer = setTimeout(() => process_.kill("SIGKILL"), 10_000)
    process_.kill("SIGTERM")
    await exited
    clearTimeout(timer)
  }
  return { first, stop, pid: process_.pid }
}
