/**
 * The platform API's errors: one JSON shape for every failure,
 * `{ "error": { "code", "message" } }`, with a stable `code` to branch on and
 * the status that fits. Each class carries its status; `toApiError` maps the
 * domains' errors onto them, and `ErrorEnvelope` puts what the serving kit
 * answers (an unknown route, a body too large, a malformed one) in the same shape.
 */
import { HttpApiSchema } from "@effect/platform"
import { Effect, Schema } from "effect"

export const ErrorBody = Schema.Struct({
  code: Schema.String.annotations({ description: "Stable, snake_case: branch on it." }),
  message: Schema.String.annotations({ description: "For people; may change." }),
  retry_after: Schema.optional(
    Schema.Int.annotations({ description: "Seconds, as the Retry-After header." })
  ),
  balance: Schema.optional(
    Schema.Number.annotations({ description: "Not enough credits: the balance now." })
  ),
  price: Schema.optional(Schema.Number.annotations({ description: "Not enough credits: what it costs." }))
}).annotations({ identifier: "ErrorBody" })
export type ErrorBody = typeof ErrorBody.Type

/**
 * Each error is a tagged class (so one status's error is told from another's
 * when encoded, and a typed client gets the class back), and `schema` is its
 * wire form, `{ error }` with its status: what endpoints declare.
 */
const errorClass = <const Name extends string>(name: Name) =>
  Schema.TaggedError<{ readonly _tag: Name; readonly error: ErrorBody }>()(name, { error: ErrorBody })

const wire = <A, I extends { readonly _tag: string }>(
  cls: Schema.Schema<A, I>,
  name: I["_tag"],
  status: number,
  description: string
) =>
  Schema.transform(Schema.Struct({ error: ErrorBody }), cls, {
    strict: false,
    decode: ({ error }) => ({ _tag: name, error }),
    encode: (encoded) => ({
      error: (encoded as unknown as { readonly error: typeof ErrorBody.Encoded }).error
    })
  }).annotations({ identifier: name, description, ...HttpApiSchema.annotations({ status }) })

export class ValidationFailed extends errorClass("ValidationFailed") {
  static readonly schema = wire(
    ValidationFailed,
    "ValidationFailed",
    400,
    "The request is malformed or a field is invalid (`validation_error`)."
  )
}
export class Unauthenticated extends errorClass("Unauthenticated") {
  static readonly schema = wire(
    Unauthenticated,
    "Unauthenticated",
    401,
    "No valid access token, or wrong credentials."
  )
}
export class Forbidden extends errorClass("Forbidden") {
  static readonly schema = wire(
    Forbidden,
    "Forbidden",
    403,
    "The caller may not do this (a kids profile, a role, a PIN)."
  )
}
export class NotFound extends errorClass("NotFound") {
  static readonly schema = wire(
    NotFound,
    "NotFound",
    404,
    "No such resource, or not the caller's: the two are one answer."
  )
}
export class Conflict extends errorClass("Conflict") {
  static readonly schema = wire(
    Conflict,
    "Conflict",
    409,
    "The change conflicts with what exists (an email, a name)."
  )
}
export class BusinessRule extends errorClass("BusinessRule") {
  static readonly schema = wire(
    BusinessRule,
    "BusinessRule",
    422,
    "A rule of the account refuses it (a plan limit, the last profile)."
  )
}
export class TooManyRequests extends errorClass("TooManyRequests") {
  static readonly schema = wire(
    TooManyRequests,
    "TooManyRequests",
    429,
    "Too many attempts: wait `retry_after` seconds."
  )
}
export class PaymentRequired extends errorClass("PaymentRequired") {
  static readonly schema = wire(
    PaymentRequired,
    "PaymentRequired",
    402,
    "Not enough credits (`insufficient_credits`, with `balance` and `price`): nothing was created."
  )
}
export class BadGateway extends errorClass("BadGateway") {
  static readonly schema = wire(
    BadGateway,
    "BadGateway",
    502,
    "The payment provider refused or failed the request (`payment_provider_error`)."
  )
}
export class Unavailable extends errorClass("Unavailable") {
  static readonly schema = wire(
    Unavailable,
    "Unavailable",
    503,
    "The database or the payment provider is not answering: retry after `retry_after` seconds."
  )
}

export type ApiError =
  | ValidationFailed
  | Unauthenticated
  | PaymentRequired
  | Forbidden
  | NotFound
  | Conflict
  | BusinessRule
  | TooManyRequests
  | BadGateway
  | Unavailable

/** The domain errors' codes and statuses, by tag. */
const domainCodes: Record<string, readonly [status: number, code: string]> = {
  InvalidInput: [400, "validation_error"],
  InvalidCredentials: [401, "invalid_credentials"],
  NotAuthenticated: [401, "unauthorized"],
  RefreshTokenInvalid: [401, "invalid_refresh_token"],
  RefreshTokenReused: [401, "refresh_token_reused"],
  KidsProfileRestricted: [403, "kids_profile_restricted"],
  RoleRequired: [403, "forbidden"],
  PinRequired: [403, "pin_required"],
  InvalidPin: [403, "invalid_pin"],
  UserNotFound: [404, "not_found"],
  ProfileNotFound: [404, "not_found"],
  PlanNotFound: [404, "not_found"],
  PlaylistNotFound: [404, "not_found"],
  FavoriteNotFound: [404, "not_found"],
  ProgressNotFound: [404, "not_found"],
  EmailTaken: [409, "email_taken"],
  ProfileNameTaken: [409, "profile_name_taken"],
  PlanConflict: [409, "plan_conflict"],
  PlanLimitReached: [422, "plan_limit_reached"],
  LastProfile: [422, "last_profile"],
  PinLocked: [429, "pin_locked"],
  StoreUnavailable: [503, "service_unavailable"],
  PlanNotForSale: [400, "plan_not_for_sale"],
  RedirectNotAllowed: [400, "redirect_not_allowed"],
  WebhookRejected: [400, "invalid_signature"],
  AlreadySubscribed: [409, "already_subscribed"],
  NoPaidSubscription: [409, "no_paid_subscription"],
  NoBillingAccount: [409, "no_billing_account"],
  PaymentProviderRejected: [502, "payment_provider_error"],
  PaymentProviderUnavailable: [503, "payment_provider_unavailable"],
  InsufficientCredits: [402, "insufficient_credits"],
  ClientNotFound: [404, "not_found"],
  TransferConflict: [409, "transfer_conflict"]
}

const classes: Record<number, new (props: { readonly error: ErrorBody }) => ApiError> = {
  400: ValidationFailed,
  401: Unauthenticated,
  402: PaymentRequired,
  403: Forbidden,
  404: NotFound,
  409: Conflict,
  422: BusinessRule,
  429: TooManyRequests,
  502: BadGateway,
  503: Unavailable
}

/** A domain error (anything with `_tag` and `message`) as the API error a client can act on. */
export const toApiError = (error: {
  readonly _tag: string
  readonly message: string
  readonly retryAfterSeconds?: number
  readonly balance?: number
  readonly price?: number
}): ApiError => {
  const [status, code] = domainCodes[error._tag] ?? [400, "bad_request"]
  if (status === 401 && error._tag === "NotAuthenticated" && error.message.includes("expired")) {
    return new Unauthenticated({ error: { code: "token_expired", message: error.message } })
  }
  const Class = classes[status] ?? ValidationFailed
  return new Class({
    error: {
      code,
      message: error.message,
      ...(error.retryAfterSeconds === undefined ? {} : { retry_after: error.retryAfterSeconds }),
      ...(status === 402 && error.balance !== undefined && error.price !== undefined
        ? { balance: error.balance, price: error.price }
        : {})
    }
  })
}

/** The API error each domain error becomes, by tag (for the handlers' types). */
export type ApiErrorOf<E> = E extends {
  readonly _tag: "InvalidInput" | "PlanNotForSale" | "RedirectNotAllowed" | "WebhookRejected"
}
  ? ValidationFailed
  : E extends {
        readonly _tag:
          | "InvalidCredentials"
          | "NotAuthenticated"
          | "RefreshTokenInvalid"
          | "RefreshTokenReused"
      }
    ? Unauthenticated
    : E extends { readonly _tag: "KidsProfileRestricted" | "RoleRequired" | "PinRequired" | "InvalidPin" }
      ? Forbidden
      : E extends {
            readonly _tag:
              | "UserNotFound"
              | "ProfileNotFound"
              | "PlanNotFound"
              | "PlaylistNotFound"
              | "FavoriteNotFound"
              | "ProgressNotFound"
              | "ClientNotFound"
          }
        ? NotFound
        : E extends {
              readonly _tag:
                | "EmailTaken"
                | "ProfileNameTaken"
                | "PlanConflict"
                | "AlreadySubscribed"
                | "NoPaidSubscription"
                | "NoBillingAccount"
                | "TransferConflict"
            }
          ? Conflict
          : E extends { readonly _tag: "PlanLimitReached" | "LastProfile" }
            ? BusinessRule
            : E extends { readonly _tag: "PinLocked" }
              ? TooManyRequests
              : E extends { readonly _tag: "StoreUnavailable" | "PaymentProviderUnavailable" }
                ? Unavailable
                : E extends { readonly _tag: "PaymentProviderRejected" }
                  ? BadGateway
                  : E extends { readonly _tag: "InsufficientCredits" }
                    ? PaymentRequired
                    : ValidationFailed

/** Run a domain program, its failures as API errors. */
export const apiErrors = <A, E extends { readonly _tag: string; readonly message: string }, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, ApiErrorOf<E>, R> =>
  Effect.mapError(effect, (error) => toApiError(error) as ApiErrorOf<E>)
