/**
 * Who calls: the `Authentication` middleware reads the bearer access token and
 * provides the `CurrentCaller`, so handlers never parse headers. The policies
 * (an adult session, the admin role) are the accounts domain's
 * (`requireAdult`, `requireAdmin`).
 */
import { HttpApiMiddleware, HttpApiSecurity } from "@effect/platform"
import { authenticate, type Caller } from "@org/accounts"
import { TokenSigner } from "@org/core"
import { Context, Effect, Layer, Redacted } from "effect"
import { toApiError, Unauthenticated } from "./Errors.js"

export class CurrentCaller extends Context.Tag("@org/http/platform/CurrentCaller")<CurrentCaller, Caller>() {}

export class Authentication extends HttpApiMiddleware.Tag<Authentication>()(
  "@org/http/platform/Authentication",
  {
    failure: Unauthenticated.schema,
    provides: CurrentCaller,
    security: { bearer: HttpApiSecurity.bearer }
  }
) {}

/** The bearer check over the app's `TokenSigner`. */
export const AuthenticationLive: Layer.Layer<Authentication, never, TokenSigner> = Layer.effect(
  Authentication,
  Effect.gen(function* () {
    const signer = yield* TokenSigner
    return Authentication.of({
      bearer: (token) =>
        authenticate(Redacted.value(token)).pipe(
          Effect.provideService(TokenSigner, signer),
          Effect.mapError((error) => toApiError(error) as Unauthenticated)
        )
    })
  })
)
