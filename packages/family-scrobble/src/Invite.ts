/**
 * An invite: a single-use code the admin makes so that one household can create
 * its family group when onboarding is `invite` only. The code itself is shown
 * once, when the invite is made; a store keeps only what identifies it (a hash
 * on Postgres), and listings show the invite without it.
 */
import { DateTime, Option, Schema } from "effect"
import { FamilyGroupId, InviteId } from "./Ids.js"

/** A note the admin keeps with an invite ("the Smiths"); never shown to the invitee. */
export const InviteNote = Schema.String.pipe(
  Schema.trimmed({ message: () => "an invite note has no leading or trailing spaces" }),
  Schema.maxLength(200, { message: () => "an invite note has at most 200 characters" })
)

export class Invite extends Schema.Class<Invite>("Invite")({
  id: InviteId,
  note: Schema.OptionFromSelf(Schema.String),
  createdAt: Schema.DateTimeUtc,
  expiresAt: Schema.DateTimeUtc,
  /** When a group was created with it; an invite is used once. */
  usedAt: Schema.OptionFromSelf(Schema.DateTimeUtc),
  /** The group created with it (none once that group is deleted). */
  groupId: Schema.OptionFromSelf(FamilyGroupId)
}) {
  /** `unused`, `used` or `expired` at `now`. */
  stateAt(now: DateTime.Utc): "unused" | "used" | "expired" {
    if (Option.isSome(this.usedAt)) return "used"
    return DateTime.lessThanOrEqualTo(this.expiresAt, now) ? "expired" : "unused"
  }
}

/** The code that redeems an invite, as a person pastes it. */
export const InviteCode = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9_-]{16,64}$/, {
    message: () => "an invite code is 16 to 64 URL-safe characters"
  }),
  Schema.brand("InviteCode")
)
export type InviteCode = typeof InviteCode.Type

/** An invite redeemed while its group is created: the code and the time of use. */
export interface InviteRedemption {
  readonly code: InviteCode
  readonly at: DateTime.Utc
}
