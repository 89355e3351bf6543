import { describe, expect, it } from "@effect/vitest"
import { randomToken, randomUuid } from "@org/core"
import { SecureRandomNode } from "@org/crypto"
import { Effect } from "effect"

describe("SecureRandomNode", () => {
  it.effect("makes RFC 9562 version 4 UUIDs that do not repeat", () =>
    Effect.gen(function* () {
      const ids = yield* Effect.replicateEffect(randomUuid, 1000)
      for (const id of ids)
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      expect(new Set(ids).size).toBe(1000)
    }).pipe(Effect.provide(SecureRandomNode))
  )

  it.effect("makes 256-bit URL-safe tokens with the spread of a CSPRNG", () =>
    Effect.gen(function* () {
      const tokens = yield* Effect.replicateEffect(randomToken(32), 200)
      for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(new Set(tokens).size).toBe(200)
      // Every base64url character position should vary across 200 tokens.
      const firstChars = new Set(tokens.map((t) => t[0]))
      expect(firstChars.size).toBeGreaterThan(20)
    }).pipe(Effect.provide(SecureRandomNode))
  )
})
