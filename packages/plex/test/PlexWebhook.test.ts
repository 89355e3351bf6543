import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, ParseResult, Schema } from "effect"
import { isKnownEvent, isPlaybackEvent, mediaType, PlexWebhookEvent } from "../src/index.js"
import {
  bothGuidKeys,
  databaseBackup,
  emptyGuid,
  episodeScrobble,
  legacyAgentMovie,
  libraryNew,
  missingGuid,
  moviePlayNewAgent,
  movieRate,
  trailerClip,
  unknownEvent
} from "../src/testing.js"

const decode = Schema.decodeUnknown(PlexWebhookEvent)

describe("PlexWebhookEvent", () => {
  it.effect("keeps both guid and Guid, and both rating and Rating", () =>
    Effect.gen(function* () {
      const event = yield* decode(bothGuidKeys)
      expect(event.Metadata?.guid).toBe("plex://movie/5d776b85594b2b001e6dbb6a")
      expect(event.Metadata?.Guid?.map((g) => g.id)).toEqual([
        "imdb://tt2543164",
        "tmdb://329865",
        "tvdb://1123"
      ])
      expect(event.Metadata?.rating).toBe(9.4)
      expect(event.Metadata?.Rating).toEqual([
        { image: "imdb://image.rating", value: 7.9, type: "audience" },
        { image: "rottentomatoes://image.rating.ripe", value: 9.4, type: "critic" },
        { image: "themoviedb://image.rating", value: 7.6, type: "audience" }
      ])
    })
  )

  it.effect("decodes an empty Guid array and a missing Guid key", () =>
    Effect.gen(function* () {
      expect((yield* decode(emptyGuid)).Metadata?.Guid).toEqual([])
      const missing = yield* decode(missingGuid)
      expect(missing.Metadata).not.toHaveProperty("Guid")
      expect(missing.Metadata?.guid).toBe("local://1004")
    })
  )

  it.effect("decodes legacy agent guids as they are, without a Guid array", () =>
    Effect.gen(function* () {
      const event = yield* decode(legacyAgentMovie)
      expect(event.Metadata?.guid).toBe("com.plexapp.agents.imdb://tt0133093?lang=en")
      expect(event.Metadata?.Guid).toBeUndefined()
      const { viewOffset = 0, duration = 1 } = event.Metadata ?? {}
      expect(viewOffset / duration).toBeCloseTo(0.92)
    })
  )

  it.effect("decodes an episode scrobble without viewOffset", () =>
    Effect.gen(function* () {
      const event = yield* decode(episodeScrobble)
      expect(event.Metadata).not.toHaveProperty("viewOffset")
      expect(event.Metadata?.duration).toBe(2_000_000)
    })
  )

  it.effect("decodes trailers with their subtype and extraType", () =>
    Effect.gen(function* () {
      const event = yield* decode(trailerClip)
      expect(event.Metadata).toMatchObject({ type: "clip", subtype: "trailer", extraType: 1 })
    })
  )

  it.effect("tolerates unknown fields at every level, and drops them", () =>
    Effect.gen(function* () {
      const event = yield* decode({
        ...moviePlayNewAgent,
        newTopLevel: true,
        Account: { ...moviePlayNewAgent.Account, email: "x@example.com" },
        Metadata: {
          ...moviePlayNewAgent.Metadata,
          Director: [{ tag: "Michael Mann" }],
          grandparentSlug: "heat"
        }
      })
      expect(event).not.toHaveProperty("newTopLevel")
      expect(event.Account).toEqual(moviePlayNewAgent.Account)
      expect(event.Metadata).not.toHaveProperty("Director")
      expect(event.Metadata?.title).toBe("Heat")
    })
  )

  it.effect("decodes unknown events", () =>
    Effect.gen(function* () {
      const event = yield* decode(unknownEvent)
      expect(event.event).toBe("media.unknownthing")
      expect(isKnownEvent(event.event)).toBe(false)
      expect(isPlaybackEvent(event)).toBe(false)
      expect(mediaType(event)).toEqual(Option.none())
    })
  )

  it.effect("is lenient where Plex and relays vary: numeric strings and numeric ids", () =>
    Effect.gen(function* () {
      const event = yield* decode({
        event: "media.play",
        rating: "8",
        Account: { id: "1", title: "LivingRoom" },
        Metadata: {
          ratingKey: 1001,
          year: "1995",
          index: " 3 ",
          viewOffset: "120000",
          duration: 10_200_000
        }
      })
      expect(event.rating).toBe(8)
      expect(event.Account?.id).toBe(1)
      expect(event.Metadata).toEqual({
        ratingKey: "1001",
        year: 1995,
        index: 3,
        viewOffset: 120_000,
        duration: 10_200_000
      })
    })
  )

  it.effect("names the field and the expected type in a failure, one line per problem", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Schema.decodeUnknown(PlexWebhookEvent, { errors: "all" })({
          event: 5,
          Account: [],
          Metadata: { year: true, viewOffset: "abc", ratingKey: {}, Guid: [{}] }
        })
      )
      const lines = ParseResult.ArrayFormatter.formatErrorSync(error).map(
        (issue) => `${issue.path.join(".")}: ${issue.message}`
      )
      expect(lines).toEqual([
        "event: Expected string, actual 5",
        "Account: Expected PlexWebhookAccount, actual []",
        "Metadata.ratingKey: Expected string, actual an object",
        "Metadata.Guid.0.id: is missing",
        "Metadata.year: Expected number, actual true",
        'Metadata.viewOffset: Expected number, actual "abc"'
      ])
    })
  )

  it.effect("round-trips a sample through encode", () =>
    Effect.gen(function* () {
      const event = yield* decode(moviePlayNewAgent)
      expect(yield* Schema.encode(PlexWebhookEvent)(event)).toEqual(moviePlayNewAgent)
    })
  )
})

describe("event helpers", () => {
  it.effect("isPlaybackEvent: play, pause, resume, stop, scrobble; not rate, library or admin events", () =>
    Effect.gen(function* () {
      for (const name of ["media.play", "media.pause", "media.resume", "media.stop", "media.scrobble"]) {
        expect(isPlaybackEvent({ event: name })).toBe(true)
      }
      expect(isPlaybackEvent(yield* decode(movieRate))).toBe(false)
      expect(isPlaybackEvent(yield* decode(libraryNew))).toBe(false)
      expect(isPlaybackEvent({ event: "playback.started" })).toBe(false)
    })
  )

  it.effect("isKnownEvent knows every documented event", () =>
    Effect.sync(() => {
      for (const name of [
        "media.play",
        "media.rate",
        "library.new",
        "library.on.deck",
        "admin.database.backup",
        "admin.database.corrupted",
        "device.new",
        "playback.started"
      ]) {
        expect(isKnownEvent(name)).toBe(true)
      }
      expect(isKnownEvent("media.unknownthing")).toBe(false)
    })
  )

  it.effect("mediaType reads Metadata.type", () =>
    Effect.gen(function* () {
      expect(mediaType(yield* decode(trailerClip))).toEqual(Option.some("clip"))
      expect(mediaType(yield* decode(databaseBackup))).toEqual(Option.none())
    })
  )
})
