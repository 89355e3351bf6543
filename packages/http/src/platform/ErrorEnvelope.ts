/**
 * Every error of the platform API in one shape. The serving kit and the HTTP
 * layer answer some failures themselves (`{ _tag, message }`: an unknown route,
 * a body too large or not JSON, a field the declaration refuses); this puts
 * them in the API's `{ "error": { "code", "message" } }`, and adds
 * `Retry-After` where the body names one.
 */
import { HttpMiddleware, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"

/** The kit's tags as the API's codes. */
const kitCodes: Record<string, string> = {
  HttpApiDecodeError: "validation_error",
  BadRequest: "validation_error",
  RouteNotFound: "not_found",
  PayloadTooLarge: "payload_too_large",
  UnsupportedMediaType: "unsupported_media_type",
  TooManyRequests: "rate_limited",
  ServiceUnavailable: "service_unavailable",
  InternalServerError: "internal_error"
}

interface DecodeIssue {
  readonly path?: ReadonlyArray<unknown>
  readonly message?: string
}

/** A decode error's issues as one line: `$.email: Expected string, actual 1`. */
const describeIssues = (issues: ReadonlyArray<DecodeIssue>): string =>
  issues
    .slice(0, 10)
    .map((issue) => {
      const path = (issue.path ?? []).map(String).join(".")
      return path === "" ? (issue.message ?? "invalid") : `${path}: ${issue.message ?? "invalid"}`
    })
    .join("; ")

const decoder = new TextDecoder()

/** What an error without a body says, by status. */
const emptyBodies: Record<number, readonly [code: string, message: string]> = {
  404: ["not_found", "Nothing is served here."],
  405: ["method_not_allowed", "This method is not served here."],
  500: ["internal_error", "The server failed; the failure is logged."],
  503: ["service_unavailable", "The service is not available; try again shortly."]
}

export const errorEnvelope = HttpMiddleware.make((app) =>
  Effect.map(app, (response) => {
    if (response.status < 400) return response
    if (response.body._tag === "Empty") {
      const [code, message] = emptyBodies[response.status] ??
        (response.status >= 500 ? emptyBodies[500] : undefined) ?? ["bad_request", "The request failed."]
      return HttpServerResponse.unsafeJson(
        { error: { code, message } },
        { status: response.status, headers: response.headers }
      )
    }
    if (response.body._tag !== "Uint8Array") return response
    if (!(response.body.contentType ?? "").includes("json")) return response
    let parsed: unknown
    try {
      parsed = JSON.parse(decoder.decode(response.body.body))
    } catch {
      return response
    }
    const body = parsed as {
      readonly _tag?: unknown
      readonly message?: unknown
      readonly issues?: unknown
      readonly retryAfter?: unknown
      readonly error?: { readonly retry_after?: unknown }
    }
    const retryAfter =
      typeof body.error?.retry_after === "number"
        ? body.error.retry_after
        : typeof body.retryAfter === "number"
          ? body.retryAfter
          : undefined
    const withRetry = (r: HttpServerResponse.HttpServerResponse) =>
      retryAfter !== undefined && r.headers["retry-after"] === undefined
        ? HttpServerResponse.setHeader(r, "retry-after", String(retryAfter))
        : r
    if (typeof body.error === "object" && body.error !== null)
      return withRetry(
        body._tag === undefined
          ? response
          : HttpServerResponse.unsafeJson(
              { error: body.error },
              { status: response.status, headers: response.headers }
            )
      )
    if (typeof body._tag !== "string") return response
    const message =
      body._tag === "HttpApiDecodeError" && Array.isArray(body.issues) && body.issues.length > 0
        ? `Invalid request: ${describeIssues(body.issues as ReadonlyArray<DecodeIssue>)}`
        : typeof body.message === "string"
          ? body.message
          : "The request failed."
    const code = kitCodes[body._tag] ?? (response.status >= 500 ? "internal_error" : "bad_request")
    return withRetry(
      HttpServerResponse.unsafeJson(
        { error: { code, message, ...(retryAfter === undefined ? {} : { retry_after: retryAfter }) } },
        { status: response.status, headers: response.headers }
      )
    )
  })
)
