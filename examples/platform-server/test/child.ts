/** The example as a child process, as `npx -y pnpm@10 run platform` runs it. */
import { type ChildProcess, spawn } from "node:child_process"
import { createRequire } from "node:module"
import { connect } from "node:net"
import { join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const exampleDir = fileURLToPath(new URL("..", import.meta.url))
const mainScript = join(exampleDir, "src", "main.ts")
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href

export interface RunningChild {
  readonly process: ChildProcess
  readonly url: string
  readonly output: () => string
  readonly exited: Promise<number | null>
  /** SIGTERM, and the exit code. */
  readonly stop: () => Promise<number | null>
}

/** Start the server with `env` (PORT 0 and HOST 127.0.0.1 unless given); resolves once it prints `Listening on`. */
export const startChild = async (env: Record<string, string>, timeoutMs = 60_000): Promise<RunningChild> => {
  const child = spawn(process.execPath, ["--conditions=@org/source", "--import", tsx, mainScript], {
    cwd: exampleDir,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", PORT: "0", HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`the server did not print "Listening on" within ${timeoutMs} ms:\n${output}`))
    }, timeoutMs)
    const check = () => {
      const match = /^Listening on (\S+)$/m.exec(output)
      if (match?.[1] !== undefined) {
        clearTimeout(timer)
        resolve(match[1])
      }
    }
    child.stdout?.on("data", check)
    exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`the server exited with ${code} before listening:\n${output}`))
    })
  })
  return {
    process: child,
    url,
    output: () => output,
    exited,
    stop: async () => {
      child.kill("SIGTERM")
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000)
      const code = await exited
      clearTimeout(timer)
      return code
    }
  }
}

/** Run the server expecting it to refuse to start: its exit code and output. */
export const failedStart = async (env: Record<string, string>) => {
  const child = spawn(process.execPath, ["--conditions=@org/source", "--import", tsx, mainScript], {
    cwd: exampleDir,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", PORT: "0", HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString()
  })
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000)
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve))
  clearTimeout(timer)
  return { code, output }
}

/** Whether the local Postgres server answers on 127.0.0.1:5432 (the server targets run only then). */
export const postgresServerAnswers = () =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: "127.0.0.1", port: 5432, timeout: 1000 })
    socket.once("connect", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("error", () => resolve(false))
    socket.once("timeout", () => resolve(false))
  })
