/**
 * Run the broadcast demo: `npx -y pnpm@10 start` from the repository root, or
 * `npx -y pnpm@10 --filter @org/example-broadcast-demo start -- --verbose` to
 * see the SDK's structured logs as well.
 */
import { Effect } from "effect"
import { runDemo } from "./demo.js"

const verbose = process.argv.includes("--verbose")

Effect.runPromise(runDemo({ print: (line) => console.log(line), verbose })).then(
  () => {
    console.log("\nDone. Read examples/broadcast-demo/README.md for what happened and why.")
  },
  (error: unknown) => {
    console.error("The demo failed:", error)
    process.exitCode = 1
  }
)
