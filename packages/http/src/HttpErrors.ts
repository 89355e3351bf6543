/**
 * The errors every API of the SDK shares. Each is JSON `{ _tag, message }` and
 * carries its status (`HttpApiSchema` annotations), so an endpoint that declares
 * it answers with that status and the OpenAPI document says so: no central
 * switch. A domain declares its own (`NotFound` with the resources it knows, …)
 * the same way, in its folder.
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

export class BadRequest extends Schema.TaggedError<BadRequest>()(
  "BadRequest",
  { message: Schema.String },
  HttpApiSchema.annotations({
    status: 400,
    description: "The request is malformed; `message` says what to fix."
  })
) {}

export class Unauthorized extends Schema.TaggedError<Unauthorized>()(
  "Unauthorized",
  { message: Schema.String },
  HttpApiSchema.annotations({
    status: 401,
    description: "The `Authorization: Bearer <token>` header is missing or wrong."
  })
) {}

export class Forbidden extends Schema.TaggedError<Forbidden>()(
  "Forbidden",
  { message: Schema.String },
  HttpApiSchema.annotations({
    status: 403,
    description: "The endpoint is closed: the server has no token configured for it."
  })
) {}

export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()(
  "PayloadTooLarge",
  { message: Schema.String, limit: Schema.Int },
  HttpApiSchema.annotations({ status: 413, description: "The body is larger than the server accepts." })
) {}

export class UnsupportedMediaType extends Schema.TaggedError<UnsupportedMediaType>()(
  "UnsupportedMediaType",
  { message: Schema.String },
  HttpApiSchema.annotations({
    status: 415,
    description: "The body's content type is not one this endpoint reads; `message` lists those it does."
  })
) {}

export class ServiceUnavailable extends Schema.TaggedError<ServiceUnavailable>()(
  "ServiceUnavailable",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 503, description: "The database does not answer." })
) {}

export class TooManyRequests extends Schema.TaggedError<TooManyRequests>()(
  "TooManyRequests",
  { message: Schema.String, retryAfter: Schema.Int },
  HttpApiSchema.annotations({
    status: 429,
    description:
      "This client sent too many requests; try again after `retryAfter` seconds (also `Retry-After`)."
  })
) {}
