/**
 * Debug lines on hot paths. Annotating a log line changes the fiber's
 * annotations for its duration, which costs more than the line itself: here
 * the annotated line is built only where `Debug` lines are kept, and the check
 * is one step (the fiber's minimum log level read in place).
 */
import { Effect, FiberRef, LogLevel } from "effect"

/** `message` at `Debug` with `annotations`, built only when the minimum log level keeps it. */
export const logDebugWith = (message: string, annotations: Record<string, unknown>): Effect.Effect<void> =>
  Effect.withFiberRuntime((fiber) =>
    LogLevel.greaterThan(fiber.getFiberRef(FiberRef.currentMinimumLogLevel), LogLevel.Debug)
      ? Effect.void
      : Effect.annotateLogs(Effect.logDebug(message), annotations)
  )
