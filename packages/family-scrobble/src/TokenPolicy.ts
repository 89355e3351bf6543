/**
 * When to refresh a member's Trakt token. Lifetimes have been 3 months, 24 hours
 * and 7 days; the policy reads the lifetime from the token itself and refreshes
 * ahead by the smaller of a fraction of it (10 %) and a cap (1 hour), so a fresh
 * token is never refreshed again on the next webhook.
 */
import { DateTime, Duration } from "effect"
import type { FamilySettings } from "./Config.js"
import type { TraktTokens } from "./GroupMember.js"

type TokenSettings = Pick<FamilySettings, "tokenRefreshMaxMargin" | "tokenRefreshMarginFraction">

/** `expiresAt` from Trakt's `created_at` (epoch seconds) and `expires_in` (seconds). */
export const tokenExpiry = (createdAtSeconds: number, expiresInSeconds: number): DateTime.Utc =>
  DateTime.unsafeMake((createdAtSeconds + expiresInSeconds) * 1000)

/** How long before expiry a token is refreshed. */
export const refreshMargin = (tokens: TraktTokens, settings: TokenSettings): Duration.Duration =>
  Duration.min(
    Duration.millis(Math.max(0, tokens.lifetimeMillis) * settings.tokenRefreshMarginFraction),
    settings.tokenRefreshMaxMargin
  )

/** The moment from which the token should be refreshed. */
export const refreshDueAt = (tokens: TraktTokens, settings: TokenSettings): DateTime.Utc =>
  DateTime.subtractDuration(tokens.expiresAt, refreshMargin(tokens, settings))

export const needsRefresh = (tokens: TraktTokens, now: DateTime.Utc, settings: TokenSettings): boolean =>
  DateTime.greaterThanOrEqualTo(now, refreshDueAt(tokens, settings))

export const isExpired = (tokens: TraktTokens, now: DateTime.Utc): boolean =>
  DateTime.greaterThanOrEqualTo(now, tokens.expiresAt)
