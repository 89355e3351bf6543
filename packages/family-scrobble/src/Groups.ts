/**
 * Creating, changing and reading family groups. A group's id, and so its webhook
 * URL, never changes when its members do.
 */

import { randomUuid } from "@org/core"
import { DateTime, Effect, Option, Schema } from "effect"
import { FamilyScrobbleConfig } from "./Config.js"
import {
  decodeInput,
  GroupNotFound,
  InviteInvalid,
  InviteRequired,
  MemberNotFound,
  NotificationNotFound,
  OnboardingClosed,
  PlexUsernameTaken
} from "./Errors.js"
import { FamilyGroup } from "./FamilyGroup.js"
import { GroupMember } from "./GroupMember.js"
import { checkAddMember, checkNewGroupLabels, checkRemoveMember } from "./GroupRules.js"
import { GroupStore, type GroupSummary } from "./GroupStore.js"
import { FamilyGroupId, GroupMemberId, MemberLabel, NotificationId, PlexUsername } from "./Ids.js"
import { InviteCode, type InviteRedemption } from "./Invite.js"
import { withGroupLock } from "./Locks.js"
import type { Notification } from "./Notification.js"
import { Notifications, raiseNotification } from "./Notifications.js"
import { OAuthStates } from "./OAuthStates.js"
import { issueAuthorization, type MemberInvitation } from "./Onboarding.js"
import { type QueueDepth, RetryQueue } from "./RetryQueue.js"

const CreateGroupInput = Schema.Struct({
  plexUsername: PlexUsername,
  labels: Schema.Array(MemberLabel)
})

const AddMemberInput = Schema.Struct({ label: MemberLabel })

const decodeGroupId = Schema.decodeUnknownOption(FamilyGroupId)
const decodeMemberId = Schema.decodeUnknownOption(GroupMemberId)
const decodeNotificationId = Schema.decodeUnknownOption(NotificationId)

/** Load a group by an id from outside (a URL); an id that is not even a UUID is simply not found. */
export const findGroupOrFail = (groupId: string) =>
  Effect.gen(function* () {
    const store = yield* GroupStore
    const id = decodeGroupId(groupId)
    const group = Option.isSome(id) ? yield* store.findGroup(id.value) : Option.none()
    if (Option.isNone(group)) return yield* new GroupNotFound({ groupId })
    return group.value
  })

const findMemberOrFail = (group: FamilyGroup, memberId: string) =>
  Effect.gen(function* () {
    const store = yield* GroupStore
    const id = decodeMemberId(memberId)
    const member = Option.isSome(id) ? yield* store.findMember(id.value) : Option.none()
    if (Option.isNone(member) || member.value.groupId !== group.id) {
      return yield* new MemberNotFound({ groupId: group.id, memberId })
    }
    return member.value
  })

const newMember = (group: FamilyGroup, label: MemberLabel, now: DateTime.Utc) =>
  Effect.map(
    randomUuid,
    (id) =>
      new GroupMember({
        id: GroupMemberId.make(id),
        groupId: group.id,
        label,
        traktUsername: Option.none(),
        status: "pending",
        statusReason: Option.none(),
        tokens: Option.none(),
        createdAt: now,
        authorizedAt: Option.none()
      })
  )

/** A new group and one authorization link per member. */
export interface CreatedGroup {
  readonly group: FamilyGroup
  readonly members: ReadonlyArray<MemberInvitation>
}

const createGroupWith = (
  input: { readonly plexUsername: string; readonly labels: ReadonlyArray<string> },
  invite: Option.Option<InviteCode>
) =>
  Effect.gen(function* () {
    const { plexUsername, labels } = yield* decodeInput(CreateGroupInput)(input)
    const settings = yield* FamilyScrobbleConfig
    const store = yield* GroupStore
    yield* checkNewGroupLabels(labels, settings.maxMembers)
    // With an invite the store says whether the name is taken, and only once the code is good.
    if (Option.isNone(invite) && Option.isSome(yield* store.findGroupByPlexUsername(plexUsername))) {
      return yield* new PlexUsernameTaken({ plexUsername })
    }
    const now = yield* DateTime.now
    const group = new FamilyGroup({ id: FamilyGroupId.make(yield* randomUuid), plexUsername, createdAt: now })
    const members = yield* Effect.forEach(labels, (label) => newMember(group, label, now))
    const redemption = Option.map(invite, (code): InviteRedemption => ({ code, at: now }))
    yield* store.createGroup(group, members, Option.getOrUndefined(redemption))
    const invitations = yield* Effect.forEach(members, issueAuthorization)
    yield* Effect.logInfo("family group created").pipe(
      Effect.annotateLogs({ group_id: group.id, member_count: members.length })
    )
    const created: CreatedGroup = { group, members: invitations }
    return created
  })

/**
 * Create a family group for a Plex account with one member per label (1 to
 * `maxMembers`), and issue each member their Trakt authorization link. This is
 * the admin's way, whatever the onboarding mode; the public one is
 * `onboardFamilyGroup`.
 */
export const createFamilyGroup = (input: {
  readonly plexUsername: string
  readonly labels: ReadonlyArray<string>
}) =>
  createGroupWith(input, Option.none()).pipe(
    // Without an invite no invite can be refused.
    Effect.catchTag("InviteInvalid", (error) => Effect.die(error))
  )

const decodeInviteCode = Schema.decodeUnknownOption(InviteCode)

/**
 * Create a family group from the public onboarding, as the `onboarding` setting
 * allows: `open` creates it; `invite` needs an unused invite code, used up by
 * the group it creates; `admin` refuses (`OnboardingClosed`). An open server
 * ignores a code.
 */
export const onboardFamilyGroup = (input: {
  readonly plexUsername: string
  readonly labels: ReadonlyArray<string>
  readonly inviteCode?: string | undefined
}) =>
  Effect.gen(function* () {
    const settings = yield* FamilyScrobbleConfig
    switch (settings.onboarding) {
      case "admin":
        return yield* new OnboardingClosed()
      case "open":
        return yield* createGroupWith(input, Option.none())
      case "invite": {
        const raw = input.inviteCode?.trim() ?? ""
        if (raw === "") return yield* new InviteRequired()
        const code = decodeInviteCode(raw)
        if (Option.isNone(code)) return yield* new InviteInvalid()
        return yield* createGroupWith(input, code)
      }
    }
  })

/**
 * Add a member from the public onboarding (by the group's id, which only the
 * household and the admin know): refused when onboarding is `admin` only.
 */
export const onboardGroupMember = (groupId: string, input: { readonly label: string }) =>
  Effect.gen(function* () {
    const settings = yield* FamilyScrobbleConfig
    if (settings.onboarding === "admin") return yield* new OnboardingClosed()
    return yield* addGroupMember(groupId, input)
  })

/** Add a member to an existing group and issue their authorization link. */
export const addGroupMember = (groupId: string, input: { readonly label: string }) =>
  Effect.gen(function* () {
    const { label } = yield* decodeInput(AddMemberInput)(input)
    const group = yield* findGroupOrFail(groupId)
    const store = yield* GroupStore
    const settings = yield* FamilyScrobbleConfig
    yield* checkAddMember(yield* store.listMembers(group.id), label, settings.maxMembers)
    const member = yield* newMember(group, label, yield* DateTime.now)
    yield* store.addMember(member, settings.maxMembers)
    const invitation = yield* issueAuthorization(member)
    yield* raiseNotification({
      groupId: group.id,
      memberId: member.id,
      kind: "member_added",
      message: `${label} was added to the family; they still need to authorize Trakt.`
    })
    return invitation
  })

/** A new authorization link for a member (after their sign-in expired, or a lost link). */
export const reauthorizeMember = (groupId: string, memberId: string) =>
  Effect.gen(function* () {
    const group = yield* findGroupOrFail(groupId)
    const member = yield* findMemberOrFail(group, memberId)
    return yield* issueAuthorization(member)
  })

/**
 * Remove a member: their tokens, queued retries and unused links go with them.
 * Runs under the group lock, so no broadcast of the group is under way meanwhile.
 */
export const removeGroupMember = (groupId: string, memberId: string) =>
  Effect.gen(function* () {
    const group = yield* findGroupOrFail(groupId)
    return yield* withGroupLock(group.id)(
      Effect.gen(function* () {
        const store = yield* GroupStore
        const queue = yield* RetryQueue
        const states = yield* OAuthStates
        const member = yield* findMemberOrFail(group, memberId)
        yield* checkRemoveMember(yield* store.listMembers(group.id), member)
        // Retries and links first: a store may cascade them away with the member, and the count is reported.
        const droppedRetries = yield* queue.removeForMember(member.id)
        yield* states.revokeForMember(member.id)
        yield* store.removeMember(group.id, member.id)
        yield* raiseNotification({
          groupId: group.id,
          kind: "member_removed",
          message: `${member.label} was removed from the family.`
        })
        yield* Effect.logInfo("member removed").pipe(
          Effect.annotateLogs({ group_id: group.id, member_id: member.id, dropped_retries: droppedRetries })
        )
        return { member, droppedRetries }
      })
    )
  })

/** Delete a group with its members, tokens, queue items and notifications. */
export const deleteFamilyGroup = (groupId: string) =>
  Effect.gen(function* () {
    const group = yield* findGroupOrFail(groupId)
    yield* withGroupLock(group.id)(
      Effect.gen(function* () {
        const store = yield* GroupStore
        const queue = yield* RetryQueue
        const states = yield* OAuthStates
        const notifications = yield* Notifications
        const members = yield* store.listMembers(group.id)
        yield* Effect.forEach(members, (member) => states.revokeForMember(member.id), { discard: true })
        yield* queue.removeForGroup(group.id)
        yield* notifications.removeForGroup(group.id)
        yield* store.deleteGroup(group.id)
        yield* Effect.logInfo("family group deleted").pipe(Effect.annotateLogs({ group_id: group.id }))
      })
    )
  })

/** Everything the admin page shows of one group. */
export interface GroupDetails {
  readonly group: FamilyGroup
  readonly members: ReadonlyArray<GroupMember>
  readonly queue: QueueDepth
  readonly notifications: ReadonlyArray<Notification>
}

export const getFamilyGroup = (groupId: string) =>
  Effect.gen(function* () {
    const group = yield* findGroupOrFail(groupId)
    const store = yield* GroupStore
    const queue = yield* RetryQueue
    const notifications = yield* Notifications
    const details: GroupDetails = {
      group,
      members: yield* store.listMembers(group.id),
      queue: yield* queue.depth(group.id),
      notifications: yield* notifications.list(group.id)
    }
    return details
  })

export const listFamilyGroups: Effect.Effect<ReadonlyArray<GroupSummary>, never, GroupStore> = Effect.flatMap(
  GroupStore,
  (store) => store.listGroups()
)

export const listGroupNotifications = (
  groupId: string,
  options: { readonly includeDismissed?: boolean } = {}
) =>
  Effect.gen(function* () {
    const group = yield* findGroupOrFail(groupId)
    const notifications = yield* Notifications
    return yield* notifications.list(group.id, options)
  })

/** Dismiss a notification; a notification of another group is not found. */
export const dismissNotification = (groupId: string, notificationId: string) =>
  Effect.gen(function* () {
    const group = yield* findGroupOrFail(groupId)
    const notifications = yield* Notifications
    const id = decodeNotificationId(notificationId)
    const dismissed = Option.isSome(id)
      ? yield* notifications.dismiss(group.id, id.value, yield* DateTime.now)
      : false
    if (!dismissed) return yield* new NotificationNotFound({ groupId: group.id, notificationId })
  })
