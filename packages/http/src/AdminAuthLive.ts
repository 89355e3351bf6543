/**
 * The admin API's bearer check: constant time, and closed when no token is set.
 */
import { createHash, timingSafeEqual } from "node:crypto"
import { Effect, Layer, Option, Redacted } from "effect"
import { AdminAuth } from "./Api.js"
import { FamilyHttpConfig } from "./HttpConfig.js"
import { Forbidden, Unauthorized } from "./HttpErrors.js"

/** Equal in time independent of where the inputs differ, and of their lengths (both are hashed first). */
export const constantTimeEqual = (a: string, b: string): boolean =>
  timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest())

export const AdminAuthLive = Layer.effect(
  AdminAuth,
  Effect.gen(function* () {
    const { adminToken } = yield* FamilyHttpConfig
    return {
      bearer: (presented) =>
        Option.match(adminToken, {
          onNone: () =>
            Effect.fail(
              new Forbidden({
                message:
                  "The admin API is closed: this server has no admin token configured (set ADMIN_TOKEN)."
              })
            ),
          onSome: (expected) =>
            Redacted.value(presented).length > 0 &&
            constantTimeEqual(Redacted.value(presented), Redacted.value(expected))
              ? Effect.void
              : Effect.fail(
                  new Unauthorized({
                    message:
                      "Send the admin token as `Authorization: Bearer <token>`; the one sent is missing or wrong."
                  })
                )
        })
    }
  })
)
