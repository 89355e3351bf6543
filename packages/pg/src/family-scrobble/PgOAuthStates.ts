/**
 * The `OAuthStates` port on Postgres.
 *
 * A state is used by one conditional `UPDATE … RETURNING`: of concurrent
 * callbacks presenting it, in one process or several, exactly one succeeds.
 * Abandoned onboardings are taken with `FOR UPDATE SKIP LOCKED` and marked in
 * the same statement, so concurrent reporters never return the same state.
 * Timestamps the port does not pass in (`revoked_at`, `abandon_reported_at`) are
 * read from the Effect clock, as every other time of the domain.
 */
import { SqlClient } from "@effect/sql"
import {
  type FamilyGroupId,
  type GroupMemberId,
  type OAuthState,
  OAuthStateInvalid,
  OAuthStateRecord,
  OAuthStates,
  type OAuthStatesService
} from "@org/family-scrobble"
import { DateTime, Effect, Layer } from "effect"
import { PgStoreConfig } from "../PgStoreConfig.js"

interface StateRow {
  readonly state: string
  readonly group_id: string
  readonly member_id: string
  readonly created_at: Date
  readonly expires_at: Date
}

const toRecord = (row: StateRow) =>
  new OAuthStateRecord({
    state: row.state as OAuthState,
    groupId: row.group_id as FamilyGroupId,
    memberId: row.member_id as GroupMemberId,
    createdAt: DateTime.unsafeMake(row.created_at),
    expiresAt: DateTime.unsafeMake(row.expires_at)
  })

const toDate = (value: DateTime.DateTime) => DateTime.toDate(value)

export const makePgOAuthStates = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const { schema } = yield* PgStoreConfig
  const states = sql(`${schema}.oauth_states`)
  const now = Effect.map(DateTime.now, toDate)

  /** Why `state` could not be used at `at`, in the order of the in-memory store. */
  const refusal = (state: string, at: Date) =>
    sql<{ used: boolean; expired: boolean }>`
      SELECT (used_at IS NOT NULL OR revoked_at IS NOT NULL) AS used, expires_at <= ${at} AS expired
      FROM ${states} WHERE state = ${state}`.pipe(
      Effect.orDie,
      Effect.map(([row]) =>
        row === undefined
          ? new OAuthStateInvalid({ reason: "unknown" })
          : row.expired && !row.used
            ? new OAuthStateInvalid({ reason: "expired" })
            : // Used, revoked, or taken by a concurrent caller between the two statements.
              new OAuthStateInvalid({ reason: "used" })
      ),
      Effect.flatMap(Effect.fail)
    )

  const service: OAuthStatesService = {
    issue: (record) => {
      const row = {
        state: record.state,
        group_id: record.groupId,
        member_id: record.memberId,
        created_at: toDate(record.createdAt),
        expires_at: toDate(record.expiresAt),
        used_at: null,
        revoked_at: null,
        abandon_reported_at: null
      }
      const { state: _, ...fields } = row
      // Issuing a state again starts it afresh, as in memory.
      return sql`
        INSERT INTO ${states} ${sql.insert(row)}
        ON CONFLICT (state) DO UPDATE SET ${sql.update(fields)}`.pipe(Effect.asVoid, Effect.orDie)
    },
    consume: (state, at) => {
      const when = toDate(at)
      return sql<StateRow>`
        UPDATE ${states} SET used_at = ${when}
        WHERE state = ${state} AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ${when}
        RETURNING state, group_id, member_id, created_at, expires_at`.pipe(
        Effect.orDie,
        Effect.flatMap(([row]) => (row === undefined ? refusal(state, when) : Effect.succeed(toRecord(row))))
      )
    },
    revokeForMember: (memberId) =>
      Effect.flatMap(
        now,
        (at) => sql`
          UPDATE ${states} SET revoked_at = ${at}
          WHERE member_id = ${memberId} AND used_at IS NULL AND revoked_at IS NULL`
      ).pipe(Effect.asVoid, Effect.orDie),
    takeAbandoned: (startedBefore) =>
      Effect.flatMap(
        now,
        (at) => sql<StateRow>`
          WITH taken AS (
            UPDATE ${states} SET abandon_reported_at = ${at}
            WHERE state IN (
              SELECT state FROM ${states}
              WHERE used_at IS NULL AND revoked_at IS NULL AND abandon_reported_at IS NULL
                AND created_at < ${toDate(startedBefore)}
              FOR UPDATE SKIP LOCKED
            )
              AND used_at IS NULL AND revoked_at IS NULL AND abandon_reported_at IS NULL
            RETURNING state, group_id, member_id, created_at, expires_at
          )
          SELECT * FROM taken ORDER BY created_at, state`
      ).pipe(
        Effect.map((rows) => rows.map(toRecord)),
        Effect.orDie
      ),
    purgeExpired: (before) =>
      sql<{ n: string }>`
        WITH purged AS (
          DELETE FROM ${states}
          WHERE (used_at IS NOT NULL OR revoked_at IS NOT NULL OR abandon_reported_at IS NOT NULL)
            AND expires_at < ${toDate(before)}
          RETURNING 1
        )
        SELECT count(*) AS n FROM purged`.pipe(
        Effect.map(([row]) => Number(row?.n ?? 0)),
        Effect.orDie
      )
  }
  return service
})

export const PgOAuthStates = {
  /** `OAuthStates` over the `SqlClient`, in the schema of `PgStoreConfig`. */
  layer: Layer.effect(OAuthStates, makePgOAuthStates)
}
