import { describe, expect, it } from "@effect/vitest"
import { Locks, randomToken, randomUuid } from "@org/core"
import { SecureRandomSeeded } from "@org/core/testing"
import { Effect, Layer, Ref } from "effect"

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
})
