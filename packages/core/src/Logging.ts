/**
 * Debug lines on hot paths. Annotating a log line changes the fiber's
 * annotations for its duration, which costs more than the line itself: here
 * the annotated line is built only where `Debug` lines are kept.
 */
import { Effect } from "effect"

/** `message` at `Debug` with `annotations`, built only when the minimum log level keeps it. */
export const logDebugWith = (message: string, annotations: Record<string, unknown>): Effect.Effect<void> =>
  Effect.asVoid(Effect.whenLogLevel(Effect.annotateLogs(Effect.logDebug(message), annotations), "Debug"))
