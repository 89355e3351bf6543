/**
 * The family-scrobbling API's own errors, beside the shared ones of the serving
 * kit (`@org/http`). Each carries its status; `toHttpError` (in `Handlers.ts`)
 * maps the domain's errors onto them.
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

export class NotFound extends Schema.TaggedError<NotFound>()(
  "NotFound",
  { message: Schema.String, resource: Schema.Literal("group", "member", "notification", "invite") },
  HttpApiSchema.annotations({ status: 404, description: "No such group, member, notification or invite." })
) {}

export class Conflict extends Schema.TaggedError<Conflict>()(
  "Conflict",
  {
    message: Schema.String,
    reason: Schema.Literal(
      "PlexUsernameTaken",
      "DuplicateMemberLabel",
      "MemberLimitReached",
      "LastMemberRemoval",
      "DuplicateTraktAccount",
      "AlreadyAuthorized"
    )
  },
  HttpApiSchema.annotations({ status: 409, description: "The change conflicts with the group as it is." })
) {}

/**
 * The server's onboarding mode does not let this request create a group or add
 * a member: `OnboardingClosed` (the admin sets groups up), `InviteRequired` (no
 * code given), `InviteInvalid` (unknown, used, revoked or expired).
 */
export class OnboardingRefused extends Schema.TaggedError<OnboardingRefused>()(
  "OnboardingRefused",
  {
    message: Schema.String,
    reason: Schema.Literal("OnboardingClosed", "InviteRequired", "InviteInvalid")
  },
  HttpApiSchema.annotations({
    status: 403,
    description: "The server's onboarding mode refuses this request (see `reason`)."
  })
) {}
