import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { decodeWebhook } from "../src/index.js"
import {
  defaultBoundary,
  encodeMultipartWebhook,
  moviePlayNewAgent,
  samplePayloads,
  sampleThumb
} from "../src/testing.js"

const encoder = new TextEncoder()
const decoder = new TextDecoder()

const concat = (...parts: ReadonlyArray<Uint8Array>) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

describe("encodeMultipartWebhook", () => {
  // Written out by hand, as Plex Media Server posts it: CRLF line endings, a plain
  // `payload` field, then the `thumb` file part.
  const boundary = "------------------------d74496d66958873e"
  const json = '{"event":"media.play","Metadata":{"type":"movie","title":"Heat"}}'
  const handWritten = concat(
    encoder.encode(
      [
        `--${boundary}`,
        'Content-Disposition: form-data; name="payload"',
        "",
        json,
        `--${boundary}`,
        'Content-Disposition: form-data; name="thumb"; filename="thumb.jpg"',
        "Content-Type: image/jpeg",
        "",
        ""
      ].join("\r\n")
    ),
    sampleThumb,
    encoder.encode(`\r\n--${boundary}--\r\n`)
  )

  it("produces the same bytes as Plex", () => {
    const encoded = encodeMultipartWebhook(JSON.parse(json), { thumb: sampleThumb, boundary })
    expect(encoded.contentType).toBe(`multipart/form-data; boundary=${boundary}`)
    expect(decoder.decode(encoded.body)).toBe(decoder.decode(handWritten))
    expect(encoded.body).toEqual(handWritten)
  })

  it.effect("and the hand-written Plex body decodes", () =>
    Effect.gen(function* () {
      const decoded = yield* decodeWebhook(handWritten, `multipart/form-data; boundary=${boundary}`)
      expect(decoded.event).toEqual({ event: "media.play", Metadata: { type: "movie", title: "Heat" } })
      expect(decoded.thumb).toMatchObject({ value: { contentType: "image/jpeg", size: 159 } })
    })
  )

  it("omits the thumb part when there is no thumb", () => {
    const { body } = encodeMultipartWebhook(moviePlayNewAgent)
    const text = decoder.decode(body)
    expect(
      text.startsWith(`--${defaultBoundary}\r\nContent-Disposition: form-data; name="payload"\r\n\r\n{`)
    ).toBe(true)
    expect(text).not.toContain("thumb.jpg")
    expect(text.endsWith(`\r\n--${defaultBoundary}--\r\n`)).toBe(true)
  })

  it("picks another default boundary when the content contains it", () => {
    const thumb = encoder.encode(`\r\n--${defaultBoundary}--\r\n`)
    const { body, contentType } = encodeMultipartWebhook(moviePlayNewAgent, { thumb })
    expect(contentType).not.toBe(`multipart/form-data; boundary=${defaultBoundary}`)
    expect(decoder.decode(body)).toContain(decoder.decode(thumb))
  })
})

describe("samples", () => {
  it("sampleThumb is a JPEG (SOI ... EOI)", () => {
    expect([...sampleThumb.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff])
    expect([...sampleThumb.subarray(-2)]).toEqual([0xff, 0xd9])
  })

  it("every sample is plain JSON data", () => {
    for (const payload of Object.values(samplePayloads)) {
      expect(JSON.parse(JSON.stringify(payload))).toEqual(payload)
    }
  })
})
