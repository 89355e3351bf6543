/**
 * `TokenSigner` as HS256 JWTs with `jose`. The algorithm is pinned on both
 * sides (a token saying `alg: none` or `RS256` is refused), as are the issuer
 * and audience; the caller's clock decides expiry.
 */
import { type ClaimValue, TokenRejected, TokenSigner } from "@org/core"
import { Data, DateTime, Effect, Layer, Redacted } from "effect"
import { errors, jwtVerify, SignJWT } from "jose"

export interface TokenSignerJoseOptions {
  /** At least 32 bytes of secret; HS256 keys shorter than the hash are refused. */
  readonly secret: Redacted.Redacted<string> | Redacted.Redacted<Uint8Array>
  /** `iss`, checked on verify. Default `org-sdk`. */
  readonly issuer?: string
  /** `aud`, checked on verify. Default `org-sdk`. */
  readonly audience?: string
}

const ALGORITHM = "HS256"
const reserved = new Set(["sub", "iat", "exp", "nbf", "iss", "aud", "jti"])

export class TokenSecretTooShort extends Data.TaggedError("TokenSecretTooShort")<{
  readonly length: number
}> {
  override get message(): string {
    return `The token signing secret has ${this.length} bytes; it needs at least 32 (openssl rand -base64 48).`
  }
}

export const makeTokenSignerJose = (options: TokenSignerJoseOptions) => {
  const raw: string | Uint8Array = Redacted.value(options.secret as Redacted.Redacted<string | Uint8Array>)
  const key = typeof raw === "string" ? new TextEncoder().encode(raw) : raw
  if (key.byteLength < 32) throw new TokenSecretTooShort({ length: key.byteLength })
  const issuer = options.issuer ?? "org-sdk"
  const audience = options.audience ?? "org-sdk"
  return TokenSigner.of({
    sign: (token) =>
      Effect.promise(() =>
        new SignJWT({ ...token.claims })
          .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
          .setSubject(token.subject)
          .setIssuer(issuer)
          .setAudience(audience)
          .setIssuedAt(Math.floor(token.issuedAt.epochMillis / 1000))
          .setExpirationTime(Math.floor(token.expiresAt.epochMillis / 1000))
          .sign(key)
      ),
    verify: (token, now) =>
      Effect.tryPromise({
        try: () =>
          jwtVerify(token, key, {
            algorithms: [ALGORITHM],
            issuer,
            audience,
            currentDate: DateTime.toDate(now),
            requiredClaims: ["sub", "iat", "exp"]
          }),
        catch: (error) =>
          new TokenRejected({
            reason:
              error instanceof errors.JWTExpired
                ? "expired"
                : error instanceof errors.JWSSignatureVerificationFailed
                  ? "signature"
                  : error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported
                    ? "algorithm"
                    : error instanceof errors.JWTClaimValidationFailed
                      ? "claims"
                      : "malformed"
          })
      }).pipe(
        Effect.flatMap(({ payload }) => {
          const claims: Record<string, ClaimValue> = {}
          for (const [name, value] of Object.entries(payload)) {
            if (reserved.has(name)) continue
            if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
              claims[name] = value
          }
          return typeof payload.sub === "string" &&
            typeof payload.iat === "number" &&
            typeof payload.exp === "number"
            ? Effect.succeed({
                subject: payload.sub,
                claims,
                issuedAt: DateTime.unsafeMake(payload.iat * 1000),
                expiresAt: DateTime.unsafeMake(payload.exp * 1000)
              })
            : Effect.fail(new TokenRejected({ reason: "claims" }))
        })
      )
  })
}

export const TokenSignerJose = {
  /** HS256 JWTs under `secret`; fails with `TokenSecretTooShort` when it is under 32 bytes. */
  layer: (options: TokenSignerJoseOptions): Layer.Layer<TokenSigner, TokenSecretTooShort> =>
    Layer.effect(
      TokenSigner,
      Effect.try({
        try: () => makeTokenSignerJose(options),
        catch: (error) =>
          error instanceof TokenSecretTooShort ? error : new TokenSecretTooShort({ length: 0 })
      })
    )
}
