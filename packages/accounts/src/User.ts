/**
 * A user of the platform. The password hash is not part of it: stores keep it
 * beside the user and hand it out only to `login`, so no answer can carry it.
 */
import { Schema } from "effect"
import { Email, PlanId, Role, UserId } from "./Ids.js"

export class User extends Schema.Class<User>("User")({
  id: UserId,
  email: Email,
  fullName: Schema.String,
  role: Role,
  /** A BCP 47 tag, when the user chose one. */
  preferredLanguage: Schema.OptionFromSelf(Schema.String),
  /** The plan an admin assigned; none: the catalog's default plan. */
  planId: Schema.OptionFromSelf(PlanId),
  createdAt: Schema.DateTimeUtc
}) {}
