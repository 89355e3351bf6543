/**
 * Decode a web-standard `Request` (Fetch API: Node 18+, Deno, Bun, Cloudflare
 * Workers, most frameworks' handlers) carrying a Plex webhook.
 */
import { Effect } from "effect"
import { formatOf } from "./internal/contentType.js"
import {
  type DecodedWebhook,
  type DecodeWebhookOptions,
  decodeWebhook,
  defaultMaxBodyBytes
} from "./WebhookDecoder.js"
import {
  type PlexWebhookRequestError,
  UnreadableBody,
  UnsupportedContentType,
  WebhookTooLarge
} from "./WebhookErrors.js"

type ReadResult =
  | { readonly _tag: "Read"; readonly body: Uint8Array }
  | { readonly _tag: "TooLarge"; readonly size: number }

const concat = (chunks: ReadonlyArray<Uint8Array>, size: number): Uint8Array => {
  const body = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    body.set(chunk, offset)
    offset += chunk.length
  }
  return body
}

/** Read a body stream, stopping (and cancelling the stream) as soon as it passes `limit` bytes. */
const readLimited = (stream: ReadableStream<Uint8Array>, limit: number) =>
  Effect.tryPromise({
    try: async (signal): Promise<ReadResult> => {
      const reader = stream.getReader()
      const cancel = () => {
        reader.cancel().catch(() => {})
      }
      signal.addEventListener("abort", cancel, { once: true })
      try {
        const chunks: Array<Uint8Array> = []
        let size = 0
        for (;;) {
          const { done, value } = await reader.read()
          if (done) return { _tag: "Read", body: concat(chunks, size) }
          size += value.length
          if (size > limit) {
            cancel()
            return { _tag: "TooLarge", size }
          }
          chunks.push(value)
        }
      } finally {
        signal.removeEventListener("abort", cancel)
        reader.releaseLock()
      }
    },
    catch: (error) => new UnreadableBody({ reason: error instanceof Error ? error.message : String(error) })
  })

/**
 * Decode a Plex webhook from a web-standard `Request`.
 *
 * The content type is checked before the body is read, and the body size while
 * it is read: a `Content-Length` over `maxBodyBytes` fails at once, and a
 * streamed body fails (and the stream is cancelled) as soon as it passes the
 * limit, so an oversize upload is never held in memory. Then as `decodeWebhook`.
 */
export const decodeWebhookRequest = (
  request: Request,
  options: DecodeWebhookOptions = {}
): Effect.Effect<DecodedWebhook, PlexWebhookRequestError> =>
  Effect.gen(function* () {
    const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes
    const contentType = request.headers.get("content-type") ?? undefined
    if (formatOf(contentType) === undefined) {
      return yield* new UnsupportedContentType({ contentType: contentType ?? "" })
    }
    const declared = request.headers.get("content-length")
    if (declared !== null && /^\d+$/.test(declared.trim())) {
      const size = Number(declared.trim())
      if (size > maxBodyBytes) {
        return yield* new WebhookTooLarge({ part: "body", limit: maxBodyBytes, size })
      }
    }
    if (request.body === null) return yield* decodeWebhook(new Uint8Array(0), contentType, options)
    const read = yield* readLimited(request.body, maxBodyBytes)
    if (read._tag === "TooLarge") {
      return yield* new WebhookTooLarge({ part: "body", limit: maxBodyBytes, size: read.size })
    }
    return yield* decodeWebhook(read.body, contentType, options)
  })
