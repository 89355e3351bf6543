/**
 * Branded identifiers and names of the family-scrobble domain.
 *
 * Values are decoded once at the edge (HTTP bodies, rows, webhooks) and trusted
 * inside: a `GroupMemberId` can never be passed where a `FamilyGroupId` is expected.
 */
import { Schema } from "effect"

/** Identifier of a family group (one shared Plex account). */
export const FamilyGroupId = Schema.UUID.pipe(Schema.brand("FamilyGroupId"))
export type FamilyGroupId = typeof FamilyGroupId.Type

/** Identifier of one member of a family group (one Trakt account). */
export const GroupMemberId = Schema.UUID.pipe(Schema.brand("GroupMemberId"))
export type GroupMemberId = typeof GroupMemberId.Type

/** Identifier of a notification raised for a group's admin. */
export const NotificationId = Schema.UUID.pipe(Schema.brand("NotificationId"))
export type NotificationId = typeof NotificationId.Type

/** Identifier of an invite (not its code, which only its holder knows). */
export const InviteId = Schema.UUID.pipe(Schema.brand("InviteId"))
export type InviteId = typeof InviteId.Type

/** Identifier of an item of the retry queue. */
export const RetryItemId = Schema.UUID.pipe(Schema.brand("RetryItemId"))
export type RetryItemId = typeof RetryItemId.Type

/** Identifier of one received playback event; every log line of its broadcast carries it. */
export const EventId = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(100), Schema.brand("EventId"))
export type EventId = typeof EventId.Type

/**
 * The Plex account name whose playback a group scrobbles (`Account.title` in Plex
 * webhooks). Unique across groups, compared case-insensitively.
 */
export const PlexUsername = Schema.String.pipe(
  Schema.trimmed({ message: () => "a Plex username has no leading or trailing spaces" }),
  Schema.minLength(1, { message: () => "a Plex username is required" }),
  Schema.maxLength(100, { message: () => "a Plex username has at most 100 characters" }),
  Schema.brand("PlexUsername")
)
export type PlexUsername = typeof PlexUsername.Type

/** The form of a Plex username used for uniqueness and routing. */
export const normalizePlexUsername = (name: string): string => name.trim().toLowerCase()

/** A Trakt account's username, as answered by `/users/settings`. */
export const TraktUsername = Schema.String.pipe(
  Schema.minLength(1),
  Schema.maxLength(100),
  Schema.brand("TraktUsername")
)
export type TraktUsername = typeof TraktUsername.Type

/** Trakt usernames are unique case-insensitively; this is the compared form. */
export const normalizeTraktUsername = (name: string): string => name.trim().toLowerCase()

/** What the household calls a member ("Mum", "Sam"). */
export const MemberLabel = Schema.String.pipe(
  Schema.trimmed({ message: () => "a member label has no leading or trailing spaces" }),
  Schema.minLength(1, { message: () => "a member label is required" }),
  Schema.maxLength(50, { message: () => "a member label has at most 50 characters" }),
  Schema.brand("MemberLabel")
)
export type MemberLabel = typeof MemberLabel.Type

/** The opaque, single-use `state` of one Trakt OAuth authorization. */
export const OAuthState = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9_-]{32,128}$/, {
    message: () => "an OAuth state is 32 to 128 URL-safe characters"
  }),
  Schema.brand("OAuthState")
)
export type OAuthState = typeof OAuthState.Type
