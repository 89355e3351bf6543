/**
 * What can go wrong talking to the services the engine depends on. Each carries a
 * message for people and whether the call may succeed if tried again.
 */
import { Schema } from "effect"

/** plex.tv failed or answered something unexpected (a 404/410 is this, never "gone"). */
export class PlexAccountError extends Schema.TaggedError<PlexAccountError>()("PlexAccountError", {
  operation: Schema.String,
  message: Schema.String,
  status: Schema.optional(Schema.Number),
  retryable: Schema.Boolean
}) {}

/** The activity source (Tautulli) failed or answered something unexpected. */
export class ActivitySourceError extends Schema.TaggedError<ActivitySourceError>()("ActivitySourceError", {
  operation: Schema.String,
  message: Schema.String,
  status: Schema.optional(Schema.Number),
  retryable: Schema.Boolean
}) {}

/** A notice (mail or chat message) could not be delivered. */
export class NoticeError extends Schema.TaggedError<NoticeError>()("NoticeError", {
  channel: Schema.Literal("email", "chat"),
  message: Schema.String,
  retryable: Schema.Boolean
}) {}

/** The policy is invalid; `field` names the setting. */
export class InvalidPolicy extends Schema.TaggedError<InvalidPolicy>()("InvalidPolicy", {
  field: Schema.String,
  message: Schema.String
}) {}
