/**
 * Port: family groups and their members, tokens included.
 *
 * Writes that guard an invariant are atomic in the store itself, so the rule holds
 * under concurrent requests and across processes: a Plex username belongs to one
 * group, a Trakt account appears once per group, a group never exceeds its member
 * limit, and a token pair is replaced only if it is still the pair the caller read.
 */
import { Context, type DateTime, type Effect, type Option } from "effect"
import type {
  DuplicateMemberLabel,
  DuplicateTraktAccount,
  InviteInvalid,
  MemberLimitReached,
  MemberNotFound,
  PlexUsernameTaken
} from "./Errors.js"
import type { FamilyGroup } from "./FamilyGroup.js"
import type { AuthorizationStatus, GroupMember, TraktTokens } from "./GroupMember.js"
import type { FamilyGroupId, GroupMemberId, InviteId, TraktUsername } from "./Ids.js"
import type { Invite, InviteCode, InviteRedemption } from "./Invite.js"

/** A group with its member count, for listings. */
export interface GroupSummary {
  readonly group: FamilyGroup
  readonly memberCount: number
  readonly authorizedCount: number
}

export interface GroupStoreService {
  /**
   * Insert a group with its first members, all or nothing. With an invite, the
   * invite is used in the same step: the group is created only if the code is
   * an unused, unexpired invite, and the invite is used only if the group is
   * created. Two requests with one code create one group.
   */
  readonly createGroup: (
    group: FamilyGroup,
    members: ReadonlyArray<GroupMember>,
    invite?: InviteRedemption
  ) => Effect.Effect<void, PlexUsernameTaken | InviteInvalid>
  readonly findGroup: (groupId: FamilyGroupId) => Effect.Effect<Option.Option<FamilyGroup>>
  /** Case-insensitive lookup. */
  readonly findGroupByPlexUsername: (plexUsername: string) => Effect.Effect<Option.Option<FamilyGroup>>
  readonly listGroups: () => Effect.Effect<ReadonlyArray<GroupSummary>>
  /** Delete a group and its members (and their tokens). Returns false when there was none. */
  readonly deleteGroup: (groupId: FamilyGroupId) => Effect.Effect<boolean>

  /** Members in creation order. */
  readonly listMembers: (groupId: FamilyGroupId) => Effect.Effect<ReadonlyArray<GroupMember>>
  readonly findMember: (memberId: GroupMemberId) => Effect.Effect<Option.Option<GroupMember>>
  /** Add a member unless the group would exceed `maxMembers` or the label is taken. */
  readonly addMember: (
    member: GroupMember,
    maxMembers: number
  ) => Effect.Effect<void, MemberLimitReached | DuplicateMemberLabel | MemberNotFound>
  /** Delete a member and their tokens. Returns false when there was none. */
  readonly removeMember: (groupId: FamilyGroupId, memberId: GroupMemberId) => Effect.Effect<boolean>

  /**
   * Mark a member authorized with their Trakt username and tokens, unless another
   * member of the same group already has that Trakt account.
   */
  readonly authorizeMember: (
    memberId: GroupMemberId,
    traktUsername: TraktUsername,
    tokens: TraktTokens,
    at: DateTime.Utc
  ) => Effect.Effect<void, DuplicateTraktAccount | MemberNotFound>
  /**
   * Replace a member's token pair atomically, but only if their stored refresh token
   * is still `expectedRefreshToken` (compare-and-set). Returns false when it was not.
   */
  readonly replaceTokens: (
    memberId: GroupMemberId,
    tokens: TraktTokens,
    expectedRefreshToken: string
  ) => Effect.Effect<boolean>
  /** Set a member's status; `expired` and `failed` keep no tokens. */
  readonly setMemberStatus: (
    memberId: GroupMemberId,
    status: AuthorizationStatus,
    reason: Option.Option<string>
  ) => Effect.Effect<void>
  /** Keep an invite with its code (a store may keep only a hash of the code). */
  readonly createInvite: (invite: Invite, code: InviteCode) => Effect.Effect<void>
  /** Every invite, newest first. */
  readonly listInvites: () => Effect.Effect<ReadonlyArray<Invite>>
  /** Delete an invite, used or not (a group made with it stays). Returns false when there was none. */
  readonly deleteInvite: (inviteId: InviteId) => Effect.Effect<boolean>

  /** Authorized members whose access token expires before `at`. */
  readonly listMembersExpiringBefore: (at: DateTime.Utc) => Effect.Effect<ReadonlyArray<GroupMember>>
}

export class GroupStore extends Context.Tag("@org/family-scrobble/GroupStore")<
  GroupStore,
  GroupStoreService
>() {}
