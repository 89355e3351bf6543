/**
 * The admin API's bearer check (`checkBearer` of the serving kit): constant
 * time, and closed when no token is set.
 */
import { Effect, Layer } from "effect"
import { checkBearer } from "../BearerAuth.js"
import { AdminAuth } from "./Api.js"
import { FamilyHttpConfig } from "./HttpConfig.js"

export const AdminAuthLive = Layer.effect(
  AdminAuth,
  Effect.gen(function* () {
    const { adminToken } = yield* FamilyHttpConfig
    return {
      bearer: (presented) =>
        checkBearer(adminToken, presented, {
          closed: "The admin API is closed: this server has no admin token configured (set ADMIN_TOKEN).",
          rejected:
            "Send the admin token as `Authorization: Bearer <token>`; the one sent is missing or wrong."
        })
    }
  })
)
