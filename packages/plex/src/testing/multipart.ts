/**
 * Build webhook bodies byte for byte as Plex Media Server posts them, to test a
 * receiver without a Plex server.
 */

/** Options of `encodeMultipartWebhook`. */
export interface EncodeMultipartOptions {
  /** The bytes of the `thumb` part (Plex attaches a JPEG poster to some events); no thumb part when absent. */
  readonly thumb?: Uint8Array
  /** The multipart boundary. Default: a fixed curl-style boundary (Plex posts through libcurl). */
  readonly boundary?: string
}

/** A request body and the `Content-Type` header to send with it. */
export interface EncodedWebhook {
  readonly body: Uint8Array
  readonly contentType: string
}

/** The boundary `encodeMultipartWebhook` uses unless told otherwise. */
export const defaultBoundary = "------------------------5f1c0e8a9b3d2c47"

const encoder = new TextEncoder()

const contains = (haystack: Uint8Array, needle: Uint8Array): boolean => {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) continue outer
    }
    return true
  }
  return false
}

const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const body = new Uint8Array(parts.reduce((size, part) => size + part.length, 0))
  let offset = 0
  for (const part of parts) {
    body.set(part, offset)
    offset += part.length
  }
  return body
}

/**
 * Encode `payload` as Plex's `multipart/form-data` webhook body: a `payload`
 * field holding the JSON, then (with `thumb`) a `thumb` file part
 * `filename="thumb.jpg"`, `Content-Type: image/jpeg`, with CRLF line endings.
 *
 * `payload` is serialized with `JSON.stringify`, except a string, which is sent
 * as it is (to test a payload that is not JSON). Without an explicit `boundary`,
 * the default is extended until it occurs in no part.
 */
export const encodeMultipartWebhook = (
  payload: unknown,
  options: EncodeMultipartOptions = {}
): EncodedWebhook => {
  const json = encoder.encode(typeof payload === "string" ? payload : JSON.stringify(payload))
  const contents = options.thumb === undefined ? [json] : [json, options.thumb]
  let boundary = options.boundary ?? defaultBoundary
  if (options.boundary === undefined) {
    for (let n = 0; contents.some((part) => contains(part, encoder.encode(`--${boundary}`))); n++) {
      boundary = `${defaultBoundary}${n}`
    }
  }
  const parts: Array<Uint8Array> = [
    encoder.encode(`--${boundary}\r\nContent-Disposition: form-data; name="payload"\r\n\r\n`),
    json
  ]
  if (options.thumb !== undefined) {
    parts.push(
      encoder.encode(
        `\r\n--${boundary}\r\nContent-Disposition: form-data; name="thumb"; filename="thumb.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`
      ),
      options.thumb
    )
  }
  parts.push(encoder.encode(`\r\n--${boundary}--\r\n`))
  return { body: concat(parts), contentType: `multipart/form-data; boundary=${boundary}` }
}

/** Encode `payload` as a JSON body (how some relays re-post Plex webhooks). */
export const encodeJsonWebhook = (payload: unknown): EncodedWebhook => ({
  body: encoder.encode(typeof payload === "string" ? payload : JSON.stringify(payload)),
  contentType: "application/json"
})

/** Encode `payload` as a form-urlencoded body with a `payload` field (how some relays re-post Plex webhooks). */
export const encodeUrlencodedWebhook = (payload: unknown): EncodedWebhook => ({
  body: encoder.encode(
    new URLSearchParams({
      payload: typeof payload === "string" ? payload : JSON.stringify(payload)
    }).toString()
  ),
  contentType: "application/x-www-form-urlencoded"
})
