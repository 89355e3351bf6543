import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Option, TestClock } from "effect"
import {
  addGroupMember,
  createFamilyGroup,
  deleteFamilyGroup,
  dismissNotification,
  GroupStore,
  getFamilyGroup,
  handlePlaybackEvent,
  listFamilyGroups,
  listGroupNotifications,
  RetryQueue,
  removeGroupMember,
  TraktNetworkFailure
} from "../src/index.js"
import { FamilyScrobbleTest, TestTrakt } from "../src/testing.js"
import { heatMetadata, plexEvent, setupFamily } from "./helpers.js"

const labels = (n: number) => Array.from({ length: n }, (_, i) => `Member ${i + 1}`)

describe("family groups", () => {
  it.effect("creates a group of 1 to 10 members, each pending with an authorization link", () =>
    Effect.gen(function* () {
      const created = yield* createFamilyGroup({ plexUsername: "LivingRoom", labels: ["Mum", "Dad", "Sam"] })
      expect(created.members.map((m) => [m.member.label, m.member.status])).toEqual([
        ["Mum", "pending"],
        ["Dad", "pending"],
        ["Sam", "pending"]
      ])
      const states = created.members.map((m) => new URL(m.authorizeUrl).searchParams.get("state"))
      expect(new Set(states).size).toBe(3)
      const single = yield* createFamilyGroup({ plexUsername: "Solo", labels: ["Me"] })
      expect(single.members).toHaveLength(1)
      expect((yield* createFamilyGroup({ plexUsername: "Ten", labels: labels(10) })).members).toHaveLength(10)
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("refuses an empty group, more than maxMembers, and duplicate labels, writing nothing", () =>
    Effect.gen(function* () {
      const store = yield* GroupStore
      expect((yield* Effect.flip(createFamilyGroup({ plexUsername: "a", labels: [] })))._tag).toBe(
        "GroupWithoutMembers"
      )
      const tooMany = yield* Effect.flip(createFamilyGroup({ plexUsername: "b", labels: labels(11) }))
      expect(tooMany).toMatchObject({ _tag: "MemberLimitReached", limit: 10, requested: 11 })
      const duplicate = yield* Effect.flip(createFamilyGroup({ plexUsername: "c", labels: ["Sam", "sam"] }))
      expect(duplicate._tag).toBe("DuplicateMemberLabel")
      expect(yield* store.listGroups()).toEqual([])
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("honours a configured member limit", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(createFamilyGroup({ plexUsername: "a", labels: labels(4) }))
      expect(error).toMatchObject({ _tag: "MemberLimitReached", limit: 3 })
    }).pipe(Effect.provide(FamilyScrobbleTest({ settings: { maxMembers: 3 } })))
  )

  it.effect("gives a Plex username to one group only, case-insensitively", () =>
    Effect.gen(function* () {
      yield* createFamilyGroup({ plexUsername: "LivingRoom", labels: ["Mum"] })
      const error = yield* Effect.flip(createFamilyGroup({ plexUsername: "livingroom", labels: ["Dad"] }))
      expect(error).toMatchObject({ _tag: "PlexUsernameTaken", plexUsername: "livingroom" })
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("rejects invalid input with a message naming the field", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(createFamilyGroup({ plexUsername: "  ", labels: ["ok", ""] }))
      expect(error._tag).toBe("InvalidInput")
      expect(error.message).toMatch(/plexUsername/)
      expect(error.message).toMatch(/labels\.1/)
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("adds a member up to the limit and notifies the group", () =>
    Effect.gen(function* () {
      const { group } = yield* createFamilyGroup({ plexUsername: "tv", labels: labels(9) })
      const added = yield* addGroupMember(group.id, { label: "Grandma" })
      expect(added.member.status).toBe("pending")
      expect(added.authorizeUrl).toMatch(/state=/)
      const full = yield* Effect.flip(addGroupMember(group.id, { label: "One too many" }))
      expect(full).toMatchObject({ _tag: "MemberLimitReached", limit: 10, requested: 11 })
      const notes = yield* listGroupNotifications(group.id)
      expect(notes.map((n) => n.kind)).toEqual(["member_added"])
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("removes a member with their tokens and queued retries, keeping the group id", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const queue = yield* RetryQueue
      const store = yield* GroupStore
      const { group, members } = yield* setupFamily("tv", ["alice", "bob"])
      const bob = members[1]
      if (bob === undefined) throw new Error("no bob")
      yield* trakt.fail("bob", new TraktNetworkFailure({ reason: "connection", detail: "ECONNREFUSED" }))
      yield* handlePlaybackEvent(group.id, plexEvent("media.play", "tv", heatMetadata, 0))
      expect((yield* queue.list(group.id)).map((item) => item.memberId)).toEqual([bob.id])

      const removed = yield* removeGroupMember(group.id, bob.id)
      expect(removed.droppedRetries).toBe(1)
      expect(yield* queue.list(group.id)).toEqual([])
      expect(Option.isNone(yield* store.findMember(bob.id))).toBe(true)
      const details = yield* getFamilyGroup(group.id)
      expect(details.group.id).toBe(group.id)
      expect(details.members.map((m) => m.label)).toEqual(["Label alice"])
      expect(details.notifications.map((n) => n.kind)).toContain("member_removed")
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("keeps at least one member, and reports unknown ids as not found", () =>
    Effect.gen(function* () {
      const { group, members } = yield* createFamilyGroup({ plexUsername: "tv", labels: ["Only"] })
      const only = members[0]?.member
      if (only === undefined) throw new Error("no member")
      expect((yield* Effect.flip(removeGroupMember(group.id, only.id)))._tag).toBe("LastMemberRemoval")
      expect((yield* Effect.flip(removeGroupMember(group.id, "not-a-uuid")))._tag).toBe("MemberNotFound")
      expect((yield* Effect.flip(getFamilyGroup("00000000-0000-4000-8000-000000000000")))._tag).toBe(
        "GroupNotFound"
      )
      expect((yield* Effect.flip(getFamilyGroup("nonsense")))._tag).toBe("GroupNotFound")
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("does not remove a member through another group's id", () =>
    Effect.gen(function* () {
      const a = yield* createFamilyGroup({ plexUsername: "a", labels: ["A1", "A2"] })
      const b = yield* createFamilyGroup({ plexUsername: "b", labels: ["B1", "B2"] })
      const victim = a.members[0]?.member.id ?? ""
      expect((yield* Effect.flip(removeGroupMember(b.group.id, victim)))._tag).toBe("MemberNotFound")
      expect((yield* getFamilyGroup(a.group.id)).members).toHaveLength(2)
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("lists groups with member counts and deletes a group with everything it owns", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const queue = yield* RetryQueue
      const { group } = yield* setupFamily("tv", ["alice", "bob"])
      yield* createFamilyGroup({ plexUsername: "other", labels: ["x"] })
      const summaries = yield* listFamilyGroups
      expect(summaries.map((s) => [s.group.plexUsername, s.memberCount, s.authorizedCount])).toEqual([
        ["tv", 2, 2],
        ["other", 1, 0]
      ])
      yield* trakt.fail("alice", new TraktNetworkFailure({ reason: "timeout", detail: "10 s" }))
      yield* handlePlaybackEvent(group.id, plexEvent("media.play", "tv", heatMetadata, 0))
      yield* deleteFamilyGroup(group.id)
      expect((yield* listFamilyGroups).map((s) => s.group.plexUsername)).toEqual(["other"])
      expect(yield* queue.list(group.id)).toEqual([])
      expect(
        (yield* Effect.flip(handlePlaybackEvent(group.id, plexEvent("media.play", "tv", heatMetadata))))._tag
      ).toBe("GroupNotFound")
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("dismisses notifications; another group's notification is not found", () =>
    Effect.gen(function* () {
      const { group } = yield* createFamilyGroup({ plexUsername: "tv", labels: ["A"] })
      const other = yield* createFamilyGroup({ plexUsername: "tv2", labels: ["B"] })
      yield* TestClock.adjust(Duration.seconds(1))
      yield* addGroupMember(group.id, { label: "C" })
      const [note] = yield* listGroupNotifications(group.id)
      if (note === undefined) throw new Error("no notification")
      expect((yield* Effect.flip(dismissNotification(other.group.id, note.id)))._tag).toBe(
        "NotificationNotFound"
      )
      yield* dismissNotification(group.id, note.id)
      expect(yield* listGroupNotifications(group.id)).toEqual([])
      const all = yield* listGroupNotifications(group.id, { includeDismissed: true })
      expect(all.map((n) => Option.isSome(n.dismissedAt))).toEqual([true])
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )
})
