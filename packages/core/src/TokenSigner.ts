/**
 * Port: signed, expiring tokens a server can verify without a lookup (access
 * tokens). The caller gives the times, so a test clock governs them; the
 * adapter pins the algorithm (`@org/crypto`'s `TokenSignerJose`, HS256 JWTs).
 *
 * @since 0.2.0
 */
import { Context, type DateTime, type Effect, Schema } from "effect"

/** Claim values a token may carry: plain JSON scalars. */
export type ClaimValue = string | number | boolean

/**
 * @since 0.2.0
 * @category models
 */
export interface TokenClaims {
  /** Whom the token is about (`sub`). */
  readonly subject: string
  /** Further claims; names are short (`role`, `pid`). */
  readonly claims: Readonly<Record<string, ClaimValue>>
  readonly issuedAt: DateTime.Utc
  readonly expiresAt: DateTime.Utc
}

/**
 * Why a token was refused. Callers answer every reason alike (401); the reason
 * is for logs and tests.
 *
 * @since 0.2.0
 * @category errors
 */
export class TokenRejected extends Schema.TaggedError<TokenRejected>()("TokenRejected", {
  reason: Schema.Literal("malformed", "signature", "algorithm", "expired", "claims")
}) {
  override get message(): string {
    return this.reason === "expired" ? "The token has expired." : "The token is not valid."
  }
}

/**
 * @since 0.2.0
 * @category models
 */
export interface TokenSignerService {
  readonly sign: (token: TokenClaims) => Effect.Effect<string>
  /** Check signature, algorithm, issuer and audience, and expiry at `now`. */
  readonly verify: (token: string, now: DateTime.Utc) => Effect.Effect<TokenClaims, TokenRejected>
}

/**
 * @since 0.2.0
 * @category tags
 */
export class TokenSigner extends Context.Tag("@org/core/TokenSigner")<TokenSigner, TokenSignerService>() {}
