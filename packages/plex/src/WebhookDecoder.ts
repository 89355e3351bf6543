/**
 * Decode the body of a Plex webhook request into a typed `PlexWebhookEvent`.
 */
import { Effect, Either, Option, ParseResult, Schema } from "effect"
import { charsetOf, decodeText, formatOf, type WebhookFormat } from "./internal/contentType.js"
import { readMultipart } from "./internal/multipart.js"
import { PlexWebhookEvent } from "./PlexWebhook.js"
import {
  InvalidPayload,
  MalformedMultipart,
  MissingPayload,
  type PlexWebhookError,
  UnsupportedContentType,
  WebhookTooLarge
} from "./WebhookErrors.js"

/** Limits applied while decoding. Both are in bytes. */
export interface DecodeWebhookOptions {
  /** The largest whole body accepted. Default 10 MiB: Plex attaches poster thumbnails. */
  readonly maxBodyBytes?: number
  /** The largest `payload` JSON accepted. Default 256 KiB. */
  readonly maxPayloadBytes?: number
}

/** The default `maxBodyBytes`: 10 MiB. */
export const defaultMaxBodyBytes = 10 * 1024 * 1024
/** The default `maxPayloadBytes`: 256 KiB. */
export const defaultMaxPayloadBytes = 256 * 1024

/** The thumbnail part Plex attaches to some events: described, never kept. */
export interface WebhookThumb {
  /** As declared by its part, normally `image/jpeg`. */
  readonly contentType: string
  /** In bytes. */
  readonly size: number
}

/** A decoded webhook: the event, plus what else the body held. */
export interface DecodedWebhook {
  readonly event: PlexWebhookEvent
  /** The `thumb` part of a multipart body (Plex sends one with `media.play`, `media.rate`, `library.new`, …). */
  readonly thumb: Option.Option<WebhookThumb>
  /** How the body was encoded: `multipart` is what Plex sends; the others come from relays. */
  readonly format: WebhookFormat
  /** The payload's JSON as parsed, with every field Plex sent (for logging or forwarding). */
  readonly raw: unknown
}

export type { WebhookFormat } from "./internal/contentType.js"

const utf8 = new TextEncoder()

const decodeEvent = Schema.decodeUnknownEither(PlexWebhookEvent, {
  errors: "all",
  onExcessProperty: "ignore"
})

/**
 * Drop `null`-valued object keys, at any depth: Plex omits a field it has no
 * value for, but relays that re-post webhooks often send `null` instead.
 */
const dropNulls = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(dropNulls)
  if (typeof value !== "object" || value === null) return value
  const out: Record<string, unknown> = {}
  for (const [key, field] of Object.entries(value)) {
    if (field !== null) out[key] = dropNulls(field)
  }
  return out
}

/** Plex's events nest four levels; a payload nested deeper than this is refused before it is parsed. */
const MAX_PAYLOAD_DEPTH = 32

/** Whether a JSON text nests arrays and objects deeper than `limit`, counted without parsing it. */
const nestsDeeperThan = (text: string, limit: number): boolean => {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 91 || c === 123) {
      if (++depth > limit) return true
    } else if (c === 93 || c === 125) depth--
  }
  return false
}

const parsePayload = (
  text: string
): Either.Either<{ readonly event: PlexWebhookEvent; readonly raw: unknown }, InvalidPayload> => {
  if (nestsDeeperThan(text, MAX_PAYLOAD_DEPTH))
    return Either.left(
      new InvalidPayload({
        issues: [{ path: [], message: `Nested deeper than ${MAX_PAYLOAD_DEPTH} levels` }]
      })
    )
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error)
    return Either.left(new InvalidPayload({ issues: [{ path: [], message: `Not valid JSON (${detail})` }] }))
  }
  return decodeEvent(dropNulls(raw)).pipe(
    Either.map((event) => ({ event, raw })),
    Either.mapLeft(
      (error) =>
        new InvalidPayload({
          issues: ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => ({
            path: issue.path.map((key) => (typeof key === "symbol" ? String(key) : key)),
            message: issue.message
          }))
        })
    )
  )
}

interface PayloadText {
  readonly text: string
  readonly thumb: Option.Option<WebhookThumb>
}

const payloadTooLarge = (limit: number, size: number) =>
  Either.left(new WebhookTooLarge({ part: "payload", limit, size }))

const extractPayload = (
  format: WebhookFormat,
  body: Uint8Array,
  contentType: string,
  maxPayloadBytes: number
): Either.Either<PayloadText, PlexWebhookError> => {
  switch (format) {
    case "json": {
      if (body.length > maxPayloadBytes) return payloadTooLarge(maxPayloadBytes, body.length)
      return Either.right({ text: decodeText(body, charsetOf(contentType)), thumb: Option.none() })
    }
    case "urlencoded": {
      const params = new URLSearchParams(decodeText(body, charsetOf(contentType)))
      const text = params.get("payload")
      if (text === null) {
        return Either.left(new MissingPayload({ format, fields: [...new Set(params.keys())] }))
      }
      const size = utf8.encode(text).length
      if (size > maxPayloadBytes) return payloadTooLarge(maxPayloadBytes, size)
      return Either.right({ text, thumb: Option.none() })
    }
    case "multipart": {
      const read = readMultipart(body, contentType, maxPayloadBytes)
      if (read.error !== undefined) return Either.left(new MalformedMultipart({ reason: read.error }))
      if (read.payloadSize > maxPayloadBytes) return payloadTooLarge(maxPayloadBytes, read.payloadSize)
      if (read.payload === undefined) return Either.left(new MissingPayload({ format, fields: read.fields }))
      return Either.right({ text: read.payload, thumb: Option.fromNullable(read.thumb) })
    }
  }
}

/**
 * Decode a Plex webhook body, synchronously. The same as `decodeWebhook`, for
 * callers outside Effect.
 */
export const decodeWebhookEither = (
  body: Uint8Array,
  contentType: string | undefined,
  options: DecodeWebhookOptions = {}
): Either.Either<DecodedWebhook, PlexWebhookError> => {
  const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes
  const maxPayloadBytes = options.maxPayloadBytes ?? defaultMaxPayloadBytes
  if (body.length > maxBodyBytes) {
    return Either.left(new WebhookTooLarge({ part: "body", limit: maxBodyBytes, size: body.length }))
  }
  const format = formatOf(contentType)
  if (contentType === undefined || format === undefined) {
    return Either.left(new UnsupportedContentType({ contentType: contentType ?? "" }))
  }
  return extractPayload(format, body, contentType, maxPayloadBytes).pipe(
    Either.flatMap(({ text, thumb }) =>
      parsePayload(text).pipe(Either.map(({ event, raw }) => ({ event, thumb, format, raw })))
    )
  )
}

/**
 * Decode the body of a Plex webhook request.
 *
 * Accepts what Plex sends (`multipart/form-data` with a `payload` field, and a
 * `thumb` JPEG for some events) and what relays re-post (`application/json` with
 * the payload as the body, `application/x-www-form-urlencoded` with a `payload`
 * field). The body size is checked before anything is parsed; the thumbnail is
 * measured but never buffered. Unknown events and unknown fields decode, and
 * `null` fields (which some relays send) read as absent.
 *
 * @example
 * const { event } = yield* decodeWebhook(body, request.headers["content-type"])
 * if (isPlaybackEvent(event)) yield* handle(event)
 */
export const decodeWebhook = (
  body: Uint8Array,
  contentType: string | undefined,
  options: DecodeWebhookOptions = {}
): Effect.Effect<DecodedWebhook, PlexWebhookError> =>
  Effect.suspend(() => decodeWebhookEither(body, contentType, options))
