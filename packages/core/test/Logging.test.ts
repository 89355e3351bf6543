import { describe, expect, it } from "@effect/vitest"
import { logDebugWith } from "@org/core"
import { Effect, HashMap, Logger, LogLevel } from "effect"

/** The lines a program logs, with their level and annotations. */
const captured = (minimum: LogLevel.LogLevel) =>
  Effect.gen(function* () {
    const lines: Array<{ level: string; message: unknown; annotations: Record<string, unknown> }> = []
    const logger = Logger.make(({ logLevel, message, annotations }) => {
      lines.push({
        level: logLevel.label,
        message: Array.isArray(message) ? message[0] : message,
        annotations: Object.fromEntries(HashMap.toEntries(annotations))
      })
    })
    yield* logDebugWith("ledger transfer", { transfer_id: "t-1", amount: 499 }).pipe(
      Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
      Logger.withMinimumLogLevel(minimum)
    )
    return lines
  })

describe("logDebugWith", () => {
  it.effect("writes the line with its annotations where Debug lines are kept", () =>
    Effect.gen(function* () {
      expect(yield* captured(LogLevel.Debug)).toEqual([
        { level: "DEBUG", message: "ledger transfer", annotations: { transfer_id: "t-1", amount: 499 } }
      ])
    })
  )

  it.effect("writes nothing above Debug", () =>
    Effect.gen(function* () {
      expect(yield* captured(LogLevel.Info)).toEqual([])
    })
  )
})
