/**
 * Why a webhook request could not be decoded. Each error carries the data a
 * caller needs (to log it, or to pick an HTTP status) and a `message` a person
 * can act on.
 */
import { Schema } from "effect"

const formatBytes = (bytes: number): string =>
  bytes >= 1024 * 1024
    ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB`
    : bytes >= 1024
      ? `${(bytes / 1024).toFixed(1)} KiB`
      : `${bytes} bytes`

/**
 * The body (or its `payload` field) is over the configured limit. Checked before
 * parsing: nothing of an oversize body is parsed. Answer with HTTP 413.
 *
 * `size` is the size seen when the body was rejected: the whole body, its
 * `Content-Length`, or, for a streamed body, the bytes read before reading stopped.
 */
export class WebhookTooLarge extends Schema.TaggedError<WebhookTooLarge>()("WebhookTooLarge", {
  /** `body`: the whole request body (`maxBodyBytes`); `payload`: the JSON payload (`maxPayloadBytes`). */
  part: Schema.Literal("body", "payload"),
  limit: Schema.Number,
  size: Schema.Number
}) {
  override get message(): string {
    const what = this.part === "body" ? "webhook body" : "webhook's `payload` JSON"
    const option = this.part === "body" ? "maxBodyBytes" : "maxPayloadBytes"
    return `The ${what} exceeds the limit of ${formatBytes(this.limit)} (${formatBytes(this.size)} seen); raise \`${option}\` if the sender is trusted.`
  }
}

/**
 * The request's `Content-Type` is not one a Plex webhook arrives with
 * (`multipart/form-data`, `application/json`, `application/x-www-form-urlencoded`).
 * Answer with HTTP 415.
 */
export class UnsupportedContentType extends Schema.TaggedError<UnsupportedContentType>()(
  "UnsupportedContentType",
  {
    /** The header as received; `""` when the request had none. */
    contentType: Schema.String
  }
) {
  override get message(): string {
    const received =
      this.contentType === ""
        ? "The request has no Content-Type header"
        : `The Content-Type "${this.contentType}" is not a Plex webhook's`
    return `${received}: Plex sends multipart/form-data (application/json, and application/x-www-form-urlencoded with a \`payload\` field, are accepted too).`
  }
}

/** The multipart body cannot be parsed: no boundary, bad part headers, or a truncated upload. */
export class MalformedMultipart extends Schema.TaggedError<MalformedMultipart>()("MalformedMultipart", {
  reason: Schema.String
}) {
  override get message(): string {
    return `The multipart webhook body is malformed: ${this.reason}.`
  }
}

/** The form body parsed, but has no `payload` field, which is where Plex puts the event JSON. */
export class MissingPayload extends Schema.TaggedError<MissingPayload>()("MissingPayload", {
  format: Schema.Literal("multipart", "urlencoded"),
  /** The names of the fields the body does have. */
  fields: Schema.Array(Schema.String)
}) {
  override get message(): string {
    const body = this.format === "multipart" ? "multipart" : "form-urlencoded"
    const found = this.fields.length === 0 ? "no fields at all" : `only ${this.fields.join(", ")}`
    return `The ${body} body has no \`payload\` field (it has ${found}); Plex sends the event JSON in a field named payload.`
  }
}

/** One problem with the payload: where (a path of keys and indexes; empty for the whole payload) and what. */
export const PayloadIssue = Schema.Struct({
  path: Schema.Array(Schema.Union(Schema.String, Schema.Number)),
  message: Schema.String
})
/** One problem with the payload: where (a path of keys and indexes; empty for the whole payload) and what. */
export interface PayloadIssue extends Schema.Schema.Type<typeof PayloadIssue> {}

/**
 * The payload is not JSON, or not a Plex webhook event (a missing `event`, a
 * field of the wrong type). Each issue names the field, e.g.
 * `Metadata.viewOffset: Expected number, actual "abc"`. Answer with HTTP 400.
 */
export class InvalidPayload extends Schema.TaggedError<InvalidPayload>()("InvalidPayload", {
  issues: Schema.Array(PayloadIssue)
}) {
  override get message(): string {
    const issues = this.issues.map((issue) =>
      issue.path.length === 0 ? issue.message : `${issue.path.join(".")}: ${issue.message}`
    )
    return `The webhook payload is not a valid Plex event: ${issues.join("; ")}`
  }
}

/** The request body could not be read (the client disconnected, or the body was already consumed). */
export class UnreadableBody extends Schema.TaggedError<UnreadableBody>()("UnreadableBody", {
  reason: Schema.String
}) {
  override get message(): string {
    return `The webhook request body could not be read: ${this.reason}`
  }
}

/** Every way decoding a webhook body can fail. */
export type PlexWebhookError =
  | WebhookTooLarge
  | UnsupportedContentType
  | MalformedMultipart
  | MissingPayload
  | InvalidPayload

/** Every way decoding a web `Request` can fail: a body error, or a body that could not be read. */
export type PlexWebhookRequestError = PlexWebhookError | UnreadableBody
