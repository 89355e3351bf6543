import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { decodeWebhookRequest, UnreadableBody, WebhookTooLarge } from "../src/index.js"
import { encodeMultipartWebhook, episodePause, sampleThumb } from "../src/testing.js"

/** A stream of `chunks` that records how many chunks were pulled and whether it was cancelled. */
const trackedStream = (chunks: ReadonlyArray<Uint8Array>) => {
  const state = { pulled: 0, cancelled: false }
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[state.pulled]
      state.pulled++
      if (chunk === undefined) controller.close()
      else controller.enqueue(chunk)
    },
    cancel() {
      state.cancelled = true
    }
  })
  return { stream, state }
}

const post = (body: Uint8Array | ReadableStream<Uint8Array>, headers: Record<string, string>) =>
  new Request("http://localhost/plex/webhook", {
    method: "POST",
    headers,
    body,
    // Node's fetch requires `duplex` for a streamed request body.
    ...({ duplex: "half" } as Record<string, string>)
  })

describe("decodeWebhookRequest", () => {
  it.effect("decodes a Plex request", () =>
    Effect.gen(function* () {
      const { body, contentType } = encodeMultipartWebhook(episodePause, { thumb: sampleThumb })
      const decoded = yield* decodeWebhookRequest(post(body, { "content-type": contentType }))
      expect(decoded.event.event).toBe("media.pause")
      expect(decoded.event.Metadata?.grandparentTitle).toBe("The Bear")
      expect(Option.isSome(decoded.thumb)).toBe(true)
    })
  )

  it.effect("decodes a body streamed in small chunks", () =>
    Effect.gen(function* () {
      const { body, contentType } = encodeMultipartWebhook(episodePause, { thumb: sampleThumb })
      const chunks: Array<Uint8Array> = []
      for (let i = 0; i < body.length; i += 7) chunks.push(body.slice(i, i + 7))
      const { stream } = trackedStream(chunks)
      const decoded = yield* decodeWebhookRequest(post(stream, { "content-type": contentType }))
      expect(decoded.event.Metadata?.ratingKey).toBe("2002")
    })
  )

  it.effect("stops reading a streamed body without Content-Length once it passes the limit", () =>
    Effect.gen(function* () {
      const chunk = new Uint8Array(1024).fill(0x61)
      const { stream, state } = trackedStream(Array.from({ length: 100 }, () => chunk))
      const request = post(stream, { "content-type": "multipart/form-data; boundary=x" })
      expect(request.headers.get("content-length")).toBeNull()
      const error = yield* Effect.flip(decodeWebhookRequest(request, { maxBodyBytes: 4 * 1024 }))
      expect(error).toBeInstanceOf(WebhookTooLarge)
      expect(error).toMatchObject({ part: "body", limit: 4096, size: 5 * 1024 })
      // Reading stopped early: far fewer than the 100 chunks were pulled, and the stream was cancelled.
      expect(state.pulled).toBeLessThan(10)
      expect(state.cancelled).toBe(true)
    })
  )

  it.effect("rejects a Content-Length over the limit without reading the body", () =>
    Effect.gen(function* () {
      const { stream, state } = trackedStream([new Uint8Array(10)])
      const request = post(stream, {
        "content-type": "multipart/form-data; boundary=x",
        "content-length": "20000000"
      })
      const error = yield* Effect.flip(decodeWebhookRequest(request))
      expect(error).toMatchObject({ _tag: "WebhookTooLarge", limit: 10 * 1024 * 1024, size: 20_000_000 })
      expect(state.pulled).toBe(0)
    })
  )

  it.effect("rejects an unsupported content type without reading the body", () =>
    Effect.gen(function* () {
      const { stream, state } = trackedStream([new Uint8Array(10)])
      const error = yield* Effect.flip(decodeWebhookRequest(post(stream, { "content-type": "text/xml" })))
      expect(error).toMatchObject({ _tag: "UnsupportedContentType", contentType: "text/xml" })
      expect(state.pulled).toBe(0)
    })
  )

  it.effect("reports a body that was already read", () =>
    Effect.gen(function* () {
      const { body, contentType } = encodeMultipartWebhook(episodePause)
      const request = post(body, { "content-type": contentType })
      yield* Effect.promise(() => request.arrayBuffer())
      const error = yield* Effect.flip(decodeWebhookRequest(request))
      expect(error).toBeInstanceOf(UnreadableBody)
    })
  )

  it.effect("reports a stream that fails mid-body", () =>
    Effect.gen(function* () {
      let sent = false
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent) controller.error(new Error("socket hang up"))
          else {
            sent = true
            controller.enqueue(new Uint8Array(10))
          }
        }
      })
      const error = yield* Effect.flip(
        decodeWebhookRequest(post(stream, { "content-type": "multipart/form-data; boundary=x" }))
      )
      expect(error).toMatchObject({ _tag: "UnreadableBody", reason: "socket hang up" })
    })
  )
})
