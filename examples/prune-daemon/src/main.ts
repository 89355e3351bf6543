/**
 * The prune daemon: `pnpm run prune [--once | --plan [--at DATE] [--json]] [--demo]`.
 */
import { formatPlanJsonLines, formatPlanTable, type PassReport, PruneEngine } from "@org/prune"
import { launchUntilSignal, PruneWorkers, summarizePass } from "@org/scheduler"
import { Cause, ConfigProvider, Effect, Either, Layer, Logger } from "effect"
import { parseArguments, usage } from "./cli.js"
import { rawVariables, validateVariables } from "./config.js"
import { engineLayer } from "./daemon.js"
import { startDemo } from "./demo.js"

const command = parseArguments(process.argv.slice(2))
if (Either.isLeft(command)) {
  console.error(command.left)
  process.exit(2)
}
if (command.right._tag === "Help") {
  console.log(usage)
  process.exit(0)
}
const cmd = command.right

const demo = cmd.demo ? await startDemo() : undefined
const raw = await Effect.runPromise(
  rawVariables.pipe(
    Effect.withConfigProvider(
      demo === undefined
        ? ConfigProvider.fromEnv()
        : ConfigProvider.fromMap(
            new Map(
              Object.entries({ ...process.env, ...demo.variables }).flatMap(([k, v]) =>
                v === undefined ? [] : [[k, v]]
              )
            )
          )
    )
  )
)
const validated = validateVariables(raw)
if (Either.isLeft(validated)) {
  console.error(validated.left.message)
  await demo?.close()
  process.exit(1)
}
const config = validated.right
for (const warning of config.warnings) console.error(`warning: ${warning}`)
if (demo !== undefined) console.error(demo.describe())

const printActions = (report: PassReport) => {
  for (const a of report.actions)
    console.log(`${report.pass}\t${a.outcome}\t${a.action}\t${a.username ?? "-"}\t${a.reason}`)
}

const engine = engineLayer(config)
// Logs go to stderr, so `--plan --json` on stdout stays machine-readable.
const logger = Logger.replace(
  Logger.defaultLogger,
  Logger.map(Logger.logfmtLogger, (line) => process.stderr.write(`${line}\n`))
)

if (cmd._tag === "Run") {
  const code = await launchUntilSignal(
    PruneWorkers.layer({
      newUsersEvery: `${config.checkNewUsersSecs} seconds`,
      inactivityEvery: `${config.checkInactivitySecs} seconds`
    }).pipe(Layer.provide(engine), Layer.provide(logger)),
    { exit: false }
  )
  await demo?.close()
  process.exit(code)
}

const program =
  cmd._tag === "Plan"
    ? Effect.flatMap(PruneEngine, (e) => e.plan(cmd.at)).pipe(
        Effect.map((plan) => (cmd.json ? formatPlanJsonLines(plan) : formatPlanTable(plan))),
        Effect.flatMap((text) => Effect.sync(() => console.log(text)))
      )
    : Effect.flatMap(PruneEngine, (e) => e.runOnce).pipe(
        Effect.flatMap(({ inactivity, newUsers }) =>
          Effect.sync(() => {
            printActions(newUsers)
            printActions(inactivity)
            console.error(
              `new users: ${JSON.stringify(summarizePass(newUsers))}\ninactivity: ${JSON.stringify(summarizePass(inactivity))}`
            )
          })
        )
      )

const exit = await Effect.runPromiseExit(
  program.pipe(Effect.provide(engine), Effect.provide(logger), Effect.scoped)
)
if (demo !== undefined && cmd._tag === "Once") console.error(demo.describe())
await demo?.close()
if (exit._tag === "Failure") {
  // An expected failure (plex.tv unreachable, say) in one line; a defect with its trace.
  const failure = Cause.failureOption(exit.cause)
  console.error(
    `prune failed: ${failure._tag === "Some" && failure.value instanceof Error ? failure.value.message : Cause.pretty(exit.cause)}`
  )
  process.exit(1)
}
process.exit(0)
