/**
 * Notices for a group's admin. Each can be dismissed; none carries a secret.
 */
import { Schema } from "effect"
import { FamilyGroupId, GroupMemberId, NotificationId } from "./Ids.js"

/**
 * - `permanent_failure`: a scrobble could not be delivered after every retry;
 * - `token_expired`: a member's Trakt token could not be refreshed; they must authorize again;
 * - `member_needs_attention`: Trakt refused the member's account (420 limit, 423 locked, 426 VIP only);
 * - `member_added` / `member_removed`: the family changed.
 */
export const NotificationKind = Schema.Literal(
  "permanent_failure",
  "token_expired",
  "member_needs_attention",
  "member_added",
  "member_removed"
)
export type NotificationKind = typeof NotificationKind.Type

export class Notification extends Schema.Class<Notification>("Notification")({
  id: NotificationId,
  groupId: FamilyGroupId,
  memberId: Schema.OptionFromNullOr(GroupMemberId),
  kind: NotificationKind,
  /** One sentence for a person: what happened and what to do. */
  message: Schema.String,
  createdAt: Schema.DateTimeUtc,
  dismissedAt: Schema.OptionFromNullOr(Schema.DateTimeUtc)
}) {}
