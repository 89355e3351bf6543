import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, TestClock } from "effect"
import { handlePlaybackEvent, type PlexPlaybackEvent } from "../src/index.js"
import { FamilyScrobbleTest, TestTrakt } from "../src/testing.js"
import { episodeMetadata, heatMetadata, plexEvent, setupFamily } from "./helpers.js"

const handleAt = (groupId: string, event: PlexPlaybackEvent, after: Duration.DurationInput) =>
  Effect.gen(function* () {
    yield* TestClock.adjust(after)
    const fiber = yield* Effect.fork(handlePlaybackEvent(groupId, event, { eventId: `evt-${event.event}` }))
    yield* TestClock.adjust(Duration.seconds(1))
    return yield* Fiber.join(fiber)
  })

describe("handlePlaybackEvent", () => {
  it.effect("turns a family's evening into the right scrobbles for every member", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const { group } = yield* setupFamily("LivingRoom", ["mum", "dad", "sam"])
      const d = episodeMetadata.duration
      yield* handleAt(group.id, plexEvent("media.play", "livingroom", episodeMetadata, 0), 0)
      yield* handleAt(
        group.id,
        plexEvent("media.pause", "livingroom", episodeMetadata, d * 0.4),
        "10 minutes"
      )
      yield* handleAt(
        group.id,
        plexEvent("media.resume", "livingroom", episodeMetadata, d * 0.4),
        "2 minutes"
      )
      yield* handleAt(group.id, plexEvent("media.scrobble", "livingroom", episodeMetadata), "15 minutes")
      yield* handleAt(group.id, plexEvent("media.stop", "livingroom", episodeMetadata, d * 0.97), "2 minutes")
      for (const name of ["mum", "dad", "sam"]) {
        expect((yield* trakt.scrobbles(name)).map((s) => `${s.action}@${s.progress}=${s.outcome}`)).toEqual([
          "start@0=start",
          "stop@40=pause",
          "start@40=start",
          "stop@90=scrobble"
        ])
      }
      const [first] = yield* trakt.scrobbles("mum")
      expect(first?.title).toBe("The Bear S02E03")
      expect(first?.mediaKey).toBe("episode:tvdb:9374601")
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("ignores other Plex accounts, clips, music and non-playback events with a reason", () =>
    Effect.gen(function* () {
      const trakt = yield* TestTrakt
      const { group } = yield* setupFamily("LivingRoom", ["mum"])
      const cases: ReadonlyArray<[PlexPlaybackEvent, string]> = [
        [plexEvent("media.play", "kid", heatMetadata, 0), "other_account"],
        [plexEvent("media.play", "LivingRoom", { ...heatMetadata, type: "clip" }, 0), "unsupported_type"],
        [plexEvent("media.play", "LivingRoom", { type: "track", title: "Song" }, 0), "unsupported_type"],
        [plexEvent("library.new", "LivingRoom", heatMetadata), "not_playback"],
        [
          plexEvent("media.play", "LivingRoom", { type: "movie", guid: "plex://movie/x", Guid: [] }, 0),
          "unidentified"
        ]
      ]
      for (const [event, reason] of cases) {
        const report = yield* handlePlaybackEvent(group.id, event)
        expect(report._tag === "Ignored" && report.ignored.reason).toBe(reason)
      }
      expect(yield* trakt.scrobbles()).toEqual([])
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )

  it.effect("answers GroupNotFound for an unknown or malformed group id", () =>
    Effect.gen(function* () {
      const event = plexEvent("media.play", "tv", heatMetadata, 0)
      expect(
        (yield* Effect.flip(handlePlaybackEvent("1b4e28ba-2fa1-41d2-883f-0016d3cca427", event)))._tag
      ).toBe("GroupNotFound")
      expect((yield* Effect.flip(handlePlaybackEvent("../etc/passwd", event))).message).toMatch(
        /No family group/
      )
    }).pipe(Effect.provide(FamilyScrobbleTest()))
  )
})
