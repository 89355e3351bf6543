/**
 * `@org/family-scrobble`: one shared Plex account scrobbling to every family
 * member's Trakt account, as pure Effect programs over ports.
 *
 * @packageDocumentation
 */

// Programs
export * from "./Broadcast.js"
// Errors and settings
export * from "./Config.js"
export * from "./Errors.js"
// Model
export * from "./FamilyGroup.js"
// Process-local defaults
export * from "./FamilyScrobbleLocal.js"
export * from "./GroupMember.js"
// Rules
export * from "./GroupRules.js"
// Ports
export * from "./GroupStore.js"
export * from "./Groups.js"
export * from "./Ids.js"
export * from "./Invite.js"
export * from "./Invites.js"
export * from "./Leases.js"
export * from "./Locks.js"
export * from "./MediaIdentification.js"
export * from "./MediaRef.js"
export * from "./MemberPacer.js"
export * from "./memory/PlaybackSessionsInMemory.js"
export * from "./Notification.js"
export * from "./Notifications.js"
export * from "./OAuthStates.js"
export * from "./Onboarding.js"
export * from "./PlaybackEvent.js"
export * from "./PlaybackSession.js"
export * from "./PlexEvent.js"
export * from "./Progress.js"
export * from "./Retries.js"
export * from "./RetryItem.js"
export * from "./RetryPolicy.js"
export * from "./RetryQueue.js"
export * from "./ScrobbleAction.js"
export * from "./Telemetry.js"
export * from "./TokenPolicy.js"
export * from "./Tokens.js"
export * from "./TraktApi.js"
export * from "./Webhook.js"
export * from "./WebhookInbox.js"
