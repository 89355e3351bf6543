/**
 * Fast, deterministic stand-ins for the hashing and signing ports, for tests
 * only: they keep the ports' contracts (a hash never contains its secret, a
 * token with a changed claim or from another key is refused, expiry holds) but
 * are not cryptographic. Production uses `@org/crypto`.
 */
import { DateTime, Effect, Encoding, Layer, Redacted } from "effect"
import { PasswordHasher } from "../PasswordHasher.js"
import { type ClaimValue, TokenRejected, TokenSigner } from "../TokenSigner.js"

/** cyrb53: a small 53-bit string hash, enough to tell test values apart. */
const cyrb53 = (text: string, seed = 0): string => {
  let h1 = 0xdeadbeef ^ seed
  let h2 = 0x41c6ce57 ^ seed
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ ch, 2654435761)
    h2 = Math.imul(h2 ^ ch, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36)
}

/** `PasswordHasher` as `fake$<hash>`: instant, and never the secret itself. */
export const PasswordHasherFake: Layer.Layer<PasswordHasher> = Layer.succeed(
  PasswordHasher,
  PasswordHasher.of({
    hash: (secret) => Effect.sync(() => `fake$${cyrb53(Redacted.value(secret))}`),
    verify: (hash, secret) => Effect.sync(() => hash === `fake$${cyrb53(Redacted.value(secret))}`)
  })
)

/** `TokenSigner` as `<base64url JSON>.<keyed hash>`: a changed claim or another key is refused. */
export const makeTokenSignerFake = (key = "test-key") =>
  TokenSigner.of({
    sign: (token) =>
      Effect.sync(() => {
        const body = Encoding.encodeBase64Url(
          JSON.stringify({
            sub: token.subject,
            iat: token.issuedAt.epochMillis,
            exp: token.expiresAt.epochMillis,
            claims: token.claims
          })
        )
        return `${body}.${cyrb53(body, key.length + cyrb53(key).length)}${cyrb53(key + body)}`
      }),
    verify: (token, now) =>
      Effect.gen(function* () {
        const [body, signature, extra] = token.split(".")
        if (body === undefined || signature === undefined || extra !== undefined)
          return yield* new TokenRejected({ reason: "malformed" })
        if (signature !== `${cyrb53(body, key.length + cyrb53(key).length)}${cyrb53(key + body)}`)
          return yield* new TokenRejected({ reason: "signature" })
        const decoded = Encoding.decodeBase64UrlString(body)
        if (decoded._tag === "Left") return yield* new TokenRejected({ reason: "malformed" })
        const payload = JSON.parse(decoded.right) as {
          sub: string
          iat: number
          exp: number
          claims: Record<string, ClaimValue>
        }
        if (payload.exp <= now.epochMillis) return yield* new TokenRejected({ reason: "expired" })
        return {
          subject: payload.sub,
          claims: payload.claims,
          issuedAt: DateTime.unsafeMake(payload.iat),
          expiresAt: DateTime.unsafeMake(payload.exp)
        }
      })
  })

export const TokenSignerFake = (key?: string): Layer.Layer<TokenSigner> =>
  Layer.succeed(TokenSigner, makeTokenSignerFake(key))
