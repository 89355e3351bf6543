/**
 * Port: one-way hashing of low-entropy secrets a person chooses (passwords,
 * PINs), slow on purpose. Production provides argon2id (`@org/crypto`); tests
 * use the fast fake in `@org/core/testing`.
 *
 * @since 0.2.0
 */
import { Context, type Effect, type Redacted } from "effect"

/**
 * @since 0.2.0
 * @category models
 */
export interface PasswordHasherService {
  /** A self-describing hash of `secret` (algorithm, parameters and salt included). */
  readonly hash: (secret: Redacted.Redacted<string>) => Effect.Effect<string>
  /** Whether `secret` matches `hash`. A malformed hash is simply no match. */
  readonly verify: (hash: string, secret: Redacted.Redacted<string>) => Effect.Effect<boolean>
}

/**
 * @since 0.2.0
 * @category tags
 */
export class PasswordHasher extends Context.Tag("@org/core/PasswordHasher")<
  PasswordHasher,
  PasswordHasherService
>() {}
