/**
 * Domain values as the API shows them: ISO dates, `null` for absent values, no
 * tokens ever.
 */
import type {
  FamilyGroup,
  GroupDetails,
  GroupMember,
  GroupSummary,
  Invite,
  InviteCode,
  MemberInvitation,
  Notification
} from "@org/family-scrobble"
import { DateTime, Option } from "effect"
import { type FamilyHttpSettings, webhookUrlOf } from "./HttpConfig.js"

const iso = (value: DateTime.DateTime): string => DateTime.formatIso(value)
const isoOrNull = (value: Option.Option<DateTime.DateTime>): string | null =>
  Option.getOrNull(Option.map(value, iso))

export const invitationView = (invitation: MemberInvitation) => ({
  id: invitation.member.id,
  label: invitation.member.label,
  status: invitation.member.status,
  authorizeUrl: invitation.authorizeUrl,
  expiresAt: iso(invitation.expiresAt)
})

export const memberStatusView = (member: GroupMember) => ({
  id: member.id,
  label: member.label,
  status: member.status,
  statusReason: Option.getOrNull(member.statusReason),
  traktUsername: Option.getOrNull(member.traktUsername)
})

export const memberView = (member: GroupMember) => ({
  ...memberStatusView(member),
  tokenExpiresAt: isoOrNull(member.tokenExpiresAt),
  authorizedAt: isoOrNull(member.authorizedAt),
  createdAt: iso(member.createdAt)
})

export const notificationView = (notification: Notification) => ({
  id: notification.id,
  memberId: Option.getOrNull(notification.memberId),
  kind: notification.kind,
  message: notification.message,
  createdAt: iso(notification.createdAt),
  dismissedAt: isoOrNull(notification.dismissedAt)
})

export const groupSummaryView = (settings: FamilyHttpSettings, summary: GroupSummary) => ({
  id: summary.group.id,
  plexUsername: summary.group.plexUsername,
  memberCount: summary.memberCount,
  authorizedCount: summary.authorizedCount,
  createdAt: iso(summary.group.createdAt),
  webhookUrl: webhookUrlOf(settings, summary.group.id)
})

export const groupDetailsView = (settings: FamilyHttpSettings, details: GroupDetails) => ({
  id: details.group.id,
  plexUsername: details.group.plexUsername,
  createdAt: iso(details.group.createdAt),
  webhookUrl: webhookUrlOf(settings, details.group.id),
  members: details.members.map(memberView),
  queue: details.queue,
  notifications: details.notifications.map(notificationView)
})

export const onboardingView = (
  settings: FamilyHttpSettings,
  group: Pick<FamilyGroup, "id">,
  invitations: ReadonlyArray<MemberInvitation>
) => ({
  groupId: group.id,
  webhookUrl: webhookUrlOf(settings, group.id),
  members: invitations.map(invitationView)
})

export const inviteView = (invite: Invite, now: DateTime.Utc) => ({
  id: invite.id,
  note: Option.getOrNull(invite.note),
  state: invite.stateAt(now),
  createdAt: iso(invite.createdAt),
  expiresAt: iso(invite.expiresAt),
  usedAt: isoOrNull(invite.usedAt),
  groupId: Option.getOrNull(invite.groupId)
})

/** The family page with the code filled in. */
export const inviteUrlOf = (settings: FamilyHttpSettings, code: InviteCode): string =>
  `${settings.publicUrl}/family?invite=${encodeURIComponent(code)}`

export const createdInviteView = (
  settings: FamilyHttpSettings,
  created: { readonly invite: Invite; readonly code: InviteCode }
) => ({
  ...inviteView(created.invite, created.invite.createdAt),
  code: created.code,
  inviteUrl: inviteUrlOf(settings, created.code)
})
