/**
 * One contract for the `GroupStore` port, run against the in-memory store, the
 * Postgres server and embedded PGlite: what the domain relies on of any store.
 */
import { randomUUID } from "node:crypto"
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import {
  GroupMemberId,
  GroupStore,
  Invite,
  InviteCode,
  InviteId,
  TraktTokens,
  TraktUsername
} from "@org/family-scrobble"
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

/** An unused invite made at `at(0)`, valid for an hour, with a fresh code. */
const newInvite = (note?: string) => ({
  invite: new Invite({
    id: InviteId.make(randomUUID()),
    note: Option.fromNullable(note),
    createdAt: at(0),
    expiresAt: at(3600),
    usedAt: Option.none(),
    groupId: Option.none()
  }),
  code: InviteCode.make(randomUUID().replaceAll("-", ""))
})

const inviteById = (invites: ReadonlyArray<Invite>, id: InviteId) => invites.find((i) => i.id === id)

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

    it.effect("an invite creates one group and is used by it; its code then creates nothing", () =>
      Effect.gen(function* () {
        const store = yield* GroupStore
        const { invite, code } = newInvite("the Smiths")
        yield* store.createInvite(invite, code)
        const listed = inviteById(yield* store.listInvites(), invite.id)
        expect(listed?.note).toEqual(Option.some("the Smiths"))
        expect(listed?.stateAt(at(10))).toBe("unused")

        const group = newGroup()
        yield* store.createGroup(group, [newMember(group, "A")], { code, at: at(10) })
        const used = inviteById(yield* store.listInvites(), invite.id)
        expect(used?.usedAt).toEqual(Option.some(at(10)))
        expect(used?.groupId).toEqual(Option.some(group.id))

        const second = newGroup()
        const member = newMember(second, "B")
        const exit = yield* Effect.exit(store.createGroup(second, [member], { code, at: at(11) }))
        expect(failureTag(exit)).toBe("InviteInvalid")
        expect(Option.isNone(yield* store.findGroup(second.id))).toBe(true)
        expect(Option.isNone(yield* store.findMember(member.id))).toBe(true)
      })
    )

    it.effect("an unknown or expired code creates nothing; a refused group leaves its invite unused", () =>
      Effect.gen(function* () {
        const store = yield* GroupStore
        const { invite, code } = newInvite()
        yield* store.createInvite(invite, code)
        const unknown = newGroup()
        expect(
          failureTag(
            yield* Effect.exit(
              store.createGroup(unknown, [newMember(unknown, "A")], {
                code: InviteCode.make(`${code}x`),
                at: at(1)
              })
            )
          )
        ).toBe("InviteInvalid")
        const late = newGroup()
        expect(
          failureTag(
            yield* Effect.exit(store.createGroup(late, [newMember(late, "A")], { code, at: at(3600) }))
          )
        ).toBe("InviteInvalid")
        expect(Option.isNone(yield* store.findGroup(unknown.id))).toBe(true)
        expect(Option.isNone(yield* store.findGroup(late.id))).toBe(true)

        const existing = newGroup()
        yield* store.createGroup(existing, [newMember(existing, "A")])
        const clash = newGroup(existing.plexUsername)
        expect(
          failureTag(
            yield* Effect.exit(store.createGroup(clash, [newMember(clash, "B")], { code, at: at(5) }))
          )
        ).toBe("PlexUsernameTaken")
        expect(inviteById(yield* store.listInvites(), invite.id)?.stateAt(at(5))).toBe("unused")
      })
    )

    it.effect("two groups racing on one code: exactly one is created", () =>
      Effect.gen(function* () {
        const store = yield* GroupStore
        const { invite, code } = newInvite()
        yield* store.createInvite(invite, code)
        const groups = Array.from({ length: 6 }, () => newGroup())
        const exits = yield* Effect.forEach(
          groups,
          (group) => Effect.exit(store.createGroup(group, [newMember(group, "A")], { code, at: at(1) })),
          { concurrency: "unbounded" }
        )
        expect(exits.filter(Exit.isSuccess)).toHaveLength(1)
        expect(exits.filter(Exit.isFailure).map(failureTag)).toEqual(Array(5).fill("InviteInvalid"))
        const created = yield* Effect.forEach(groups, (group) => store.findGroup(group.id))
        expect(created.filter(Option.isSome)).toHaveLength(1)
      })
    )

    it.effect("lists invites newest first; deleting one or its group keeps the other facts", () =>
      Effect.gen(function* () {
        const store = yield* GroupStore
        const older = newInvite("older")
        const newer = newInvite("newer")
        yield* store.createInvite(older.invite, older.code)
        yield* store.createInvite(
          new Invite({ ...newer.invite, createdAt: at(1), expiresAt: at(3601) }),
          newer.code
        )
        const ids = (yield* store.listInvites()).map((i) => i.id)
        expect(ids.indexOf(newer.invite.id)).toBeLessThan(ids.indexOf(older.invite.id))

        const group = newGroup()
        yield* store.createGroup(group, [newMember(group, "A")], { code: older.code, at: at(2) })
        yield* store.deleteGroup(group.id)
        const orphan = inviteById(yield* store.listInvites(), older.invite.id)
        expect(orphan?.groupId).toEqual(Option.none())
        expect(orphan?.stateAt(at(3))).toBe("used")

        expect(yield* store.deleteInvite(newer.invite.id)).toBe(true)
        expect(yield* store.deleteInvite(newer.invite.id)).toBe(false)
        expect(inviteById(yield* store.listInvites(), newer.invite.id)).toBeUndefined()
        const afterRevoke = newGroup()
        expect(
          failureTag(
            yield* Effect.exit(
              store.createGroup(afterRevoke, [newMember(afterRevoke, "A")], { code: newer.code, at: at(4) })
            )
          )
        ).toBe("InviteInvalid")
      })
    )

    if (target.postgres) {
      it.effect("keeps only a hash of an invite code", () =>
        Effect.gen(function* () {
          const store = yield* GroupStore
          const sql = yield* SqlClient.SqlClient
          const { schema } = yield* PgStoreConfig
          const { invite, code } = newInvite()
          yield* store.createInvite(invite, code)
          const rows = yield* sql`SELECT * FROM ${sql(`${schema}.invites`)} WHERE id = ${invite.id}`
          expect(rows).toHaveLength(1)
          expect(JSON.stringify(rows)).not.toContain(code)
        })
      )

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
