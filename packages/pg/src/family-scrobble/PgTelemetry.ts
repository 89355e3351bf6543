/**
 * The `Telemetry` port on Postgres: each event a row of `telemetry_events`,
 * ids and timings only. The port only records; reading the funnel back is for
 * SQL (the table is indexed by group and time).
 */
import { SqlClient } from "@effect/sql"
import { Telemetry, type TelemetryService } from "@org/family-scrobble"
import { DateTime, Effect, Layer, Option } from "effect"
import { PgStoreConfig } from "../PgStoreConfig.js"

export const makePgTelemetry = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const { schema } = yield* PgStoreConfig
  const events = sql(`${schema}.telemetry_events`)

  const service: TelemetryService = {
    record: (event) =>
      sql`INSERT INTO ${events} ${sql.insert({
        name: event.name,
        group_id: event.groupId,
        member_id: Option.getOrNull(event.memberId),
        at: DateTime.toDate(event.at),
        duration_ms: Option.getOrNull(event.durationMs)
      })}`.pipe(Effect.asVoid, Effect.orDie)
  }
  return service
})

export const PgTelemetry = {
  /** `Telemetry` over the `SqlClient`, in the schema of `PgStoreConfig`. */
  layer: Layer.effect(Telemetry, makePgTelemetry)
}
