import { describe, expect, it } from "@effect/vitest"
import { Locks, PasswordHasher, randomToken, randomUuid, TokenSigner } from "@org/core"
import { PasswordHasherFake, SecureRandomSeeded, TokenSignerFake } from "@org/core/testing"
import { DateTime, Effect, Exit, Layer, Redacted, Ref } from "effect"

const env = Layer.merge(Locks.layerLocal, SecureRandomSeeded(7))

describe("@org/core", () => {
  it.effect("a seeded SecureRandom gives version 4 UUIDs and the same ones for the same seed", () =>
    Effect.gen(function* () {
      const first = yield* Effect.all([randomUuid, randomUuid]).pipe(Effect.provide(SecureRandomSeeded(7)))
      const again = yield* Effect.all([randomUuid, randomUuid]).pipe(Effect.provide(SecureRandomSeeded(7)))
      expect(first).toEqual(again)
      expect(first[0]).not.toEqual(first[1])
      for (const id of first)
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      expect(yield* randomToken(32).pipe(Effect.provide(SecureRandomSeeded(7)))).toMatch(
        /^[A-Za-z0-9_-]{43}$/
      )
    })
  )

  it.effect("local locks run holders of one key one at a time, and other keys at once", () =>
    Effect.gen(function* () {
      const locks = yield* Locks
      const inside = yield* Ref.make(0)
      const most = yield* Ref.make(0)
      const held = locks.withLock("k")(
        Effect.gen(function* () {
          const now = yield* Ref.updateAndGet(inside, (n) => n + 1)
          yield* Ref.update(most, (m) => Math.max(m, now))
          yield* Effect.yieldNow()
          yield* Ref.update(inside, (n) => n - 1)
        })
      )
      yield* Effect.all(
        Array.from({ length: 5 }, () => held),
        { concurrency: "unbounded" }
      )
      expect(yield* Ref.get(most)).toBe(1)
      const other = yield* locks.withLock("a")(locks.withLock("b")(Effect.succeed("nested keys")))
      expect(other).toBe("nested keys")
    }).pipe(Effect.provide(env))
  )

  it.effect("the fake hasher never holds the secret and verifies only the same one", () =>
    Effect.gen(function* () {
      const hasher = yield* PasswordHasher
      const hash = yield* hasher.hash(Redacted.make("1234"))
      expect(hash).not.toContain("1234")
      expect(yield* hasher.verify(hash, Redacted.make("1234"))).toBe(true)
      expect(yield* hasher.verify(hash, Redacted.make("1235"))).toBe(false)
    }).pipe(Effect.provide(PasswordHasherFake))
  )

  it.effect("the fake signer refuses a changed claim, another key and an expired token", () =>
    Effect.gen(function* () {
      const signer = yield* TokenSigner
      const at = (s: number) => DateTime.unsafeMake(1_800_000_000_000 + s * 1000)
      const token = yield* signer.sign({
        subject: "u",
        claims: { role: "user" },
        issuedAt: at(0),
        expiresAt: at(60)
      })
      expect((yield* signer.verify(token, at(1))).claims).toEqual({ role: "user" })
      const [body, signature] = token.split(".")
      const forged = `${Buffer.from(
        Buffer.from(body ?? "", "base64url")
          .toString()
          .replace("user", "admin")
      ).toString("base64url")}.${signature}`
      const reason = (exit: Exit.Exit<unknown, { reason: string }>) =>
        Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error.reason : "accepted"
      expect(reason(yield* Effect.exit(signer.verify(forged, at(1))))).toBe("signature")
      const other = yield* Effect.provide(
        Effect.flatMap(TokenSigner, (s) =>
          s.sign({ subject: "u", claims: {}, issuedAt: at(0), expiresAt: at(60) })
        ),
        TokenSignerFake("other")
      )
      expect(reason(yield* Effect.exit(signer.verify(other, at(1))))).toBe("signature")
      expect(reason(yield* Effect.exit(signer.verify(token, at(60))))).toBe("expired")
    }).pipe(Effect.provide(TokenSignerFake()))
  )
})
