/**
 * One contract for the `GroupStore` port, run against the in-memory store, the
 * Postgres server and embedded PGlite: what the domain relies on of any store.
 */
import { randomUUID } from "node:crypto"
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { GroupMemberId, GroupStore, TraktTokens, TraktUsername } from "@org/family-scrobble"
import { Effect, Exit, Option, Redacted } from "effect"
import { PgStoreConfig } from "../src/PgStoreConfig.js"
import { at, newGroup, newMember } from "./fixtures.js"
import { storeTargets } from "./harness.js"

const tokens = (tag: string, expiresIn = 86_400) =>
  new TraktTokens({
    accessToken: Redacted.make(`access-${tag}`),
    refreshToken: Redacted.make(`refresh-${tag}`),
    createdAt: at(0),
    expiresAt: at(expiresIn)
  })

const failureTag = <A, E extends { _tag: string }>(exit: Exit.Exit<A, E>) =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error._tag : "no typed failure"

for (const target of storeTargets()) {
  layer(target.layer, { timeout: 60_000 })(`GroupStore contract: ${target.name}`, (it) => {
    it.effect("creates a group with its members, found by id and by Plex username in any case", () =>
      Effect.gen(function* () {
        const store = yield* GroupStore
        const group = newGroup()
        const members = [newMember(group, "Mum", 1), newMember(group, "Dad", 2)]
        yield* store.createGroup(group, members)
        expect(Option.getOrThrow(yield* store.findGroup(group.id))).toEqual(group)
        const byName = yield* store.findGroupByPlexUsername(`  ${group.plexUsername.toUpperCase()} `)
        expect(Option.map(byName, (g) => g.id)).toEqual(Option.some(group.id))
        expect((yield* store.listMembers(group.id)).map((m) => m.label)).toEqual(["Mum", "Dad"])
        const summary = (yield* store.listGroups()).find((s) => s.group.id === group.id)
        expect(summary).toMatchObject({ memberCount: 2, authorizedCount: 0 })
      })
    )

    it.effect(
      "a Plex username belongs to one group, case-insensitively, and a refused group writes nothing",
      () =>
        Effect.gen(function* () {
          const store = yield* GroupStore
          const first = newGroup()
          yield* store.createGroup(first, [newMember(first, "A")])
          const second = newGroup(first.plexUsername.toUpperCase())
          const member = newMember(second, "B")
          const exit = yield* Effect.exit(store.createGroup(second, [member]))
          expect(failureTag(exit)).toBe("PlexUsernameTaken")
          expect(Option.isNone(yield* store.findGroup(second.id))).toBe(true)
          expect(Option.isNone(yield* store.findMember(member.id))).toBe(true)
        })
    )

    it.effect("adds members up to the limit, refuses a label twice, and refuses a missing group", () =>
      Effect.gen(function* () {
        const store = yield* GroupStore
        const group = newGroup()
        yield* store.createGroup(group, [newMember(group, "One")])
        yield* store.addMember(newMember(group, "Two", 1), 2)
        expect(failureTag(yield* Effect.exit(store.addMember(newMember(group, "Three", 2), 2)))).toBe(
          "MemberLimitReached"
        )
        expect(failureTag(yield* Effect.exit(store.addMember(newMember(group, "two", 3), 5)))).toBe(
          "DuplicateMemberLabel"
        )
        expect(failureTag(yield* Effect.exit(store.addMember(newMember(newGroup(), "X"), 5)))).toBe(
          "MemberNotFound"
        )
        expect((yield* store.listMembers(group.id)).map((m) => m.label)).toEqual(["One", "Two"])
      })
    )

    it.effect("concurrent additions never pass the limit", () =>
      Effect.gen(function* () {
        const store = yield* GroupStore
        const group = newGroup()
        yield* store.createGroup(group, [newMember(group, "First")])
        const results = yield* Effect.forEach(
          Array.from({ length: 8 }, (_, i) => newMember(group, `Kid ${i}`, i + 1)),
          (member) => Effect.exit(store.addMember(member, 4)),
          { concurrency: "unbounded" }
        )
        expect(results.filter(Exit.isSuccess)).toHaveLength(3)
        expect(yield* store.listMembers(group.id)).toHaveLength(4)
      })
    )

    it.effect("authorizes a member with tokens that read back intact; one Trakt account per group", () =>
      Effect.gen(function* () {
        const store = yield* GroupStore
        const group = newGroup()
        const [mum, dad] = [newMember(group, "Mum", 1), newMember(group, "Dad", 2)]
        yield* store.createGroup(group, [mum, dad])
        yield* store.authorizeMember(mum.id, TraktUsername.make("MumOnTrakt"), tokens("mum"), at(5))
        const stored = Option.getOrThrow(yield* store.findMember(mum.id))
        expect(stored.status).toBe("authorized")
        expect(Option.getOrNull(stored.traktUsername)).toBe("MumOnTrakt")
        const t = Option.getOrThrow(stored.tokens)
        expect([Redacted.value(t.accessToken), Redacted.value(t.refreshToken)]).toEqual([
          "access-mum",
          "refresh-mum"
        ])
        expect(t.expiresAt).toEqual(at(86_400))
        expect(stored.authorizedAt).toEqual(Option.some(at(5)))

        const exit = yield* Effect.exit(
          store.authorizeMember(dad.id, TraktUsername.make("mumontrakt"), tokens("dad"), at(6))
        )
        expect(failureTag(exit)).toBe("DuplicateTraktAccount")
        expect(Option.getOrThrow(yield* store.findMember(dad.id)).status).toBe("pending")
        expect(
          failureTag(
            yield* Effect.exit(
              store.authorizeMember(
                GroupMemberId.make(randomUUID()),
                TraktUsername.make("x"),
                tokens("x"),
                at(1)
              )
            )
          )
        ).toBe("MemberNotFound")
      })
    )

    it.effect("replaces tokens only while the stored refresh token is the expected one", () =>
      Effect.gen(function* () {
        const store = yield* GroupStore
        const group = newGroup()
        const member = newMember(group, "Solo")
        yield* store.createGroup(group, [member])
        yield* store.authorizeMember(member.id, TraktUsername.make("solo"), tokens("1"), at(1))
        expect(yield* store.replaceTokens(member.id, tokens("2"), "refresh-1")).toBe(true)
        // A second refresher that started from the old pair loses.
        expect(yield* store.replaceTokens(member.id, tokens("3"), "refresh-1")).toBe(false)
        const t = Option.getOrThrow(Option.getOrThrow(yield* store.findMember(member.id)).tokens)
        expect(Redacted.value(t.refreshToken)).toBe("refresh-2")
      })
    )

    it.effect("expired and failed members keep no tokens; expiring members are listed by expiry", () =>
      Effect.gen(function* () {
        const store = yield* GroupStore
        const group = newGroup()
        const [a, b] = [newMember(group, "A", 1), newMember(group, "B", 2)]
        yield* store.createGroup(group, [a, b])
        yield* store.authorizeMember(a.id, TraktUsername.make(`a-${group.id}`), tokens("a", 100), at(1))
        yield* store.authorizeMember(b.id, TraktUsername.make(`b-${group.id}`), tokens("b", 50), at(1))
        const expiring = (yield* store.listMembersExpiringBefore(at(101))).filter(
          (m) => m.groupId === group.id
        )
        expect(expiring.map((m) => m.label).sort()).toEqual(["A", "B"])
        yield* store.setMemberStatus(a.id, "expired", Option.some("refresh refused"))
        const stored = Option.getOrThrow(yield* store.findMember(a.id))
        expect([stored.status, Option.getOrNull(stored.statusReason), Option.isNone(stored.tokens)]).toEqual([
          "expired",
          "refresh refused",
          true
        ])
        const after = (yield* store.listMembersExpiringBefore(at(101))).filter((m) => m.groupId === group.id)
        expect(after.map((m) => m.label)).toEqual(["B"])
      })
    )

    it.effect("removes a member, and deleting a group removes its members", () =>
      Effect.gen(function* () {
        const store = yield* GroupStore
        const group = newGroup()
        const [a, b] = [newMember(group, "A", 1), newMember(group, "B", 2)]
        yield* store.createGroup(group, [a, b])
        expect(yield* store.removeMember(newGroup().id, a.id)).toBe(false)
        expect(yield* store.removeMember(group.id, a.id)).toBe(true)
        expect(yield* store.removeMember(group.id, a.id)).toBe(false)
        expect(yield* store.deleteGroup(group.id)).toBe(true)
        expect(yield* store.deleteGroup(group.id)).toBe(false)
        expect(Option.isNone(yield* store.findMember(b.id))).toBe(true)
      })
    )

    if (target.postgres) {
      it.effect("stores tokens encrypted: the table holds no usable token", () =>
        Effect.gen(function* () {
          const store = yield* GroupStore
          const sql = yield* SqlClient.SqlClient
          const { schema } = yield* PgStoreConfig
          const group = newGroup()
          const member = newMember(group, "Secret")
          yield* store.createGroup(group, [member])
          yield* store.authorizeMember(member.id, TraktUsername.make("secret"), tokens("top-secret"), at(1))
          const rows = yield* sql`SELECT * FROM ${sql(`${schema}.group_members`)} WHERE id = ${member.id}`
          const dump = JSON.stringify(rows)
          expect(dump).not.toContain("top-secret")
          expect(String(rows[0]?.access_token_enc)).toMatch(/^k1:/)
        })
      )
    }
  })
}
