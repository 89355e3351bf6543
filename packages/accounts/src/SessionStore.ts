/**
 * Port: sessions and their refresh tokens. A refresh token is single-use: it
 * rotates into the next one, and presenting a rotated token again means it
 * leaked, so the whole session ends. A store may keep only hashes of the tokens.
 */
import type { StoreUnavailable } from "@org/core"
import { Context, type DateTime, type Effect, type Option } from "effect"
import type { RefreshTokenInvalid, RefreshTokenReused } from "./Errors.js"
import type { ProfileId, SessionId, UserId } from "./Ids.js"

export interface Session {
  readonly id: SessionId
  readonly userId: UserId
  /** The profile selected in this session; refreshed access tokens keep it. */
  readonly profileId: Option.Option<ProfileId>
  readonly createdAt: DateTime.Utc
}

export interface IssuedRefreshToken {
  readonly token: string
  readonly expiresAt: DateTime.Utc
}

export interface SessionStoreService {
  readonly create: (session: Session, refresh: IssuedRefreshToken) => Effect.Effect<void, StoreUnavailable>
  /**
   * Exchange `presented` for `next`, atomically: `presented` must be the
   * session's current token, unexpired at `at`. A token already rotated revokes
   * the session (`RefreshTokenReused`).
   */
  readonly rotate: (
    presented: string,
    next: IssuedRefreshToken,
    at: DateTime.Utc
  ) => Effect.Effect<Session, RefreshTokenInvalid | RefreshTokenReused | StoreUnavailable>
  readonly selectProfile: (
    sessionId: SessionId,
    profileId: ProfileId
  ) => Effect.Effect<void, StoreUnavailable>
  /** End a session: its refresh tokens stop working. */
  readonly revoke: (sessionId: SessionId) => Effect.Effect<void, StoreUnavailable>
}

export class SessionStore extends Context.Tag("@org/accounts/SessionStore")<
  SessionStore,
  SessionStoreService
>() {}
