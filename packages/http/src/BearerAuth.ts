/**
 * Bearer tokens compared in constant time, and closed when none is configured:
 * what an admin or service endpoint checks before anything else.
 */
import { createHash, timingSafeEqual } from "node:crypto"
import { Effect, Option, Redacted } from "effect"
import { Forbidden, Unauthorized } from "./HttpErrors.js"

/** Equal in time independent of where the inputs differ, and of their lengths (both are hashed first). */
export const constantTimeEqual = (a: string, b: string): boolean =>
  timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest())

export interface BearerCheckMessages {
  /** Why the endpoint is closed when no token is configured (403). */
  readonly closed: string
  /** What to send when the token is missing or wrong (401). */
  readonly rejected: string
}

/**
 * Check a presented bearer token against the configured one: `Forbidden` when
 * none is configured (the endpoint is closed, whatever is sent), `Unauthorized`
 * when the one sent is empty or differs.
 */
export const checkBearer = (
  expected: Option.Option<Redacted.Redacted<string>>,
  presented: Redacted.Redacted<string>,
  messages: BearerCheckMessages
): Effect.Effect<void, Forbidden | Unauthorized> =>
  Option.match(expected, {
    onNone: () => Effect.fail(new Forbidden({ message: messages.closed })),
    onSome: (token) =>
      Redacted.value(presented).length > 0 &&
      constantTimeEqual(Redacted.value(presented), Redacted.value(token))
        ? Effect.void
        : Effect.fail(new Unauthorized({ message: messages.rejected }))
  })
