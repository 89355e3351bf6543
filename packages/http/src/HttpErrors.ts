/**
 * The errors of the HTTP API. Each is JSON `{ _tag, message }` with its status;
 * `message` says what to fix. Domain errors are mapped onto them by
 * `toHttpError`, so the wire format does not change when the domain grows.
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

export class BadRequest extends Schema.TaggedError<BadRequest>()(
  "BadRequest",
  { message: Schema.String },
  HttpApiSchema.annotations({
    status: 400,
    description: "The request is malformed; `message` says what to fix."
  })
) {}

export class Unauthorized extends Schema.TaggedError<Unauthorized>()(
  "Unauthorized",
  { message: Schema.String },
  HttpApiSchema.annotations({
    status: 401,
    description: "The `Authorization: Bearer <admin token>` header is missing or wrong."
  })
) {}

export class Forbidden extends Schema.TaggedError<Forbidden>()(
  "Forbidden",
  { message: Schema.String },
  HttpApiSchema.annotations({
    status: 403,
    description: "The admin API is closed: the server has no admin token configured."
  })
) {}

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

export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()(
  "PayloadTooLarge",
  { message: Schema.String, limit: Schema.Int },
  HttpApiSchema.annotations({ status: 413, description: "The body is larger than the server accepts." })
) {}

export class UnsupportedMediaType extends Schema.TaggedError<UnsupportedMediaType>()(
  "UnsupportedMediaType",
  { message: Schema.String },
  HttpApiSchema.annotations({
    status: 415,
    description: "The webhook body is not multipart/form-data (or JSON / form-encoded from a relay)."
  })
) {}

export class ServiceUnavailable extends Schema.TaggedError<ServiceUnavailable>()(
  "ServiceUnavailable",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 503, description: "The database does not answer." })
) {}
