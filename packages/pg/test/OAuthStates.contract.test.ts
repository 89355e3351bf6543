/**
 * One contract for the `OAuthStates` port, run against the in-memory store, the
 * Postgres server and embedded PGlite: what onboarding relies on of any store.
 *
 * `takeAbandoned` and `purgeExpired` see every state of the store, so each test
 * keeps to its own groups, and the purge test to a time range of its own.
 */
import { randomBytes, randomUUID } from "node:crypto"
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import {
  type GroupMember,
  GroupMemberId,
  GroupStore,
  OAuthState,
  OAuthStateRecord,
  OAuthStates
} from "@org/family-scrobble"
import { DateTime, Effect, Either } from "effect"
import { PgStoreConfig } from "../src/PgStoreConfig.js"
import { at, family } from "./fixtures.js"
import { storeTargets } from "./harness.js"

/** A state for `member`, issued at `created` seconds and valid `ttl` seconds. */
const record = (member: GroupMember, created: number, ttl = 600) =>
  new OAuthStateRecord({
    state: OAuthState.make(randomBytes(32).toString("base64url")),
    groupId: member.groupId,
    memberId: member.id,
    createdAt: at(created),
    expiresAt: at(created + ttl)
  })

const first = <A>(items: ReadonlyArray<A>): A => {
  const item = items[0]
  if (item === undefined) throw new Error("expected at least one item")
  return item
}

/** The reason `consume` refused, or "consumed" when it did not. */
const refusal = (state: string, now: DateTime.Utc) =>
  Effect.flatMap(OAuthStates, (states) => states.consume(state, now)).pipe(
    Effect.match({ onFailure: (error) => error.reason, onSuccess: () => "consumed" as const })
  )

const byState = (a: OAuthStateRecord, b: OAuthStateRecord) => a.state.localeCompare(b.state)

for (const target of storeTargets()) {
  layer(target.layer, { timeout: 60_000 })(`OAuthStates contract: ${target.name}`, (it) => {
    it.effect("a state is used once: the record back, then `used`", () =>
      Effect.gen(function* () {
        const states = yield* OAuthStates
        const { members } = yield* family()
        const issued = record(first(members), 0)
        yield* states.issue(issued)
        expect(yield* states.consume(issued.state, at(10))).toEqual(issued)
        expect(yield* refusal(issued.state, at(11))).toBe("used")
        // Used and past its expiry: still `used`.
        expect(yield* refusal(issued.state, at(10_000))).toBe("used")
      })
    )

    it.effect("an expired state is `expired` from its expiry on; an unknown one is `unknown`", () =>
      Effect.gen(function* () {
        const states = yield* OAuthStates
        const { members } = yield* family()
        const issued = record(first(members), 0, 600)
        yield* states.issue(issued)
        expect(yield* refusal(issued.state, at(600))).toBe("expired")
        expect(yield* refusal(issued.state, at(601))).toBe("expired")
        // A refused attempt does not use the state: just before its expiry it still works.
        const later = DateTime.subtractDuration(at(600), "1 millis")
        expect(yield* refusal(issued.state, later)).toBe("consumed")
        expect(yield* refusal(randomBytes(32).toString("base64url"), at(0))).toBe("unknown")
        expect(yield* refusal("", at(0))).toBe("unknown")
      })
    )

    it.effect("of concurrent callbacks with one state, exactly one succeeds", () =>
      Effect.gen(function* () {
        const states = yield* OAuthStates
        const { members } = yield* family()
        const issued = record(first(members), 0)
        yield* states.issue(issued)
        const results = yield* Effect.forEach(
          Array.from({ length: 8 }, (_, i) => i),
          (i) => Effect.either(states.consume(issued.state, at(10 + i))),
          { concurrency: "unbounded" }
        )
        expect(results.filter(Either.isRight)).toHaveLength(1)
        expect(results.filter(Either.isLeft).map((r) => r.left.reason)).toEqual(Array(7).fill("used"))
      })
    )

    it.effect("revokeForMember withdraws the member's unused states only", () =>
      Effect.gen(function* () {
        const states = yield* OAuthStates
        const { members } = yield* family()
        const [mum, dad] = [first(members), members[1] as GroupMember]
        const [used, open, expired, dads] = [
          record(mum, 0),
          record(mum, 1),
          record(mum, 2, 10),
          record(dad, 3)
        ]
        yield* Effect.forEach([used, open, expired, dads], (r) => states.issue(r), { discard: true })
        yield* states.consume(used.state, at(5))
        yield* states.revokeForMember(mum.id)
        expect(yield* refusal(open.state, at(6))).toBe("used")
        expect(yield* refusal(expired.state, at(6))).toBe("used")
        expect(yield* refusal(used.state, at(6))).toBe("used")
        expect(yield* refusal(dads.state, at(6))).toBe("consumed")
        // Revoking again, or a member without states, is harmless.
        yield* states.revokeForMember(mum.id)
        yield* states.revokeForMember(GroupMemberId.make(randomUUID()))
      })
    )

    it.effect("takeAbandoned returns unused states started before the cut-off, each once", () =>
      Effect.gen(function* () {
        const states = yield* OAuthStates
        const { members } = yield* family()
        const { members: others } = yield* family(1)
        const [mum, dad] = [first(members), members[1] as GroupMember]
        // Expired states count as abandoned too: nobody used them.
        const [mumOpen, otherOpen, dadExpired] = [
          record(mum, 100),
          record(first(others), 300),
          record(dad, 200, 10)
        ]
        const consumed = record(mum, 110)
        const revoked = record(dad, 120)
        const recent = record(mum, 1000)
        yield* Effect.forEach([mumOpen, otherOpen, consumed, revoked, recent], (r) => states.issue(r), {
          discard: true
        })
        yield* states.consume(consumed.state, at(150))
        yield* states.revokeForMember(dad.id)
        yield* states.issue(dadExpired)
        const ours = new Set([mumOpen, otherOpen, dadExpired, consumed, revoked, recent].map((r) => r.state))
        const taken = (yield* states.takeAbandoned(at(1000))).filter((r) => ours.has(r.state))
        expect([...taken].sort(byState)).toEqual([mumOpen, otherOpen, dadExpired].sort(byState))
        expect((yield* states.takeAbandoned(at(1000))).filter((r) => ours.has(r.state))).toEqual([])
        // A state taken as abandoned can still be used until it expires.
        expect(yield* refusal(mumOpen.state, at(699))).toBe("consumed")
        expect((yield* states.takeAbandoned(at(2000))).map((r) => r.state)).toContain(recent.state)
      })
    )

    it.effect("concurrent takeAbandoned calls return each state once in all", () =>
      Effect.gen(function* () {
        const states = yield* OAuthStates
        const { members } = yield* family(3)
        const issued = members.flatMap((member, m) =>
          Array.from({ length: 10 }, (_, i) => record(member, 3000 + m * 10 + i))
        )
        yield* Effect.forEach(issued, (r) => states.issue(r), { discard: true })
        const ours = new Set(issued.map((r) => r.state))
        const batches = yield* Effect.forEach(
          Array.from({ length: 6 }, () => at(4000)),
          (cutoff) => states.takeAbandoned(cutoff),
          { concurrency: "unbounded" }
        )
        const taken = batches.flat().filter((r) => ours.has(r.state))
        expect(taken).toHaveLength(issued.length)
        expect(new Set(taken.map((r) => r.state)).size).toBe(issued.length)
        expect([...taken].sort(byState)).toEqual([...issued].sort(byState))
      })
    )

    it.effect("purgeExpired forgets settled states expired before the time, and counts them", () =>
      Effect.gen(function* () {
        const states = yield* OAuthStates
        const { members } = yield* family()
        const [mum, dad] = [first(members), members[1] as GroupMember]
        // Far before every other test's states.
        const base = -1_000_000
        const used = record(mum, base, 60)
        const revoked = record(dad, base + 1, 60)
        const reported = record(mum, base + 2, 60)
        const open = record(mum, base + 3, 60)
        const notYetExpired = record(mum, base + 500, 60)
        const usedNotYetExpired = record(mum, base + 510, 60)
        yield* states.issue(used)
        yield* states.consume(used.state, at(base + 5))
        yield* states.issue(revoked)
        yield* states.revokeForMember(dad.id)
        yield* states.issue(reported)
        yield* states.issue(open)
        yield* states.issue(usedNotYetExpired)
        yield* states.consume(usedNotYetExpired.state, at(base + 511))
        const taken = (yield* states.takeAbandoned(at(base + 3))).map((r) => r.state)
        expect(taken).toEqual([reported.state])
        yield* states.issue(notYetExpired)

        // Strictly before: the revoked state, expiring at the time, stays.
        expect(yield* states.purgeExpired(at(base + 61))).toBe(1)
        expect(yield* states.purgeExpired(at(base + 400))).toBe(2)
        expect(yield* states.purgeExpired(at(base + 400))).toBe(0)
        // Gone: now unknown. Never reported nor used: kept, and still expired.
        expect(yield* refusal(used.state, at(base))).toBe("unknown")
        expect(yield* refusal(revoked.state, at(base))).toBe("unknown")
        expect(yield* refusal(reported.state, at(base + 1000))).toBe("unknown")
        expect(yield* refusal(open.state, at(base + 1000))).toBe("expired")
        expect(yield* refusal(usedNotYetExpired.state, at(base + 512))).toBe("used")
        expect(yield* refusal(notYetExpired.state, at(base + 520))).toBe("consumed")
      })
    )

    if (target.postgres) {
      it.effect("a used state keeps its row, marked used at the callback's time", () =>
        Effect.gen(function* () {
          const states = yield* OAuthStates
          const sql = yield* SqlClient.SqlClient
          const { schema } = yield* PgStoreConfig
          const { members } = yield* family()
          const [mum, dad] = [first(members), members[1] as GroupMember]
          const [used, revoked, abandoned] = [record(mum, 20_000), record(dad, 20_001), record(mum, 20_002)]
          yield* Effect.forEach([used, revoked, abandoned], (r) => states.issue(r), { discard: true })
          yield* states.consume(used.state, at(20_010))
          yield* states.revokeForMember(dad.id)
          yield* states.takeAbandoned(at(20_003))
          const rows = yield* sql<{
            state: string
            member_id: string
            expires_at: Date
            used_at: Date | null
            revoked_at: Date | null
            abandon_reported_at: Date | null
          }>`
            SELECT state, member_id, expires_at, used_at, revoked_at, abandon_reported_at
            FROM ${sql(`${schema}.oauth_states`)}
            WHERE state IN ${sql.in([used.state, revoked.state, abandoned.state])}`
          const row = (state: string) => rows.find((r) => r.state === state)
          expect(row(used.state)).toMatchObject({
            member_id: mum.id,
            expires_at: DateTime.toDate(at(20_600)),
            used_at: DateTime.toDate(at(20_010)),
            revoked_at: null,
            abandon_reported_at: null
          })
          expect(row(revoked.state)?.used_at).toBeNull()
          expect(row(revoked.state)?.revoked_at).toBeInstanceOf(Date)
          expect(row(abandoned.state)?.used_at).toBeNull()
          expect(row(abandoned.state)?.abandon_reported_at).toBeInstanceOf(Date)

          // Removing a member takes their states with them.
          yield* (yield* GroupStore).removeMember(mum.groupId, mum.id)
          const [left] = yield* sql<{ n: string }>`
            SELECT count(*) AS n FROM ${sql(`${schema}.oauth_states`)} WHERE member_id = ${mum.id}`
          expect(Number(left?.n)).toBe(0)
        })
      )
    }
  })
}
