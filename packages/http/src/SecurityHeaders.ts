/**
 * The headers every API of the SDK answers with, and the answers for what an
 * API declaration does not cover: an unknown route (404) and a body that cannot
 * be parsed (400), both as JSON `{ _tag, message }`; a 5xx is logged with its
 * cause, and never shows it.
 */
import {
  HttpMiddleware,
  HttpServerError,
  HttpServerRequest,
  HttpServerResponse,
  Multipart
} from "@effect/platform"
import { logDebugWith } from "@org/core"
import { Cause, Effect, Option } from "effect"
import { urlPath } from "./UrlPath.js"

const contentSecurityPolicy =
  "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

const jsonError = (status: number, tag: string, message: string) =>
  HttpServerResponse.unsafeJson({ _tag: tag, message }, { status })

/**
 * What the API's own error encoding does not cover, as a response: an unknown
 * route (404) and a body that cannot be parsed (400) get a JSON `{ _tag, message }`;
 * anything else gets the platform's response, and a 5xx is logged with its cause.
 */
const failureResponse =
  (request: HttpServerRequest.HttpServerRequest, path: string) => (cause: Cause.Cause<unknown>) =>
    Effect.gen(function* () {
      const failure = Cause.failureOption(cause)
      if (Option.isSome(failure) && HttpServerError.isServerError(failure.value)) {
        if (failure.value._tag === "RouteNotFound") {
          return jsonError(
            404,
            "RouteNotFound",
            `Nothing is served at ${request.method} ${path}; the API is described at /docs.`
          )
        }
      }
      const error = Option.orElse(failure, () => Cause.dieOption(cause))
      if (
        Option.isSome(error) &&
        HttpServerError.isServerError(error.value) &&
        error.value._tag === "RequestError" &&
        error.value.reason === "Decode"
      ) {
        const contentType = request.headers["content-type"] ?? "application/json"
        return jsonError(
          400,
          "BadRequest",
          contentType.includes("json")
            ? "The request body is not valid JSON."
            : `The request body could not be read as ${contentType}.`
        )
      }
      if (Option.isSome(error) && error.value instanceof Multipart.MultipartError) {
        const reason = error.value.reason
        return reason === "BodyTooLarge" || reason === "FileTooLarge" || reason === "FieldTooLarge"
          ? jsonError(
              413,
              "PayloadTooLarge",
              "A part of the multipart body is larger than the server accepts."
            )
          : reason === "InternalError"
            ? jsonError(500, "InternalServerError", "The multipart body could not be stored.")
            : jsonError(400, "BadRequest", "The request body is not valid multipart/form-data.")
      }
      const [response] = yield* HttpServerError.causeResponse(cause)
      if (response.status >= 500 && !Cause.isInterruptedOnly(cause)) {
        yield* Effect.logError("request failed", cause).pipe(
          Effect.annotateLogs({ method: request.method, path, status: response.status })
        )
      }
      return response
    })

export interface SecurityHeadersOptions {
  /** Paths whose answers must never be cached (`cache-control: no-store`): tokens, codes. */
  readonly noStore?: ((path: string) => boolean) | undefined
  /** The realm named by `WWW-Authenticate` on a 401. Default `api`. */
  readonly bearerRealm?: string | undefined
}

/**
 * Headers on every response (a strict CSP, no sniffing, no referrer: callback
 * URLs carry OAuth codes), `WWW-Authenticate` on 401, and one log line per
 * request without its query string (which can hold a code or an id). Failures
 * are turned into responses here, so error responses carry the headers too.
 * Apply it to the app (`HttpApiBuilder.httpApp`), not as a server middleware: a
 * server middleware runs after the response is written.
 */
export const makeSecurityHeaders = (options: SecurityHeadersOptions = {}) =>
  HttpMiddleware.make((app) =>
    Effect.gen(function* () {
      const noStore = options.noStore ?? (() => false)
      const request = yield* HttpServerRequest.HttpServerRequest
      const path = urlPath(request.url)
      const response = yield* Effect.catchAllCause(app, failureResponse(request, path))
      const withHeaders = response.pipe(
        HttpServerResponse.setHeaders({
          "content-security-policy": contentSecurityPolicy,
          "x-content-type-options": "nosniff",
          "referrer-policy": "no-referrer",
          "x-frame-options": "DENY"
        }),
        (r) =>
          r.status === 401
            ? HttpServerResponse.setHeader(
                r,
                "www-authenticate",
                `Bearer realm="${options.bearerRealm ?? "api"}"`
              )
            : r,
        (r) => (noStore(path) ? HttpServerResponse.setHeader(r, "cache-control", "no-store") : r)
      )
      yield* logDebugWith("http request", { method: request.method, path, status: withHeaders.status })
      return withHeaders
    })
  )
