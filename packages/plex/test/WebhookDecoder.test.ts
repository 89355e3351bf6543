import { describe, expect, it } from "@effect/vitest"
import type { PlexPlaybackEvent } from "@org/family-scrobble"
import { Effect, Option } from "effect"
import {
  decodeWebhook,
  decodeWebhookEither,
  InvalidPayload,
  isPlaybackEvent,
  MalformedMultipart,
  MissingPayload,
  mediaType,
  UnsupportedContentType,
  WebhookTooLarge
} from "../src/index.js"
import {
  encodeJsonWebhook,
  encodeMultipartWebhook,
  encodeUrlencodedWebhook,
  episodePause,
  moviePlayNewAgent,
  type SamplePayloadName,
  samplePayloads,
  sampleThumb
} from "../src/testing.js"

const encoder = new TextEncoder()

/** What each sample must decode to: the fields a receiver branches on. */
const expected: Record<
  SamplePayloadName,
  {
    readonly event: string
    readonly type: string | undefined
    readonly accountId: number | undefined
    readonly ratingKey: string | undefined
  }
> = {
  moviePlayNewAgent: { event: "media.play", type: "movie", accountId: 1, ratingKey: "1001" },
  episodePause: { event: "media.pause", type: "episode", accountId: 1, ratingKey: "2002" },
  episodeScrobble: { event: "media.scrobble", type: "episode", accountId: 1, ratingKey: "2002" },
  musicTrack: { event: "media.play", type: "track", accountId: 1, ratingKey: "3003" },
  legacyAgentMovie: { event: "media.stop", type: "movie", accountId: 1, ratingKey: "1002" },
  legacyTvdbEpisode: { event: "media.resume", type: "episode", accountId: 1, ratingKey: "4012" },
  trailerClip: { event: "media.play", type: "clip", accountId: 1, ratingKey: "1001-trailer" },
  emptyGuid: { event: "media.play", type: "movie", accountId: 1, ratingKey: "1003" },
  missingGuid: { event: "media.play", type: "movie", accountId: 1, ratingKey: "1004" },
  bothGuidKeys: { event: "media.stop", type: "movie", accountId: 1, ratingKey: "1005" },
  movieRate: { event: "media.rate", type: "movie", accountId: 1, ratingKey: "1001" },
  otherUserPlay: { event: "media.play", type: "episode", accountId: 123_456, ratingKey: "5031" },
  libraryNew: { event: "library.new", type: "movie", accountId: 1, ratingKey: "1100" },
  databaseBackup: { event: "admin.database.backup", type: undefined, accountId: 1, ratingKey: undefined },
  unknownEvent: { event: "media.unknownthing", type: undefined, accountId: 1, ratingKey: undefined }
}

/** A multipart body with the given raw parts (already CRLF-formatted headers and content). */
const rawMultipart = (boundary: string, parts: ReadonlyArray<string>, closing = `--${boundary}--\r\n`) =>
  encoder.encode(`${parts.map((part) => `--${boundary}\r\n${part}\r\n`).join("")}${closing}`)

describe("decodeWebhook", () => {
  for (const [name, payload] of Object.entries(samplePayloads)) {
    it.effect(`decodes the ${name} sample sent as Plex sends it (multipart with a thumb)`, () =>
      Effect.gen(function* () {
        const want = expected[name as SamplePayloadName]
        const { body, contentType } = encodeMultipartWebhook(payload, { thumb: sampleThumb })
        const decoded = yield* decodeWebhook(body, contentType)
        expect(decoded.format).toBe("multipart")
        expect(decoded.event.event).toBe(want.event)
        expect(Option.getOrUndefined(mediaType(decoded.event))).toBe(want.type)
        expect(decoded.event.Account?.id).toBe(want.accountId)
        expect(decoded.event.Metadata?.ratingKey).toBe(want.ratingKey)
        expect(decoded.event.Server?.uuid).toBe("9f3c2a7be41d05c6e8a1b2d3f4e5a6b7c8d9e0f1")
        expect(decoded.thumb).toEqual(Option.some({ contentType: "image/jpeg", size: sampleThumb.length }))
      })
    )
  }

  it.effect("gives a scrobbler what it needs, typed as @org/family-scrobble's PlexPlaybackEvent", () =>
    Effect.gen(function* () {
      const { body, contentType } = encodeMultipartWebhook(episodePause)
      const decoded = yield* decodeWebhook(body, contentType)
      // Compile-time: the decoded event is what the family-scrobble domain accepts.
      const event: PlexPlaybackEvent = decoded.event
      expect(isPlaybackEvent(decoded.event)).toBe(true)
      expect(event.Metadata).toMatchObject({
        type: "episode",
        grandparentTitle: "The Bear",
        parentIndex: 2,
        index: 3,
        guid: "plex://episode/5d9c08ef02391c001f5c5a1e",
        Guid: [{ id: "imdb://tt14452776" }, { id: "tmdb://3573410" }, { id: "tvdb://9374601" }]
      })
      const { viewOffset = 0, duration = 1 } = event.Metadata ?? {}
      expect(viewOffset / duration).toBeCloseTo(0.4)
      expect(event.Player?.uuid).toBe("k3x9q2m7v5t8w1z4c6b0n8ja")
    })
  )

  it.effect("reports a multipart body without a thumb as Option.none", () =>
    Effect.gen(function* () {
      const { body, contentType } = encodeMultipartWebhook(moviePlayNewAgent)
      const decoded = yield* decodeWebhook(body, contentType)
      expect(decoded.thumb).toEqual(Option.none())
      expect(decoded.event.Metadata?.title).toBe("Heat")
    })
  )

  it.effect("measures a large thumb without it counting against the payload limit", () =>
    Effect.gen(function* () {
      const thumb = new Uint8Array(3 * 1024 * 1024).fill(0xab)
      const { body, contentType } = encodeMultipartWebhook(moviePlayNewAgent, { thumb })
      const decoded = yield* decodeWebhook(body, contentType, { maxPayloadBytes: 64 * 1024 })
      expect(Option.map(decoded.thumb, (t) => t.size)).toEqual(Option.some(thumb.length))
      // ...but the thumb does count toward the body limit.
      const error = yield* Effect.flip(decodeWebhook(body, contentType, { maxBodyBytes: 1024 * 1024 }))
      expect(error).toBeInstanceOf(WebhookTooLarge)
    })
  )

  it.effect("accepts a payload part sent as a file (with a filename and application/json)", () =>
    Effect.gen(function* () {
      const body = rawMultipart("relay", [
        `Content-Disposition: form-data; name="payload"; filename="payload.json"\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(moviePlayNewAgent)}`
      ])
      const decoded = yield* decodeWebhook(body, 'Multipart/Form-Data; Boundary="relay"')
      expect(decoded.event.Metadata?.guid).toBe("plex://movie/5d7768284de0ee001fcc8241")
    })
  )

  it.effect("decodes a JSON body, whatever the case and parameters of its content type", () =>
    Effect.gen(function* () {
      const { body } = encodeJsonWebhook(episodePause)
      const decoded = yield* decodeWebhook(body, "Application/JSON; charset=UTF-8")
      expect(decoded.format).toBe("json")
      expect(decoded.thumb).toEqual(Option.none())
      expect(decoded.event.Metadata?.grandparentTitle).toBe("The Bear")
    })
  )

  it.effect("decodes a form-urlencoded body with a payload field", () =>
    Effect.gen(function* () {
      const { body, contentType } = encodeUrlencodedWebhook(moviePlayNewAgent)
      const decoded = yield* decodeWebhook(body, `${contentType}; charset=utf-8`)
      expect(decoded.format).toBe("urlencoded")
      expect(decoded.event.Metadata?.year).toBe(1995)
    })
  )

  it.effect("keeps the raw JSON, with the fields the schema drops", () =>
    Effect.gen(function* () {
      const { body, contentType } = encodeMultipartWebhook(samplePayloads.unknownEvent)
      const decoded = yield* decodeWebhook(body, contentType)
      expect(decoded.event).not.toHaveProperty("Session")
      expect(decoded.raw).toMatchObject({ Session: { id: "b9c8d7e6f5a4" } })
    })
  )

  it.effect("reads null fields, which relays send, as absent", () =>
    Effect.gen(function* () {
      const { body, contentType } = encodeJsonWebhook({
        ...moviePlayNewAgent,
        Player: null,
        Metadata: {
          ...moviePlayNewAgent.Metadata,
          Guid: null,
          thumb: null,
          Rating: [{ value: 7, image: null }]
        }
      })
      const decoded = yield* decodeWebhook(body, contentType)
      expect(decoded.event).not.toHaveProperty("Player")
      expect(decoded.event.Metadata).not.toHaveProperty("Guid")
      expect(decoded.event.Metadata).not.toHaveProperty("thumb")
      expect(decoded.event.Metadata?.Rating).toEqual([{ value: 7 }])
      expect(decoded.raw).toMatchObject({ Player: null })
    })
  )

  it.effect("rejects an oversize body before parsing it", () =>
    Effect.gen(function* () {
      // Not even multipart: a parse would fail differently, so WebhookTooLarge proves nothing was parsed.
      const body = new Uint8Array(2048).fill(0x2d)
      const error = yield* Effect.flip(decodeWebhook(body, "multipart/form-data", { maxBodyBytes: 1024 }))
      expect(error).toBeInstanceOf(WebhookTooLarge)
      expect(error).toMatchObject({ part: "body", limit: 1024, size: 2048 })
      expect(error.message).toContain("maxBodyBytes")
    })
  )

  it.effect("rejects a payload over maxPayloadBytes, in each format", () =>
    Effect.gen(function* () {
      const options = { maxPayloadBytes: 100 }
      for (const { body, contentType } of [
        encodeMultipartWebhook(moviePlayNewAgent, { thumb: sampleThumb }),
        encodeJsonWebhook(moviePlayNewAgent),
        encodeUrlencodedWebhook(moviePlayNewAgent)
      ]) {
        const error = yield* Effect.flip(decodeWebhook(body, contentType, options))
        expect(error).toMatchObject({
          _tag: "WebhookTooLarge",
          part: "payload",
          limit: 100,
          size: encoder.encode(JSON.stringify(moviePlayNewAgent)).length
        })
        expect(error.message).toContain("maxPayloadBytes")
      }
    })
  )

  it.effect("rejects a content type that is not a webhook's", () =>
    Effect.gen(function* () {
      const { body } = encodeJsonWebhook(moviePlayNewAgent)
      const error = yield* Effect.flip(decodeWebhook(body, "text/plain"))
      expect(error).toBeInstanceOf(UnsupportedContentType)
      expect(error).toMatchObject({ contentType: "text/plain" })
      const missing = yield* Effect.flip(decodeWebhook(body, undefined))
      expect(missing).toMatchObject({ _tag: "UnsupportedContentType", contentType: "" })
      expect(missing.message).toContain("no Content-Type")
    })
  )

  it.effect("reports a multipart body without a payload field, naming the fields it has", () =>
    Effect.gen(function* () {
      const body = rawMultipart("b0undary", [
        `Content-Disposition: form-data; name="thumb"; filename="thumb.jpg"\r\nContent-Type: image/jpeg\r\n\r\nxxxx`
      ])
      const error = yield* Effect.flip(decodeWebhook(body, "multipart/form-data; boundary=b0undary"))
      expect(error).toBeInstanceOf(MissingPayload)
      expect(error).toMatchObject({ format: "multipart", fields: ["thumb"] })
      expect(error.message).toContain("no `payload` field")
    })
  )

  it.effect("reports a form-urlencoded body without a payload field", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        decodeWebhook(encoder.encode("event=media.play"), "application/x-www-form-urlencoded")
      )
      expect(error).toMatchObject({ _tag: "MissingPayload", format: "urlencoded", fields: ["event"] })
    })
  )

  it.effect("reports a payload that is not JSON", () =>
    Effect.gen(function* () {
      const { body, contentType } = encodeMultipartWebhook("{not json", { thumb: sampleThumb })
      const error = yield* Effect.flip(decodeWebhook(body, contentType))
      expect(error).toBeInstanceOf(InvalidPayload)
      expect(error.message).toContain("Not valid JSON")
    })
  )

  it.effect("reports a wrongly typed field with its path", () =>
    Effect.gen(function* () {
      const payload = {
        ...moviePlayNewAgent,
        Metadata: { ...moviePlayNewAgent.Metadata, viewOffset: "abc", Guid: [{ id: 42 }] }
      }
      const { body, contentType } = encodeMultipartWebhook(payload)
      const error = yield* Effect.flip(decodeWebhook(body, contentType))
      expect(error).toBeInstanceOf(InvalidPayload)
      if (!(error instanceof InvalidPayload)) return
      expect(error.issues).toContainEqual({
        path: ["Metadata", "viewOffset"],
        message: 'Expected number, actual "abc"'
      })
      expect(error.issues).toContainEqual({
        path: ["Metadata", "Guid", 0, "id"],
        message: "Expected string, actual 42"
      })
      expect(error.message).toContain('Metadata.viewOffset: Expected number, actual "abc"')
    })
  )

  it.effect("reports a payload without an event", () =>
    Effect.gen(function* () {
      const { body, contentType } = encodeJsonWebhook({ Account: { id: 1 } })
      const error = yield* Effect.flip(decodeWebhook(body, contentType))
      expect(error).toMatchObject({ _tag: "InvalidPayload", issues: [{ path: ["event"] }] })
      expect(error.message).toContain("event: is missing")
    })
  )

  it.effect("reports a truncated multipart body as malformed", () =>
    Effect.gen(function* () {
      const { body, contentType } = encodeMultipartWebhook(moviePlayNewAgent, { thumb: sampleThumb })
      for (const cut of [body.length - 10, body.length - 100, 60, 20]) {
        const error = yield* Effect.flip(decodeWebhook(body.subarray(0, cut), contentType))
        expect(error).toBeInstanceOf(MalformedMultipart)
        expect(error.message).toMatch(/malformed/)
      }
    })
  )

  it.effect("reports a missing boundary, an empty body and bad part headers as malformed", () =>
    Effect.gen(function* () {
      const { body } = encodeMultipartWebhook(moviePlayNewAgent)
      const noBoundary = yield* Effect.flip(decodeWebhook(body, "multipart/form-data"))
      expect(noBoundary).toMatchObject({ _tag: "MalformedMultipart" })
      expect(noBoundary.message).toContain("boundary")
      const empty = yield* Effect.flip(decodeWebhook(new Uint8Array(0), "multipart/form-data; boundary=x"))
      expect(empty).toMatchObject({ _tag: "MalformedMultipart", reason: "the body is empty" })
      const noName = rawMultipart("x", ["Content-Disposition: form-data\r\n\r\n{}"])
      const badHeaders = yield* Effect.flip(decodeWebhook(noName, "multipart/form-data; boundary=x"))
      expect(badHeaders).toMatchObject({ _tag: "MalformedMultipart" })
    })
  )

  it("has a synchronous variant for callers outside Effect", () => {
    const { body, contentType } = encodeMultipartWebhook(moviePlayNewAgent)
    const result = decodeWebhookEither(body, contentType)
    expect(result._tag).toBe("Right")
    expect(decodeWebhookEither(body, "text/html")._tag).toBe("Left")
  })
})
