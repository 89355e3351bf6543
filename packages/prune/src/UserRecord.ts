/**
 * What the engine remembers about one user between cycles.
 */
import type { DateTime, Option } from "effect"
import type { PlexUserKind } from "./PlexUser.js"

/**
 * - `pending`: a new user whose welcome is owed (the outbox);
 * - `sent`: welcomed;
 * - `not-needed`: recorded silently (already on the server when the engine started).
 */
export type WelcomeState = "pending" | "sent" | "not-needed"

export interface RemovalFailure {
  /** Failed attempts so far. */
  readonly attempts: number
  readonly lastError: string
  readonly lastAttemptAt: DateTime.Utc
  /** When the next attempt is due; none once the engine gave up. */
  readonly nextAttemptAt: Option.Option<DateTime.Utc>
  /** Set once the engine stopped trying (the admin was told). */
  readonly gaveUpAt: Option.Option<DateTime.Utc>
}

export interface UserRecord {
  readonly userId: string
  readonly username: string
  readonly email: string
  readonly kind: PlexUserKind
  /** When the engine first saw the user on this server. */
  readonly firstSeenAt: DateTime.Utc
  /**
   * When the user joined, where known: the engine saw them arrive, or plex.tv gave the
   * share's acceptance time. None for users recorded silently at the first run.
   */
  readonly joinedAt: Option.Option<DateTime.Utc>
  readonly welcome: WelcomeState
  readonly welcomedAt: Option.Option<DateTime.Utc>
  /** An outstanding warning: set when it was sent, cleared when the user watches again. */
  readonly warnedAt: Option.Option<DateTime.Utc>
  readonly removedAt: Option.Option<DateTime.Utc>
  readonly removalFailure: Option.Option<RemovalFailure>
}

/** The facts a new record starts from. */
export interface NewUser {
  readonly userId: string
  readonly username: string
  readonly email: string
  readonly kind: PlexUserKind
  readonly joinedAt: Option.Option<DateTime.Utc>
}
