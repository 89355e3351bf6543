/**
 * The prune engine's two passes on their own clocks: new users every two minutes,
 * inactivity every half hour (the intervals the daemon's users know).
 */
import { type PassReport, PruneEngine } from "@org/prune"
import { Duration, Effect, Layer } from "effect"
import { PeriodicJob } from "./PeriodicJob.js"

export interface PruneWorkersOptions {
  /** Between two new-user passes (default 120 s). */
  readonly newUsersEvery?: Duration.DurationInput
  /** Between two inactivity passes (default 1800 s). */
  readonly inactivityEvery?: Duration.DurationInput
}

/** A pass's outcome in log annotations, without the plan itself. */
export const summarizePass = (report: PassReport) => {
  const count = (action: string, outcome?: string) =>
    report.actions.filter((a) => a.action === action && (outcome === undefined || a.outcome === outcome))
      .length
  return {
    dry_run: report.dryRun,
    users: report.plan.entries.length,
    welcomed: count("welcome"),
    recorded: count("record-new") + count("record-existing"),
    warned: count("warn"),
    removed: count("remove", report.dryRun ? "planned" : "done"),
    failed: report.actions.filter((a) => a.outcome === "failed").length
  }
}

export const PruneWorkers = {
  /**
   * Both passes, each in a fiber of the layer's scope, the new-user pass first so
   * the first run records who is already there. A failed pass (plex.tv down) is
   * logged and the next one runs on time.
   */
  layer: (options: PruneWorkersOptions = {}): Layer.Layer<never, never, PruneEngine> =>
    Layer.scopedDiscard(
      Effect.gen(function* () {
        const engine = yield* PruneEngine
        const didWork = (s: ReturnType<typeof summarizePass>) =>
          s.welcomed + s.recorded + s.warned + s.removed + s.failed > 0
        // The first new-user pass completes before the inactivity pass starts.
        yield* engine.newUserPass.pipe(
          Effect.tap((report) =>
            Effect.logInfo("first new-user pass").pipe(Effect.annotateLogs(summarizePass(report)))
          ),
          Effect.catchAllCause((cause) => Effect.logError("first new-user pass failed", cause))
        )
        yield* Effect.forkScoped(
          Effect.sleep(Duration.decode(options.newUsersEvery ?? Duration.seconds(120))).pipe(
            Effect.zipRight(
              PeriodicJob.run(Effect.map(engine.newUserPass, summarizePass), {
                name: "prune-new-users",
                interval: options.newUsersEvery ?? Duration.seconds(120),
                didWork
              })
            )
          )
        )
        yield* Effect.forkScoped(
          PeriodicJob.run(Effect.map(engine.inactivityPass, summarizePass), {
            name: "prune-inactivity",
            interval: options.inactivityEvery ?? Duration.seconds(1800),
            didWork
          })
        )
      })
    )
}
