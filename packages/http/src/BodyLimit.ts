/**
 * Body limits, checked while reading: a body over the limit is refused with a
 * 413 that names the limit, before it is read in full.
 */
import { HttpIncomingMessage, HttpServerRequest } from "@effect/platform"
import { Effect, Option } from "effect"
import { bodyReadOf } from "./BodyRead.js"
import { BadRequest, PayloadTooLarge } from "./HttpErrors.js"

/**
 * Read the request's body up to `limit` bytes, as bytes with its content type;
 * `what` names it in the 413's message ("webhook body"). A declared length over
 * the limit is refused before reading; on Node the read stops at the limit
 * (`MaxBodySize`); elsewhere the body read is measured before it is used.
 */
export const readBodyWithin = (limit: number, what = "request body") =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const declared = Number(request.headers["content-length"] ?? Number.NaN)
    // Built only when needed: an error captures a stack trace.
    const tooLarge = () =>
      new PayloadTooLarge({ message: `The ${what} is larger than ${limit} bytes.`, limit })
    if (Number.isFinite(declared) && declared > limit) return yield* tooLarge()
    // Read already by the body guard, within its limit for this route: measured, not read again.
    const read = bodyReadOf(request)
    if (read !== undefined) {
      if (read.byteLength > limit) return yield* tooLarge()
      return {
        body: new Uint8Array(read.buffer, read.byteOffset, read.byteLength),
        contentType: request.headers["content-type"]
      }
    }
    const buffer = yield* HttpIncomingMessage.withMaxBodySize(request.arrayBuffer, Option.some(limit)).pipe(
      Effect.mapError((error) =>
        error.reason === "Decode" &&
        error.cause instanceof Error &&
        /max|limit|large/i.test(error.cause.message)
          ? tooLarge()
          : new BadRequest({ message: "The request body could not be read." })
      )
    )
    // A web-standard request has no `MaxBodySize` hook: what was read is measured here.
    if (buffer.byteLength > limit) return yield* tooLarge()
    return { body: new Uint8Array(buffer), contentType: request.headers["content-type"] }
  })
