/**
 * `SecureRandom` from Node's CSPRNG (`crypto.randomFillSync`): unguessable ids
 * and OAuth states for production.
 */
import { randomFillSync } from "node:crypto"
import { SecureRandom } from "@org/core"
import { Effect, Layer } from "effect"

export const SecureRandomNode: Layer.Layer<SecureRandom> = Layer.succeed(
  SecureRandom,
  SecureRandom.of({ bytes: (size) => Effect.sync(() => randomFillSync(new Uint8Array(size))) })
)
