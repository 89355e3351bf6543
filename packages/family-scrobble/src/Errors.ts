/**
 * The expected failures of the family-scrobble domain. Each carries the data a
 * caller needs and a `message` a person can act on.
 */
import { Effect, ParseResult, Schema } from "effect"
import { FamilyGroupId, GroupMemberId } from "./Ids.js"

export class GroupNotFound extends Schema.TaggedError<GroupNotFound>()("GroupNotFound", {
  groupId: Schema.String
}) {
  override get message(): string {
    return `No family group has the id ${this.groupId}.`
  }
}

export class MemberNotFound extends Schema.TaggedError<MemberNotFound>()("MemberNotFound", {
  /** Absent when only the member id was known (the member is gone, with its group). */
  groupId: Schema.optional(FamilyGroupId),
  memberId: Schema.String
}) {
  override get message(): string {
    return `The family group ${this.groupId} has no member with the id ${this.memberId}.`
  }
}

export class NotificationNotFound extends Schema.TaggedError<NotificationNotFound>()("NotificationNotFound", {
  groupId: FamilyGroupId,
  notificationId: Schema.String
}) {
  override get message(): string {
    return `The family group ${this.groupId} has no notification with the id ${this.notificationId}.`
  }
}

export class MemberLimitReached extends Schema.TaggedError<MemberLimitReached>()("MemberLimitReached", {
  limit: Schema.Int,
  requested: Schema.Int
}) {
  override get message(): string {
    return `A family group has at most ${this.limit} members; this would make ${this.requested}.`
  }
}

export class GroupWithoutMembers extends Schema.TaggedError<GroupWithoutMembers>()(
  "GroupWithoutMembers",
  {}
) {
  override get message(): string {
    return "A family group needs at least one member label."
  }
}

export class LastMemberRemoval extends Schema.TaggedError<LastMemberRemoval>()("LastMemberRemoval", {
  groupId: FamilyGroupId,
  memberId: GroupMemberId
}) {
  override get message(): string {
    return "A family group keeps at least one member: delete the group instead of removing its last member."
  }
}

export class DuplicateMemberLabel extends Schema.TaggedError<DuplicateMemberLabel>()("DuplicateMemberLabel", {
  label: Schema.String
}) {
  override get message(): string {
    return `Two members cannot share the label "${this.label}".`
  }
}

export class DuplicateTraktAccount extends Schema.TaggedError<DuplicateTraktAccount>()(
  "DuplicateTraktAccount",
  {
    groupId: FamilyGroupId,
    traktUsername: Schema.String
  }
) {
  override get message(): string {
    return `The Trakt account "${this.traktUsername}" is already a member of this family group; each member signs in with their own account.`
  }
}

export class PlexUsernameTaken extends Schema.TaggedError<PlexUsernameTaken>()("PlexUsernameTaken", {
  plexUsername: Schema.String
}) {
  override get message(): string {
    return `The Plex username "${this.plexUsername}" already belongs to a family group.`
  }
}

/** Onboarding is `admin` only on this server: the public pages create no groups and add no members. */
export class OnboardingClosed extends Schema.TaggedError<OnboardingClosed>()("OnboardingClosed", {}) {
  override get message(): string {
    return "Family groups on this server are set up by its admin: ask them to create yours or add you."
  }
}

/** Onboarding is `invite` only and the request carried no invite code. */
export class InviteRequired extends Schema.TaggedError<InviteRequired>()("InviteRequired", {}) {
  override get message(): string {
    return "Creating a family group on this server needs an invite code from its admin."
  }
}

/** An invite code that is unknown, used, revoked or expired. Which one is not said. */
export class InviteInvalid extends Schema.TaggedError<InviteInvalid>()("InviteInvalid", {}) {
  override get message(): string {
    return "This invite code is not valid: it may have been used already or have expired. Ask the admin for a new one."
  }
}

export class InviteNotFound extends Schema.TaggedError<InviteNotFound>()("InviteNotFound", {
  inviteId: Schema.String
}) {
  override get message(): string {
    return `No invite has the id ${this.inviteId}.`
  }
}

const oauthStateMessages = {
  unknown: "This authorization link is not valid. Start again from the family page.",
  used: "This authorization link was already used. Start again from the family page.",
  expired: "This authorization link has expired. Start again from the family page."
} as const

/** An OAuth callback whose `state` is not one we issued, was used, or has expired. */
export class OAuthStateInvalid extends Schema.TaggedError<OAuthStateInvalid>()("OAuthStateInvalid", {
  reason: Schema.Literal("unknown", "used", "expired")
}) {
  override get message(): string {
    return oauthStateMessages[this.reason]
  }
}

/** Trakt refused to exchange the authorization code, or could not be reached. */
export class TraktAuthorizationFailed extends Schema.TaggedError<TraktAuthorizationFailed>()(
  "TraktAuthorizationFailed",
  { reason: Schema.String }
) {
  override get message(): string {
    return `Trakt did not complete the authorization: ${this.reason}`
  }
}

/** Input that does not satisfy the domain's schema; `issues` says what to fix. */
export class InvalidInput extends Schema.TaggedError<InvalidInput>()("InvalidInput", {
  issues: Schema.String
}) {
  override get message(): string {
    return `Invalid input: ${this.issues}`
  }
}

export class InvalidConfig extends Schema.TaggedError<InvalidConfig>()("InvalidConfig", {
  issues: Schema.String
}) {
  override get message(): string {
    return `Invalid family-scrobble configuration: ${this.issues}`
  }
}

/** Decode caller input against a schema; failures become one `InvalidInput` naming each field. */
export const decodeInput =
  <A, I>(schema: Schema.Schema<A, I>) =>
  (input: unknown): Effect.Effect<A, InvalidInput> =>
    Schema.decodeUnknown(schema, { errors: "all", onExcessProperty: "ignore" })(input).pipe(
      Effect.mapError(
        (error) =>
          new InvalidInput({
            issues: ParseResult.ArrayFormatter.formatErrorSync(error)
              .map((issue) =>
                issue.path.length === 0 ? issue.message : `${issue.path.join(".")}: ${issue.message}`
              )
              .join("; ")
          })
      )
    )
