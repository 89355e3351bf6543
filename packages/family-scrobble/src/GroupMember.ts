/**
 * A member of a family group: one Trakt account and its OAuth tokens.
 */
import { DateTime, Option, Schema } from "effect"
import { FamilyGroupId, GroupMemberId, MemberLabel, TraktUsername } from "./Ids.js"

/**
 * - `pending`: waiting for the member to authorize Trakt;
 * - `authorized`: receives scrobbles;
 * - `expired`: the token could not be refreshed, the member must authorize again;
 * - `failed`: authorization was refused (duplicate account, Trakt error).
 */
export const AuthorizationStatus = Schema.Literal("pending", "authorized", "expired", "failed")
export type AuthorizationStatus = typeof AuthorizationStatus.Type

/**
 * A member's Trakt OAuth tokens. Both tokens are `Redacted`: they print as
 * `<redacted>` in logs, errors and `JSON.stringify`.
 */
export class TraktTokens extends Schema.Class<TraktTokens>("TraktTokens")({
  accessToken: Schema.Redacted(Schema.String),
  refreshToken: Schema.Redacted(Schema.String),
  /** When Trakt issued the pair (`created_at`). */
  createdAt: Schema.DateTimeUtc,
  /** `created_at + expires_in`, as Trakt answered: lifetimes have changed and will again. */
  expiresAt: Schema.DateTimeUtc
}) {
  /** Lifetime of the pair in milliseconds. */
  get lifetimeMillis(): number {
    return DateTime.toEpochMillis(this.expiresAt) - DateTime.toEpochMillis(this.createdAt)
  }
}

export class GroupMember extends Schema.Class<GroupMember>("GroupMember")({
  id: GroupMemberId,
  groupId: FamilyGroupId,
  label: MemberLabel,
  /** Known once the member has authorized. */
  traktUsername: Schema.OptionFromNullOr(TraktUsername),
  status: AuthorizationStatus,
  /** Why the member is `failed` or `expired`, in words for the admin. */
  statusReason: Schema.OptionFromNullOr(Schema.String),
  tokens: Schema.OptionFromNullOr(TraktTokens),
  createdAt: Schema.DateTimeUtc,
  authorizedAt: Schema.OptionFromNullOr(Schema.DateTimeUtc)
}) {
  get isAuthorized(): boolean {
    return this.status === "authorized" && Option.isSome(this.tokens)
  }

  /** When the member's access token expires, if it has one. */
  get tokenExpiresAt(): Option.Option<DateTime.Utc> {
    return Option.map(this.tokens, (tokens) => tokens.expiresAt)
  }

  /** The name used in logs: the Trakt username when known, else the label. */
  get displayName(): string {
    return Option.getOrElse(this.traktUsername, () => this.label)
  }
}
