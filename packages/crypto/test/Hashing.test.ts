import { describe, expect, it } from "@effect/vitest"
import { PasswordHasher, TokenSigner } from "@org/core"
import { DateTime, Effect, Encoding, Exit, Redacted } from "effect"
import { generateKeyPair, SignJWT } from "jose"
import { PasswordHasherArgon2, TokenSignerJose } from "../src/index.js"

const secret = Redacted.make("0123456789abcdef0123456789abcdef-signing")
const at = (seconds: number) => DateTime.unsafeMake(1_800_000_000_000 + seconds * 1000)
const token = (subject = "user-1") => ({
  subject,
  claims: { role: "user", pid: "profile-1", kids: false },
  issuedAt: at(0),
  expiresAt: at(900)
})
const rejection = (exit: Exit.Exit<unknown, { reason: string }>) =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error.reason : "accepted"

describe("PasswordHasherArgon2", () => {
  it.effect("hashes with argon2id, salted, and verifies only the same secret", () =>
    Effect.gen(function* () {
      const hasher = yield* PasswordHasher
      const first = yield* hasher.hash(Redacted.make("securePass123"))
      const second = yield* hasher.hash(Redacted.make("securePass123"))
      expect(first).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
      expect(first).not.toBe(second)
      expect(first).not.toContain("securePass123")
      expect(yield* hasher.verify(first, Redacted.make("securePass123"))).toBe(true)
      expect(yield* hasher.verify(first, Redacted.make("securePass124"))).toBe(false)
      expect(yield* hasher.verify("not a hash", Redacted.make("securePass123"))).toBe(false)
    }).pipe(Effect.provide(PasswordHasherArgon2.layer()))
  )
})

describe("TokenSignerJose", () => {
  it.effect("signs HS256 JWTs whose claims read back, and refuses them once expired", () =>
    Effect.gen(function* () {
      const signer = yield* TokenSigner
      const jwt = yield* signer.sign(token())
      const [header] = jwt.split(".")
      expect(
        JSON.parse(
          Encoding.decodeBase64UrlString(header ?? "").pipe((e) => (e._tag === "Right" ? e.right : ""))
        )
      ).toEqual({
        alg: "HS256",
        typ: "JWT"
      })
      const verified = yield* signer.verify(jwt, at(10))
      expect(verified.subject).toBe("user-1")
      expect(verified.claims).toEqual({ role: "user", pid: "profile-1", kids: false })
      expect(verified.expiresAt).toEqual(at(900))
      expect(rejection(yield* Effect.exit(signer.verify(jwt, at(900))))).toBe("expired")
    }).pipe(Effect.provide(TokenSignerJose.layer({ secret })))
  )

  it.effect("refuses alg none, another key, another algorithm, a changed claim and garbage", () =>
    Effect.gen(function* () {
      const signer = yield* TokenSigner
      const jwt = yield* signer.sign(token())
      const [, payload, signature] = jwt.split(".") as [string, string, string]
      const none = `${Encoding.encodeBase64Url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${payload}.`
      expect(rejection(yield* Effect.exit(signer.verify(none, at(1))))).not.toBe("accepted")

      const claims = JSON.parse(
        Encoding.decodeBase64UrlString(payload).pipe((e) => (e._tag === "Right" ? e.right : "{}"))
      ) as Record<string, unknown>
      const forged = `${jwt.split(".")[0]}.${Encoding.encodeBase64Url(JSON.stringify({ ...claims, role: "admin" }))}.${signature}`
      expect(rejection(yield* Effect.exit(signer.verify(forged, at(1))))).toBe("signature")

      const other = yield* Effect.provide(
        Effect.flatMap(TokenSigner, (s) => s.sign(token())),
        TokenSignerJose.layer({ secret: Redacted.make("another-secret-of-at-least-32-bytes!!") })
      )
      expect(rejection(yield* Effect.exit(signer.verify(other, at(1))))).toBe("signature")

      const { privateKey } = yield* Effect.promise(() => generateKeyPair("RS256"))
      const rs256 = yield* Effect.promise(() =>
        new SignJWT({ role: "admin" })
          .setProtectedHeader({ alg: "RS256" })
          .setSubject("user-1")
          .setIssuer("org-sdk")
          .setAudience("org-sdk")
          .setIssuedAt(1_800_000_000)
          .setExpirationTime(1_800_000_900)
          .sign(privateKey)
      )
      expect(rejection(yield* Effect.exit(signer.verify(rs256, at(1))))).toBe("algorithm")
      expect(rejection(yield* Effect.exit(signer.verify("garbage", at(1))))).toBe("malformed")
    }).pipe(Effect.provide(TokenSignerJose.layer({ secret })))
  )

  it.effect("refuses a secret shorter than 32 bytes", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(
        Effect.provide(TokenSigner, TokenSignerJose.layer({ secret: Redacted.make("short") }))
      )
      expect(exit._tag).toBe("Failure")
      expect(String(Exit.isFailure(exit) ? exit.cause : "")).toContain("at least 32")
    })
  )
})
