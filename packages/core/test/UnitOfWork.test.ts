import { describe, expect, it } from "@effect/vitest"
import { Effect, Ref } from "effect"
import { atomically, UnitOfWork } from "../src/index.js"

describe("UnitOfWork.layerLocal", () => {
  it.effect("runs units one at a time, so a check and its write are never interleaved", () =>
    Effect.gen(function* () {
      const balance = yield* Ref.make(10)
      const spend = (amount: number) =>
        atomically(
          Effect.gen(function* () {
            const before = yield* Ref.get(balance)
            yield* Effect.yieldNow()
            if (before < amount) return false
            yield* Ref.set(balance, before - amount)
            return true
          })
        )
      const results = yield* Effect.all(
        Array.from({ length: 10 }, () => spend(3)),
        { concurrency: "unbounded" }
      )
      expect(results.filter(Boolean)).toHaveLength(3)
      expect(yield* Ref.get(balance)).toBe(1)
    }).pipe(Effect.provide(UnitOfWork.layerLocal))
  )

  it.effect("a unit inside a unit runs inside it instead of waiting for itself", () =>
    Effect.gen(function* () {
      const inner = yield* atomically(atomically(Effect.succeed("nested")))
      expect(inner).toBe("nested")
    }).pipe(Effect.provide(UnitOfWork.layerLocal))
  )
})
