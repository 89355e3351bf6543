/**
 * `Telemetry` that keeps events in memory, with `TelemetryLog` to read them back.
 */
import { Context, Effect, Layer } from "effect"
import { Telemetry, type TelemetryEvent } from "../Telemetry.js"

/** Read access to the events recorded by `TelemetryInMemory`. */
export class TelemetryLog extends Context.Tag("@org/family-scrobble/testing/TelemetryLog")<
  TelemetryLog,
  { readonly events: Effect.Effect<ReadonlyArray<TelemetryEvent>> }
>() {}

export const TelemetryInMemory: Layer.Layer<Telemetry | TelemetryLog> = Layer.effectContext(
  Effect.sync(() => {
    const events: Array<TelemetryEvent> = []
    return Context.make(Telemetry, { record: (event) => Effect.sync(() => void events.push(event)) }).pipe(
      Context.add(TelemetryLog, { events: Effect.sync(() => [...events]) })
    )
  })
)
