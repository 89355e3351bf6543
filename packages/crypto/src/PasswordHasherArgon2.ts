/**
 * `PasswordHasher` with argon2id (`@node-rs/argon2`, prebuilt binaries from npm).
 * The defaults are OWASP's: 19 MiB of memory, 2 passes, 1 lane (about 12 ms a
 * hash on a small server); the work runs on libuv's thread pool, off the event loop.
 */
import { hash, verify } from "@node-rs/argon2"
import { PasswordHasher } from "@org/core"
import { Effect, Layer, Redacted } from "effect"

export interface Argon2Options {
  /** Memory in KiB. Default 19456 (19 MiB). */
  readonly memoryCost?: number
  /** Passes over the memory. Default 2. */
  readonly timeCost?: number
  /** Lanes. Default 1. */
  readonly parallelism?: number
}

/** argon2id, as `@node-rs/argon2` numbers it. */
const ARGON2ID = 2

export const makePasswordHasherArgon2 = (options: Argon2Options = {}) => {
  const parameters = {
    algorithm: ARGON2ID,
    memoryCost: options.memoryCost ?? 19_456,
    timeCost: options.timeCost ?? 2,
    parallelism: options.parallelism ?? 1
  } as const
  return PasswordHasher.of({
    hash: (secret) => Effect.promise(() => hash(Redacted.value(secret), parameters)),
    verify: (encoded, secret) =>
      Effect.promise(() => verify(encoded, Redacted.value(secret)).catch(() => false))
  })
}

export const PasswordHasherArgon2 = {
  /** argon2id with the given cost (OWASP's defaults otherwise). */
  layer: (options: Argon2Options = {}): Layer.Layer<PasswordHasher> =>
    Layer.sync(PasswordHasher, () => makePasswordHasherArgon2(options))
}
