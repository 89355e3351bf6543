/**
 * Port: unguessable randomness, for ids and OAuth states.
 *
 * The core never reads randomness itself. Production provides a layer backed by
 * the platform's CSPRNG (`@org/crypto`); tests use a seeded, deterministic one
 * (`@org/core/testing`).
 */
import { Context, Effect, Encoding } from "effect"

export interface SecureRandomService {
  /** `size` bytes from a cryptographically secure source. */
  readonly bytes: (size: number) => Effect.Effect<Uint8Array>
}

export class SecureRandom extends Context.Tag("@org/core/SecureRandom")<
  SecureRandom,
  SecureRandomService
>() {}

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")

/** A random RFC 9562 version 4 UUID. */
export const randomUuid: Effect.Effect<string, never, SecureRandom> = Effect.flatMap(SecureRandom, (random) =>
  random.bytes(16)
).pipe(
  Effect.map((source) => {
    const b = Uint8Array.from(source)
    b[6] = ((b[6] ?? 0) & 0x0f) | 0x40
    b[8] = ((b[8] ?? 0) & 0x3f) | 0x80
    const h = hex(b)
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
  })
)

/** A URL-safe token of `size` random bytes (default 32, i.e. 256 bits, 43 characters). */
export const randomToken = (size = 32): Effect.Effect<string, never, SecureRandom> =>
  Effect.flatMap(SecureRandom, (random) => random.bytes(size)).pipe(Effect.map(Encoding.encodeBase64Url))
