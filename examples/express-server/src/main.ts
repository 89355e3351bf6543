/**
 * Start the server: `npx -y pnpm@10 start` from the repository root (with the
 * Trakt sandbox unless TRAKT_CLIENT_ID is set), or `npx -y pnpm@10 --filter
 * @org/example-express-server start` with the configuration of README.md.
 *
 * `--sandbox-unless-configured`: without TRAKT_CLIENT_ID (and TRAKT_SANDBOX
 * unset), use the built-in Trakt sandbox instead of refusing to start.
 */
import { InvalidConfiguration } from "./config.js"
import { StartupError, startServer } from "./server.js"

const sandboxUnlessConfigured = process.argv.includes("--sandbox-unless-configured")

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error))

const running = await startServer(process.env, { sandboxUnlessConfigured }).catch((error: unknown) => {
  // Problems a person fixes (configuration, a port in use, the database): the message, no stack trace.
  if (error instanceof InvalidConfiguration) console.error(error.message)
  else if (error instanceof StartupError) console.error(`Cannot start: ${error.message}`)
  else console.error("Cannot start:", error)
  process.exit(1)
})

let stoppingSince: number | undefined
const stop = (signal: NodeJS.Signals) => {
  if (stoppingSince !== undefined) {
    // The same interrupt, delivered again by a parent process (pnpm, tsx): keep stopping.
    if (Date.now() - stoppingSince < 2000) return
    console.error(`${signal} again: exiting without waiting.`)
    process.exit(1)
  }
  stoppingSince = Date.now()
  console.log(`${signal}: stopping (broadcasts under way finish first)…`)
  running.close().then(
    () => {
      console.log("Stopped.")
      process.exit(0)
    },
    (error: unknown) => {
      console.error(`Stopping failed: ${describe(error)}`)
      process.exit(1)
    }
  )
}
process.on("SIGINT", stop)
process.on("SIGTERM", stop)
