/**
 * A deterministic `SecureRandom` for tests: the same seed gives the same ids.
 * Never use it outside tests: its output is predictable by design.
 */
import { Effect, Layer } from "effect"
import { SecureRandom, type SecureRandomService } from "../SecureRandom.js"

/** splitmix32: tiny, fast, and good enough to make distinct test ids. */
export const makeSeededRandom = (seed = 0x5eed): SecureRandomService => {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x9e3779b9) >>> 0
    let z = state
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
  return {
    bytes: (size) =>
      Effect.sync(() => {
        const out = new Uint8Array(size)
        for (let i = 0; i < size; i++) out[i] = next() & 0xff
        return out
      })
  }
}

export const SecureRandomSeeded = (seed?: number): Layer.Layer<SecureRandom> =>
  Layer.sync(SecureRandom, () => makeSeededRandom(seed))
