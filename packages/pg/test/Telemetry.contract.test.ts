/**
 * One contract for the `Telemetry` port, run against the in-memory store, the
 * Postgres server and embedded PGlite. The port only records; to check what was
 * recorded, the test reads `TelemetryLog` in memory and the table on Postgres.
 */
import { randomUUID } from "node:crypto"
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import {
  FamilyGroupId,
  GroupMemberId,
  Telemetry,
  TelemetryEvent,
  type TelemetryEventName
} from "@org/family-scrobble"
import { TelemetryLog } from "@org/family-scrobble/testing"
import { DateTime, Effect, Option } from "effect"
import { PgStoreConfig } from "../src/PgStoreConfig.js"
import { storeTargets } from "./harness.js"

const at = (seconds: number) => DateTime.unsafeMake(1_800_000_000_000 + seconds * 1000)

interface EventRow {
  readonly name: TelemetryEventName
  readonly group_id: string
  readonly member_id: string | null
  readonly at: Date
  readonly duration_ms: number | null
}

/** The events recorded for a group, in the order recorded: from the log in memory, the table on Postgres. */
const recorded = (postgres: boolean, groupId: FamilyGroupId) =>
  postgres
    ? Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const { schema } = yield* PgStoreConfig
        const rows = yield* sql<EventRow>`
          SELECT name, group_id, member_id, at, duration_ms FROM ${sql(`${schema}.telemetry_events`)}
          WHERE group_id = ${groupId} ORDER BY id`
        return rows.map(
          (row) =>
            new TelemetryEvent({
              name: row.name,
              groupId: row.group_id as FamilyGroupId,
              memberId: Option.fromNullable(row.member_id as GroupMemberId | null),
              at: DateTime.unsafeMake(row.at),
              durationMs: Option.fromNullable(row.duration_ms)
            })
        )
      }).pipe(Effect.orDie)
    : Effect.serviceOption(TelemetryLog).pipe(
        Effect.flatMap(Option.match({ onNone: () => Effect.succeed([]), onSome: (log) => log.events })),
        Effect.map((events) => events.filter((event) => event.groupId === groupId))
      )

for (const target of storeTargets()) {
  layer(target.layer, { timeout: 60_000 })(`Telemetry contract: ${target.name}`, (it) => {
    it.effect("records the onboarding funnel: every event name, with and without member and duration", () =>
      Effect.gen(function* () {
        const telemetry = yield* Telemetry
        const groupId = FamilyGroupId.make(randomUUID())
        const memberId = GroupMemberId.make(randomUUID())
        const events = [
          TelemetryEvent.of({ name: "onboarding_start", groupId, memberId, at: at(0) }),
          TelemetryEvent.of({
            name: "onboarding_complete",
            groupId,
            memberId,
            at: at(90),
            durationMs: 90_000
          }),
          TelemetryEvent.of({ name: "onboarding_abandon", groupId, at: at(900), durationMs: 900_000.5 })
        ]
        yield* Effect.forEach(events, (event) => telemetry.record(event), { discard: true })
        expect(yield* recorded(target.postgres, groupId)).toEqual(events)
      })
    )

    it.effect("records the same event twice, and events of groups that are not stored", () =>
      Effect.gen(function* () {
        const telemetry = yield* Telemetry
        // Telemetry outlives the groups it counts: no group needs to exist.
        const groupId = FamilyGroupId.make(randomUUID())
        const event = TelemetryEvent.of({ name: "onboarding_start", groupId, at: at(5) })
        yield* telemetry.record(event)
        yield* telemetry.record(event)
        expect(yield* recorded(target.postgres, groupId)).toEqual([event, event])
      })
    )

    it.effect("concurrent recordings are all kept", () =>
      Effect.gen(function* () {
        const telemetry = yield* Telemetry
        const groupId = FamilyGroupId.make(randomUUID())
        const events = Array.from({ length: 20 }, (_, i) =>
          TelemetryEvent.of({ name: "onboarding_abandon", groupId, at: at(i), durationMs: i })
        )
        yield* Effect.forEach(events, (event) => telemetry.record(event), {
          concurrency: "unbounded",
          discard: true
        })
        const stored = yield* recorded(target.postgres, groupId)
        expect([...stored].sort((a, b) => a.at.epochMillis - b.at.epochMillis)).toEqual(events)
      })
    )

    if (target.postgres) {
      it.effect("stores ids and timings only, absent member and duration as NULL", () =>
        Effect.gen(function* () {
          const telemetry = yield* Telemetry
          const sql = yield* SqlClient.SqlClient
          const { schema } = yield* PgStoreConfig
          const groupId = FamilyGroupId.make(randomUUID())
          const memberId = GroupMemberId.make(randomUUID())
          yield* telemetry.record(
            TelemetryEvent.of({ name: "onboarding_start", groupId, memberId, at: at(1) })
          )
          yield* telemetry.record(
            TelemetryEvent.of({ name: "onboarding_abandon", groupId, at: at(2), durationMs: 1234.5 })
          )
          const rows = yield* sql`
            SELECT * FROM ${sql(`${schema}.telemetry_events`)} WHERE group_id = ${groupId} ORDER BY id`
          expect(rows.map((row) => Object.keys(row).sort())).toEqual(
            Array(2).fill(["at", "duration_ms", "group_id", "id", "member_id", "name"])
          )
          expect(rows.map(({ id: _, ...row }) => row)).toEqual([
            {
              name: "onboarding_start",
              group_id: groupId,
              member_id: memberId,
              at: DateTime.toDate(at(1)),
              duration_ms: null
            },
            {
              name: "onboarding_abandon",
              group_id: groupId,
              member_id: null,
              at: DateTime.toDate(at(2)),
              duration_ms: 1234.5
            }
          ])
        })
      )
    }
  })
}
