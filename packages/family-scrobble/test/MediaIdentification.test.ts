import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { describeUnidentified, identifyMedia, mediaKey, mediaTitle } from "../src/index.js"
import { episodeMetadata, heatMetadata } from "./helpers.js"

const identified = (metadata: Parameters<typeof identifyMedia>[0]) => {
  const result = identifyMedia(metadata)
  if (Either.isLeft(result)) throw new Error(`not identified: ${describeUnidentified(result.left)}`)
  return result.right
}

describe("identifyMedia", () => {
  it("takes a new-agent movie's ids from the Guid array", () => {
    const media = identified(heatMetadata)
    expect(media._tag).toBe("Movie")
    expect(media.ids).toMatchObject({ imdb: "tt0113277", tmdb: 949, tvdb: 423 })
    expect(mediaTitle(media)).toBe("Heat (1995)")
    expect(mediaKey(media)).toBe("movie:imdb:tt0113277")
  })

  it("reads legacy IMDb and TheMovieDB movie agents, ignoring the lang query", () => {
    expect(
      identified({ type: "movie", guid: "com.plexapp.agents.imdb://tt0133093?lang=en", title: "The Matrix" })
        .ids
    ).toMatchObject({
      imdb: "tt0133093"
    })
    expect(
      identified({ type: "movie", guid: "com.plexapp.agents.themoviedb://603?lang=en", title: "The Matrix" })
        .ids
    ).toMatchObject({
      tmdb: 603
    })
  })

  it("gives the same key to one movie reached through either agent generation", () => {
    const legacy = identified({
      type: "movie",
      guid: "com.plexapp.agents.imdb://tt0113277?lang=en",
      title: "Heat"
    })
    expect(mediaKey(legacy)).toBe(mediaKey(identified(heatMetadata)))
  })

  it("takes a new-agent episode's own ids and its season and number", () => {
    const media = identified(episodeMetadata)
    expect(media._tag).toBe("Episode")
    if (media._tag !== "Episode") return
    expect(media.ids).toMatchObject({ tvdb: 9374601, imdb: "tt14452776", tmdb: 3573410 })
    expect([media.season, media.number]).toEqual([2, 3])
    expect(mediaKey(media)).toBe("episode:tvdb:9374601")
    expect(mediaTitle(media)).toBe("The Bear S02E03")
  })

  it("falls back to the show id with season and number for legacy TVDB episodes", () => {
    const media = identified({
      type: "episode",
      guid: "com.plexapp.agents.thetvdb://81189/1/2?lang=en",
      grandparentTitle: "Breaking Bad",
      title: "Cat's in the Bag..."
    })
    if (media._tag !== "Episode") throw new Error("expected an episode")
    expect(media.ids.isEmpty).toBe(true)
    expect(media.showIds).toMatchObject({ tvdb: 81189 })
    expect([media.season, media.number]).toEqual([1, 2])
    expect(mediaKey(media)).toBe("episode:show-tvdb:81189:s1e2")
  })

  it("reads the legacy TheMovieDB TV agent and HAMA's tvdb form", () => {
    const tmdb = identified({ type: "episode", guid: "com.plexapp.agents.themoviedb://1396/1/1?lang=en" })
    if (tmdb._tag !== "Episode") throw new Error("expected an episode")
    expect(tmdb.showIds).toMatchObject({ tmdb: 1396 })
    const hama = identified({ type: "episode", guid: "com.plexapp.agents.hama://tvdb-81189/1/3?lang=en" })
    if (hama._tag !== "Episode") throw new Error("expected an episode")
    expect(hama.showIds).toMatchObject({ tvdb: 81189 })
    expect(hama.number).toBe(3)
  })

  it("uses a legacy show guid on the grandparent when the episode has no ids", () => {
    const media = identified({
      type: "episode",
      guid: "plex://episode/abc",
      Guid: [],
      grandparentGuid: "com.plexapp.agents.thetvdb://81189?lang=en",
      parentIndex: 5,
      index: 14
    })
    if (media._tag !== "Episode") throw new Error("expected an episode")
    expect(media.showIds).toMatchObject({ tvdb: 81189 })
    expect([media.season, media.number]).toEqual([5, 14])
  })

  it("does not crash on an empty or missing Guid list, and does not guess by title", () => {
    for (const metadata of [
      { type: "movie", guid: "plex://movie/5d776", Guid: [], title: "Heat", year: 1995 },
      { type: "movie", guid: "plex://movie/5d776", title: "Heat", year: 1995 },
      { type: "movie", title: "Home video" }
    ]) {
      const result = identifyMedia(metadata)
      expect(Either.isLeft(result) && result.left._tag).toBe("NoExternalIds")
    }
  })

  it("refuses an episode that has only show ids and no position", () => {
    const result = identifyMedia({ type: "episode", guid: "com.plexapp.agents.thetvdb://81189?lang=en" })
    expect(Either.isLeft(result) && result.left._tag).toBe("NoEpisodeNumber")
  })

  it("ignores HAMA anidb ids and malformed Guid entries", () => {
    const result = identifyMedia({
      type: "episode",
      guid: "com.plexapp.agents.hama://anidb-1234/1/1?lang=en",
      Guid: [{ id: "imdb://not-an-id" }, { id: "garbage" }, { id: "tmdb://x1" }]
    })
    expect(Either.isLeft(result) && result.left._tag).toBe("NoExternalIds")
  })

  it("ignores tracks, photos and clips with a reason", () => {
    for (const type of ["track", "photo", "clip"]) {
      const result = identifyMedia({ type, guid: "com.plexapp.agents.imdb://tt0113277" })
      expect(Either.isLeft(result) && result.left._tag).toBe("UnsupportedType")
      if (Either.isLeft(result))
        expect(describeUnidentified(result.left)).toMatch(type === "clip" ? /trailers/ : type)
    }
  })
})
