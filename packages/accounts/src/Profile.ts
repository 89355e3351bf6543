/**
 * A profile of an account: who is watching. A kids profile limits what its
 * session may do; a PIN (on any profile) guards selecting it. The PIN's hash
 * stays in the store; a profile only says whether it has one.
 */
import { Schema } from "effect"
import { ProfileId, UserId } from "./Ids.js"

export class Profile extends Schema.Class<Profile>("Profile")({
  id: ProfileId,
  userId: UserId,
  name: Schema.String,
  avatarUrl: Schema.OptionFromSelf(Schema.String),
  isKids: Schema.Boolean,
  hasPin: Schema.Boolean,
  /** The profile made with the account. */
  isDefault: Schema.Boolean,
  createdAt: Schema.DateTimeUtc
}) {}
