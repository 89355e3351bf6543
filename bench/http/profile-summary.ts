/**
 * Where a server's CPU time went, from a V8 `.cpuprofile` (`pnpm bench:http
 * --cpu-prof=DIR` writes one per SDK server process): self time by package (or
 * Node internals, GC, idle) and the hottest functions, and the total time of
 * chosen frames with everything they call.
 *
 * `tsx bench/http/profile-summary.ts FILE.cpuprofile [--top=N] [--inclusive=name,name]`
 */
import { readFileSync } from "node:fs"

interface ProfileNode {
  readonly id: number
  readonly callFrame: {
    readonly functionName: string
    readonly url: string
    readonly lineNumber: number
  }
  readonly children?: ReadonlyArray<number>
}

interface CpuProfile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly startTime: number
  readonly endTime: number
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

/** The package (or part of the runtime) a frame belongs to. */
export const categoryOf = (url: string, functionName: string): string => {
  if (url === "") {
    if (functionName === "(garbage collector)") return "(gc)"
    if (functionName === "(idle)") return "(idle)"
    if (functionName === "(program)") return "(program)"
    return "(native)"
  }
  if (url.startsWith("node:")) return "node:internals"
  const pnpm = url.match(/node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/)
  if (pnpm?.[1] === "effect") {
    // Schema work apart from the rest of effect (the fiber runtime, Context, …).
    const file = url.split("/").pop() ?? ""
    return /^(Schema|ParseResult|SchemaAST)\.js$/.test(file) ? "effect (Schema)" : "effect"
  }
  if (pnpm?.[1] !== undefined) return pnpm[1]
  const plain = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)
  if (plain?.[1] !== undefined) return plain[1]
  const workspace = url.match(/\/packages\/([^/]+)\//)
  if (workspace?.[1] !== undefined) return `@org/${workspace[1]}`
  if (url.includes("/bench/")) return "bench"
  return url
}

const main = () => {
  const args = process.argv.slice(2)
  const file = args.find((a) => !a.startsWith("--"))
  if (file === undefined)
    throw new Error("usage: profile-summary.ts FILE.cpuprofile [--top=N] [--inclusive=a,b]")
  const top = Number(args.find((a) => a.startsWith("--top="))?.slice(6) ?? 25)
  const inclusive = (args.find((a) => a.startsWith("--inclusive="))?.slice(12) ?? "")
    .split(",")
    .filter((n) => n.length > 0)
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)

  const self = new Map<number, number>()
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] ?? 0
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000)
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0)
  const idle = [...self.entries()]
    .filter(([id]) => byId.get(id)?.callFrame.functionName === "(idle)")
    .reduce((a, [, ms]) => a + ms, 0)
  const busy = total - idle

  const byCategory = new Map<string, number>()
  const byFunction = new Map<string, number>()
  for (const [id, ms] of self) {
    const frame = byId.get(id)?.callFrame
    if (frame === undefined) continue
    const category = categoryOf(frame.url, frame.functionName)
    byCategory.set(category, (byCategory.get(category) ?? 0) + ms)
    const name = `${frame.functionName || "(anonymous)"} ${category}:${frame.url.split("/").pop()}:${frame.lineNumber + 1}`
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms)
  }
  const pct = (ms: number) => `${((ms / busy) * 100).toFixed(1)} %`
  console.log(`${file}: ${(total / 1000).toFixed(2)} s profiled, ${(busy / 1000).toFixed(2)} s not idle`)
  console.log("\nSelf time by package (share of the non-idle time):")
  for (const [category, ms] of [...byCategory].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    if (category === "(idle)") continue
    console.log(`  ${pct(ms).padStart(7)}  ${(ms / 1000).toFixed(2).padStart(7)} s  ${category}`)
  }
  console.log(`\nTop ${top} functions by self time:`)
  for (const [name, ms] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    if (name.startsWith("(idle)")) continue
    console.log(`  ${pct(ms).padStart(7)}  ${name}`)
  }
  // A package's inclusive share: samples with one of its frames anywhere on the stack.
  const withPackage = new Map<string, number>()
  for (const [id, t] of self) {
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame
      if (frame !== undefined) seen.add(categoryOf(frame.url, frame.functionName))
    }
    for (const category of seen) withPackage.set(category, (withPackage.get(category) ?? 0) + t)
  }
  console.log("\nTotal time (with callees) by package on the stack:")
  for (const [category, ms] of [...withPackage].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    if (category.startsWith("(")) continue
    console.log(`  ${pct(ms).padStart(7)}  ${category}`)
  }
  if (inclusive.length > 0) {
    // A sample counts once for a name however deep that name recurses.
    console.log("\nTotal time (with callees) of frames named:")
    for (const wanted of inclusive) {
      let ms = 0
      for (const [id, t] of self) {
        for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
          if (byId.get(at)?.callFrame.functionName === wanted) {
            ms += t
            break
          }
        }
      }
      console.log(`  ${pct(ms).padStart(7)}  ${wanted}`)
    }
  }
}

if (process.argv[1]?.endsWith("profile-summary.ts")) main()
