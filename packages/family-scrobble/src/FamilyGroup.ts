/**
 * A family group: one shared Plex account whose playback is scrobbled to every
 * authorized member's Trakt account. An individual account is a group of one.
 */
import { Schema } from "effect"
import { FamilyGroupId, PlexUsername } from "./Ids.js"

export class FamilyGroup extends Schema.Class<FamilyGroup>("FamilyGroup")({
  id: FamilyGroupId,
  /** `Account.title` of the Plex account this group follows; unique, case-insensitive. */
  plexUsername: PlexUsername,
  createdAt: Schema.DateTimeUtc
}) {}
