/**
 * The bytes the body guard read for a request, on the request it hands on:
 * `readBodyWithin` takes them from there instead of reading the body again.
 *
 * @internal
 */
import type { HttpServerRequest } from "@effect/platform"

export const BodyRead: unique symbol = Symbol.for("@org/http/BodyRead")

/** The bytes the guard read for `request`, if it did. */
export const bodyReadOf = (request: HttpServerRequest.HttpServerRequest): Buffer | undefined =>
  (request as unknown as { readonly [BodyRead]?: Buffer })[BodyRead]
