/**
 * Start the platform API: `npx -y pnpm@10 run platform` from the repository
 * root. Configuration by environment variables (README.md). Prints
 * `Listening on <url>` once it accepts requests; stops on SIGINT / SIGTERM.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Either } from "effect"
import { readConfig } from "./config.js"
import { startPlatformServer } from "./server.js"

const config = readConfig(process.env)
if (Either.isLeft(config)) {
  console.error(config.left.message)
  process.exit(1)
}

for (const warning of config.right.warnings) console.warn(`Warning: ${warning}`)

const program = Effect.gen(function* () {
  const running = yield* startPlatformServer(config.right)
  if (running.adminCreated) console.log(`Created the admin account ${config.right.admin?.email}.`)
  if (config.right.databaseUrl === undefined) console.log(`Data: ${config.right.dataDir}`)
  if (running.fakeStripe !== undefined)
    console.log(
      `Stripe: the built-in fake at ${running.fakeStripe.url} (no STRIPE_SECRET_KEY), webhook secret ${running.fakeStripe.webhookSecret}`
    )
  console.log(`Listening on ${running.url}`)
  return yield* Effect.never
}).pipe(
  Effect.scoped,
  Effect.tapErrorCause((cause) => Effect.sync(() => console.error("Cannot start:", cause.toString())))
)

NodeRuntime.runMain(program, { disableErrorReporting: true })
