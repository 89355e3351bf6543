import { describe, expect, it } from "@effect/vitest"
import { DateTime, Duration, Effect, Option, TestClock } from "effect"
import {
  createFamilyGroup,
  createInvite,
  deleteFamilyGroup,
  GroupStore,
  listInvites,
  onboardFamilyGroup,
  onboardGroupMember,
  revokeInvite
} from "../src/index.js"
import { FamilyScrobbleTest } from "../src/testing.js"
import { captureLogs } from "./helpers.js"

const family = { plexUsername: "LivingRoom", labels: ["Mum", "Dad"] }

describe("onboarding modes", () => {
  it.effect("open (the default) creates groups from the public onboarding and ignores a code", () =>
    Effect.gen(function* () {
      const created = yield* onboardFamilyGroup(family)
      expect(created.members).toHaveLength(2)
      const other = yield* onboardFamilyGroup({
        plexUsername: "Den",
        labels: ["A"],
        inviteCode: "not-a-real-code"
      })
      expect(other.group.plexUsername).toBe("Den")
      const added = yield* onboardGroupMember(created.group.id, { label: "Sam" })
      expect(added.member.label).toBe("Sam")
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("admin refuses every public creation and addition; the admin's own programs still work", () =>
    Effect.gen(function* () {
      const store = yield* GroupStore
      expect((yield* Effect.flip(onboardFamilyGroup(family)))._tag).toBe("OnboardingClosed")
      expect(yield* store.listGroups()).toEqual([])
      const created = yield* createFamilyGroup(family)
      const refused = yield* Effect.flip(onboardGroupMember(created.group.id, { label: "Sam" }))
      expect(refused._tag).toBe("OnboardingClosed")
      expect(refused.message).toContain("admin")
      expect(yield* store.listMembers(created.group.id)).toHaveLength(2)
    }).pipe(Effect.provide(FamilyScrobbleTest({ settings: { onboarding: "admin" } })))
  )

  it.effect("invite needs a code, takes one code for one group, and refuses it afterwards", () =>
    Effect.gen(function* () {
      const store = yield* GroupStore
      expect((yield* Effect.flip(onboardFamilyGroup(family)))._tag).toBe("InviteRequired")
      expect((yield* Effect.flip(onboardFamilyGroup({ ...family, inviteCode: "  " })))._tag).toBe(
        "InviteRequired"
      )
      expect((yield* Effect.flip(onboardFamilyGroup({ ...family, inviteCode: "short" })))._tag).toBe(
        "InviteInvalid"
      )
      expect((yield* Effect.flip(onboardFamilyGroup({ ...family, inviteCode: "A".repeat(22) })))._tag).toBe(
        "InviteInvalid"
      )
      expect(yield* store.listGroups()).toEqual([])

      const { invite, code } = yield* createInvite({ note: "the Smiths" })
      expect(code).toMatch(/^[A-Za-z0-9_-]{22}$/)
      const created = yield* onboardFamilyGroup({ ...family, inviteCode: ` ${code} ` })
      const [used] = yield* listInvites
      expect(used?.id).toBe(invite.id)
      expect(used?.groupId).toEqual(Option.some(created.group.id))

      const again = yield* Effect.flip(
        onboardFamilyGroup({ plexUsername: "Den", labels: ["A"], inviteCode: code })
      )
      expect(again._tag).toBe("InviteInvalid")
      expect(yield* store.listGroups()).toHaveLength(1)
      // A household that has its group adds members by the group's id, without a new code.
      expect((yield* onboardGroupMember(created.group.id, { label: "Sam" })).member.label).toBe("Sam")
    }).pipe(Effect.provide(FamilyScrobbleTest({ settings: { onboarding: "invite" } })))
  )

  it.effect("a taken Plex username is only reported to a valid code, and leaves the code unused", () =>
    Effect.gen(function* () {
      yield* createFamilyGroup(family)
      const unknown = yield* Effect.flip(onboardFamilyGroup({ ...family, inviteCode: "B".repeat(22) }))
      expect(unknown._tag).toBe("InviteInvalid")
      const { code } = yield* createInvite()
      const taken = yield* Effect.flip(onboardFamilyGroup({ ...family, inviteCode: code }))
      expect(taken._tag).toBe("PlexUsernameTaken")
      const created = yield* onboardFamilyGroup({ plexUsername: "Den", labels: ["A"], inviteCode: code })
      expect(created.group.plexUsername).toBe("Den")
    }).pipe(Effect.provide(FamilyScrobbleTest({ settings: { onboarding: "invite" } })))
  )

  it.effect("an invite expires after the configured time or its own; a revoked one is gone", () =>
    Effect.gen(function* () {
      const short = yield* createInvite({ expiresInHours: 1 })
      const standard = yield* createInvite()
      const revoked = yield* createInvite()
      expect(
        Duration.toHours(
          Duration.millis(standard.invite.expiresAt.epochMillis - standard.invite.createdAt.epochMillis)
        )
      ).toBe(48)
      yield* revokeInvite(revoked.invite.id)
      expect((yield* Effect.flip(revokeInvite(revoked.invite.id)))._tag).toBe("InviteNotFound")
      expect((yield* Effect.flip(revokeInvite("not-a-uuid")))._tag).toBe("InviteNotFound")
      expect((yield* listInvites).map((i) => i.id).sort()).toEqual(
        [short.invite.id, standard.invite.id].sort()
      )
      const gone = yield* Effect.flip(
        onboardFamilyGroup({ plexUsername: "A", labels: ["A"], inviteCode: revoked.code })
      )
      expect(gone._tag).toBe("InviteInvalid")

      yield* TestClock.adjust("61 minutes")
      const late = yield* Effect.flip(
        onboardFamilyGroup({ plexUsername: "B", labels: ["B"], inviteCode: short.code })
      )
      expect(late._tag).toBe("InviteInvalid")
      yield* onboardFamilyGroup({ plexUsername: "C", labels: ["C"], inviteCode: standard.code })
      yield* TestClock.adjust("48 hours")
      const now = yield* DateTime.now
      const states = (yield* listInvites).map((i) => [i.id, i.stateAt(now)])
      expect(states).toContainEqual([standard.invite.id, "used"])
      expect(states).toContainEqual([short.invite.id, "expired"])
    }).pipe(Effect.provide(FamilyScrobbleTest({ settings: { onboarding: "invite", inviteTtl: "48 hours" } })))
  )

  it.effect("refuses a bad note or lifetime, and never logs a code", () =>
    Effect.gen(function* () {
      expect((yield* Effect.flip(createInvite({ expiresInHours: 0 })))._tag).toBe("InvalidInput")
      expect((yield* Effect.flip(createInvite({ expiresInHours: 24 * 91 })))._tag).toBe("InvalidInput")
      expect((yield* Effect.flip(createInvite({ note: "x".repeat(201) })))._tag).toBe("InvalidInput")
      expect(yield* listInvites).toEqual([])
      const { result, logs } = yield* captureLogs(createInvite({ note: "Grandma" }))
      expect(logs.length).toBeGreaterThan(0)
      expect(JSON.stringify(logs)).not.toContain(result.code)
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("deleting the group made with an invite keeps the invite used", () =>
    Effect.gen(function* () {
      const { invite, code } = yield* createInvite()
      const created = yield* onboardFamilyGroup({ ...family, inviteCode: code })
      yield* deleteFamilyGroup(created.group.id)
      const [after] = yield* listInvites
      expect(after?.id).toBe(invite.id)
      expect(Option.isSome(after?.usedAt ?? Option.none())).toBe(true)
      expect(after?.groupId).toEqual(Option.none())
    }).pipe(Effect.provide(FamilyScrobbleTest({ settings: { onboarding: "invite" } })))
  )
})
