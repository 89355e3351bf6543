import { spawn } from "node:child_process"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const exampleDir = fileURLToPath(new URL("..", import.meta.url))
const tsx = createRequire(import.meta.url).resolve("tsx")

const run = (script: string, env: Record<string, string> = {}) =>
  new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, ["--conditions=@org/source", "--import", tsx, script], {
      cwd: exampleDir,
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    child.stdout.on("data", (chunk) => {
      output += chunk
    })
    child.stderr.on("data", (chunk) => {
      output += chunk
    })
    child.on("exit", (code) => resolve({ code, output }))
  })

describe("prune script", () => {
  it("prints the plan: the VIP skipped, the idle user warned, the friend of another server ignored", async () => {
    const { code, output } = await run("src/demo.ts")
    expect(code).toBe(0)
    expect(output).toMatch(/^mom\s+friend\s+\S+\s+skip\s+vip/m)
    expect(output).toMatch(/^uncle-joe\s+friend\s+\S+\s+warn \(3d left\)/m)
    expect(output).toMatch(/^cousin-amy\s+friend\s+\S+\s+nothing/m)
    expect(output).not.toContain("neighbour")
    expect(output).toContain("1 friend(s) without a share of this server ignored")
  }, 60_000)

  it("without configuration fails naming the missing variable", async () => {
    const { code, output } = await run("src/plan.ts")
    expect(code).not.toBe(0)
    expect(output).toContain("PLEX_TOKEN")
  }, 60_000)
})
