/**
 * The family-scrobbling API's own errors, beside the shared ones of the serving
 * kit (`@org/http`). Each carries its status; `toHttpError` (in `Handlers.ts`)
 * maps the domain's errors onto them.
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

export class NotFound extends Schema.TaggedError<NotFound>()(
  "NotFound",
  { message: Schema.String, resource: Schema.Literal("group", "member", "notification") },
  HttpApiSchema.annotations({ status: 404, description: "No such group, member or notification." })
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
