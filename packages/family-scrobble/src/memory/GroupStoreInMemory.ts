/**
 * A `GroupStore` in a JavaScript Map. Each operation runs synchronously, so the
 * invariant checks and the writes they guard are atomic, as in a database.
 */
import { DateTime, Effect, Layer, Option, Redacted } from "effect"
import {
  DuplicateMemberLabel,
  DuplicateTraktAccount,
  InviteInvalid,
  MemberLimitReached,
  MemberNotFound,
  PlexUsernameTaken
} from "../Errors.js"
import type { FamilyGroup } from "../FamilyGroup.js"
import { GroupMember } from "../GroupMember.js"
import { GroupStore, type GroupStoreService, type GroupSummary } from "../GroupStore.js"
import {
  type FamilyGroupId,
  type GroupMemberId,
  type InviteId,
  normalizePlexUsername,
  normalizeTraktUsername
} from "../Ids.js"
import { Invite } from "../Invite.js"

export const makeGroupStoreInMemory = (): GroupStoreService => {
  const groups = new Map<FamilyGroupId, FamilyGroup>()
  const members = new Map<GroupMemberId, GroupMember>()
  /** Invites by their code; a process's memory is not at rest, so codes are kept as they are. */
  const invites = new Map<string, Invite>()
  const findInvite = (inviteId: InviteId) =>
    [...invites.entries()].find(([, invite]) => invite.id === inviteId)
  const membersOf = (groupId: FamilyGroupId) => [...members.values()].filter((m) => m.groupId === groupId)
  const update = (memberId: GroupMemberId, change: Partial<ConstructorParameters<typeof GroupMember>[0]>) => {
    const member = members.get(memberId)
    if (member !== undefined) members.set(memberId, new GroupMember({ ...member, ...change }))
  }

  return {
    createGroup: (group, initial, redemption) =>
      Effect.suspend((): Effect.Effect<void, PlexUsernameTaken | InviteInvalid> => {
        const invite = redemption === undefined ? undefined : invites.get(redemption.code)
        if (
          redemption !== undefined &&
          (invite === undefined || invite.stateAt(redemption.at) !== "unused")
        ) {
          return Effect.fail(new InviteInvalid())
        }
        const key = normalizePlexUsername(group.plexUsername)
        for (const existing of groups.values()) {
          if (normalizePlexUsername(existing.plexUsername) === key) {
            return Effect.fail(new PlexUsernameTaken({ plexUsername: group.plexUsername }))
          }
        }
        if (redemption !== undefined && invite !== undefined) {
          invites.set(
            redemption.code,
            new Invite({ ...invite, usedAt: Option.some(redemption.at), groupId: Option.some(group.id) })
          )
        }
        groups.set(group.id, group)
        for (const member of initial) members.set(member.id, member)
        return Effect.void
      }),
    findGroup: (groupId) => Effect.sync(() => Option.fromNullable(groups.get(groupId))),
    findGroupByPlexUsername: (plexUsername) =>
      Effect.sync(() => {
        const key = normalizePlexUsername(plexUsername)
        return Option.fromNullable(
          [...groups.values()].find((g) => normalizePlexUsername(g.plexUsername) === key)
        )
      }),
    listGroups: () =>
      Effect.sync(() =>
        [...groups.values()].map((group): GroupSummary => {
          const list = membersOf(group.id)
          return {
            group,
            memberCount: list.length,
            authorizedCount: list.filter((m) => m.isAuthorized).length
          }
        })
      ),
    deleteGroup: (groupId) =>
      Effect.sync(() => {
        for (const member of membersOf(groupId)) members.delete(member.id)
        for (const [code, invite] of invites) {
          if (Option.contains(invite.groupId, groupId))
            invites.set(code, new Invite({ ...invite, groupId: Option.none() }))
        }
        return groups.delete(groupId)
      }),
    listMembers: (groupId) => Effect.sync(() => membersOf(groupId)),
    findMember: (memberId) => Effect.sync(() => Option.fromNullable(members.get(memberId))),
    addMember: (member, maxMembers) =>
      Effect.suspend((): Effect.Effect<void, MemberLimitReached | DuplicateMemberLabel | MemberNotFound> => {
        if (!groups.has(member.groupId)) {
          return Effect.fail(new MemberNotFound({ groupId: member.groupId, memberId: member.id }))
        }
        const current = membersOf(member.groupId)
        if (current.length + 1 > maxMembers) {
          return Effect.fail(new MemberLimitReached({ limit: maxMembers, requested: current.length + 1 }))
        }
        const label = member.label.toLowerCase()
        if (current.some((m) => m.label.toLowerCase() === label)) {
          return Effect.fail(new DuplicateMemberLabel({ label: member.label }))
        }
        members.set(member.id, member)
        return Effect.void
      }),
    removeMember: (groupId, memberId) =>
      Effect.sync(() => members.get(memberId)?.groupId === groupId && members.delete(memberId)),
    authorizeMember: (memberId, traktUsername, tokens, at) =>
      Effect.suspend((): Effect.Effect<void, DuplicateTraktAccount | MemberNotFound> => {
        const member = members.get(memberId)
        if (member === undefined) return Effect.fail(new MemberNotFound({ memberId }))
        const key = normalizeTraktUsername(traktUsername)
        const taken = membersOf(member.groupId).some(
          (m) => m.id !== memberId && Option.exists(m.traktUsername, (u) => normalizeTraktUsername(u) === key)
        )
        if (taken) return Effect.fail(new DuplicateTraktAccount({ groupId: member.groupId, traktUsername }))
        update(memberId, {
          traktUsername: Option.some(traktUsername),
          tokens: Option.some(tokens),
          status: "authorized",
          statusReason: Option.none(),
          authorizedAt: Option.some(at)
        })
        return Effect.void
      }),
    replaceTokens: (memberId, tokens, expectedRefreshToken) =>
      Effect.sync(() => {
        const member = members.get(memberId)
        const current = member?.tokens
        if (current === undefined || Option.isNone(current)) return false
        if (Redacted.value(current.value.refreshToken) !== expectedRefreshToken) return false
        update(memberId, { tokens: Option.some(tokens) })
        return true
      }),
    setMemberStatus: (memberId, status, reason) =>
      Effect.sync(() =>
        update(memberId, {
          status,
          statusReason: reason,
          ...(status === "authorized" ? {} : { tokens: Option.none() })
        })
      ),
    createInvite: (invite, code) => Effect.sync(() => void invites.set(code, invite)),
    listInvites: () =>
      Effect.sync(() =>
        [...invites.values()].sort(
          (a, b) =>
            DateTime.toEpochMillis(b.createdAt) - DateTime.toEpochMillis(a.createdAt) ||
            b.id.localeCompare(a.id)
        )
      ),
    deleteInvite: (inviteId) =>
      Effect.sync(() => {
        const found = findInvite(inviteId)
        return found !== undefined && invites.delete(found[0])
      }),
    listMembersExpiringBefore: (at) =>
      Effect.sync(() =>
        [...members.values()].filter(
          (m) =>
            m.status === "authorized" &&
            Option.exists(m.tokens, (t) => t.expiresAt.epochMillis < at.epochMillis)
        )
      )
  }
}

/** A fresh, empty in-memory group store. */
export const GroupStoreInMemory: Layer.Layer<GroupStore> = Layer.sync(GroupStore, makeGroupStoreInMemory)
