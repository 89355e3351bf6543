/**
 * Plex webhook payloads as Plex Media Server sends them, covering the shapes a
 * receiver must handle: new and legacy agents, episodes, music, trailers,
 * missing or empty `Guid`, same-name keys, managed users, non-playback and
 * unknown events. The values are realistic but invented (ids, uuids, addresses).
 */
import type { PlexWebhookEventEncoded } from "../PlexWebhook.js"

/** The server owner's account (`Account.id` 1), named as a family-scrobble group would be. */
const ownerAccount = {
  id: 1,
  thumb: "https://plex.tv/users/6c5b8a1f2e3d4c5b/avatar?c=1717161234",
  title: "LivingRoom"
}

const server = {
  title: "Living room server",
  uuid: "9f3c2a7be41d05c6e8a1b2d3f4e5a6b7c8d9e0f1"
}

const livingRoomTv = {
  local: true,
  publicAddress: "203.0.113.24",
  title: "Living room TV",
  uuid: "k3x9q2m7v5t8w1z4c6b0n8ja"
}

const phone = {
  local: false,
  publicAddress: "198.51.100.77",
  title: "Pixel 8",
  uuid: "f0e1d2c3b4a5968778695a4b"
}

/** `media.play` of a movie matched by the new Plex Movie agent (`plex://` guid, `Guid` array). */
export const moviePlayNewAgent: PlexWebhookEventEncoded = {
  event: "media.play",
  user: true,
  owner: true,
  Account: ownerAccount,
  Server: server,
  Player: livingRoomTv,
  Metadata: {
    librarySectionType: "movie",
    ratingKey: "1001",
    key: "/library/metadata/1001",
    guid: "plex://movie/5d7768284de0ee001fcc8241",
    Guid: [{ id: "imdb://tt0113277" }, { id: "tmdb://949" }, { id: "tvdb://423" }],
    studio: "Warner Bros.",
    type: "movie",
    title: "Heat",
    titleSort: "Heat",
    librarySectionTitle: "Movies",
    librarySectionID: 1,
    librarySectionKey: "/library/sections/1",
    contentRating: "R",
    summary:
      "Obsessive master thief Neil McCauley leads a top-notch crew on various daring heists throughout Los Angeles.",
    audienceRating: 9.4,
    viewOffset: 0,
    year: 1995,
    tagline: "A Los Angeles crime saga",
    thumb: "/library/metadata/1001/thumb/1716151413",
    art: "/library/metadata/1001/art/1716151413",
    duration: 10_200_000,
    originallyAvailableAt: "1995-12-15",
    addedAt: 1_716_151_400,
    updatedAt: 1_716_151_413
  }
}

const theBearS02E03 = {
  librarySectionType: "show",
  ratingKey: "2002",
  key: "/library/metadata/2002",
  parentRatingKey: "2001",
  grandparentRatingKey: "2000",
  guid: "plex://episode/5d9c08ef02391c001f5c5a1e",
  parentGuid: "plex://season/602e67e96c9c5f002d95b3a4",
  grandparentGuid: "plex://show/5f4c0d1b1e7e5e0041c7b0a1",
  Guid: [{ id: "imdb://tt14452776" }, { id: "tmdb://3573410" }, { id: "tvdb://9374601" }],
  type: "episode",
  title: "Sundae",
  grandparentKey: "/library/metadata/2000",
  parentKey: "/library/metadata/2001",
  librarySectionTitle: "TV Shows",
  librarySectionID: 2,
  librarySectionKey: "/library/sections/2",
  grandparentTitle: "The Bear",
  parentTitle: "Season 2",
  contentRating: "TV-MA",
  summary: "Carmy and Sydney embark on a culinary tour of Chicago.",
  index: 3,
  parentIndex: 2,
  year: 2023,
  thumb: "/library/metadata/2002/thumb/1719000000",
  art: "/library/metadata/2000/art/1719000000",
  parentThumb: "/library/metadata/2001/thumb/1719000000",
  grandparentThumb: "/library/metadata/2000/thumb/1719000000",
  duration: 2_000_000,
  originallyAvailableAt: "2023-06-22",
  addedAt: 1_718_999_000,
  updatedAt: 1_719_000_000
}

/** `media.pause` of an episode (new TV agent) at 40 % (`viewOffset` 800 000 of `duration` 2 000 000). */
export const episodePause: PlexWebhookEventEncoded = {
  event: "media.pause",
  user: true,
  owner: true,
  Account: ownerAccount,
  Server: server,
  Player: livingRoomTv,
  Metadata: { ...theBearS02E03, viewOffset: 800_000, lastViewedAt: 1_719_300_000 }
}

/** `media.scrobble` (played past 90 %) of the same episode: Plex sends no `viewOffset` with it. */
export const episodeScrobble: PlexWebhookEventEncoded = {
  event: "media.scrobble",
  user: true,
  owner: true,
  Account: ownerAccount,
  Server: server,
  Player: livingRoomTv,
  Metadata: { ...theBearS02E03, viewCount: 1, lastViewedAt: 1_719_301_900 }
}

/** `media.play` of a music track: artist in `grandparentTitle`, album in `parentTitle`. */
export const musicTrack: PlexWebhookEventEncoded = {
  event: "media.play",
  user: true,
  owner: true,
  Account: ownerAccount,
  Server: server,
  Player: phone,
  Metadata: {
    librarySectionType: "artist",
    ratingKey: "3003",
    key: "/library/metadata/3003",
    parentRatingKey: "3002",
    grandparentRatingKey: "3001",
    guid: "plex://track/5d07cd6e403c640290f6b0a2",
    parentGuid: "plex://album/5d07c1a8403c640290883f1e",
    grandparentGuid: "plex://artist/5d07bbfd403c6402904a5ec1",
    type: "track",
    title: "Paranoid Android",
    grandparentKey: "/library/metadata/3001",
    parentKey: "/library/metadata/3002",
    librarySectionTitle: "Music",
    librarySectionID: 3,
    librarySectionKey: "/library/sections/3",
    grandparentTitle: "Radiohead",
    parentTitle: "OK Computer",
    index: 2,
    parentIndex: 1,
    viewOffset: 0,
    thumb: "/library/metadata/3002/thumb/1700000000",
    parentThumb: "/library/metadata/3002/thumb/1700000000",
    grandparentThumb: "/library/metadata/3001/thumb/1700000000",
    duration: 387_000,
    addedAt: 1_699_999_000,
    updatedAt: 1_700_000_000
  }
}

/** `media.stop` of a movie matched by the legacy IMDb agent (no `Guid` array), at 92 %. */
export const legacyAgentMovie: PlexWebhookEventEncoded = {
  event: "media.stop",
  user: true,
  owner: true,
  Account: ownerAccount,
  Server: server,
  Player: livingRoomTv,
  Metadata: {
    librarySectionType: "movie",
    ratingKey: "1002",
    key: "/library/metadata/1002",
    guid: "com.plexapp.agents.imdb://tt0133093?lang=en",
    studio: "Warner Bros.",
    type: "movie",
    title: "The Matrix",
    librarySectionTitle: "Movies (legacy)",
    librarySectionID: 4,
    librarySectionKey: "/library/sections/4",
    contentRating: "R",
    summary:
      "A computer hacker learns about the true nature of reality and his role in the war against its controllers.",
    rating: 8.8,
    viewOffset: 7_507_200,
    lastViewedAt: 1_719_400_000,
    year: 1999,
    thumb: "/library/metadata/1002/thumb/1600000000",
    art: "/library/metadata/1002/art/1600000000",
    duration: 8_160_000,
    originallyAvailableAt: "1999-03-31",
    addedAt: 1_599_999_000,
    updatedAt: 1_600_000_000
  }
}

/** `media.resume` of an episode matched by the legacy TheTVDB agent (`thetvdb://show/season/episode`). */
export const legacyTvdbEpisode: PlexWebhookEventEncoded = {
  event: "media.resume",
  user: true,
  owner: true,
  Account: ownerAccount,
  Server: server,
  Player: livingRoomTv,
  Metadata: {
    librarySectionType: "show",
    ratingKey: "4012",
    key: "/library/metadata/4012",
    parentRatingKey: "4010",
    grandparentRatingKey: "4000",
    guid: "com.plexapp.agents.thetvdb://81189/1/2?lang=en",
    parentGuid: "com.plexapp.agents.thetvdb://81189/1?lang=en",
    grandparentGuid: "com.plexapp.agents.thetvdb://81189?lang=en",
    type: "episode",
    title: "Cat's in the Bag...",
    grandparentKey: "/library/metadata/4000",
    parentKey: "/library/metadata/4010",
    librarySectionTitle: "TV Shows (legacy)",
    librarySectionID: 5,
    librarySectionKey: "/library/sections/5",
    grandparentTitle: "Breaking Bad",
    parentTitle: "Season 1",
    contentRating: "TV-MA",
    index: 2,
    parentIndex: 1,
    viewOffset: 600_000,
    year: 2008,
    duration: 2_880_000,
    originallyAvailableAt: "2008-01-27",
    addedAt: 1_500_000_000,
    updatedAt: 1_500_000_100
  }
}

/** `media.play` of a trailer (a `clip` with `subtype: "trailer"`, `extraType: 1`): not something to scrobble. */
export const trailerClip: PlexWebhookEventEncoded = {
  event: "media.play",
  user: true,
  owner: true,
  Account: ownerAccount,
  Server: server,
  Player: livingRoomTv,
  Metadata: {
    ratingKey: "1001-trailer",
    key: "/library/metadata/1001/extras",
    guid: "iva://api.internetvideoarchive.com/2.0/DataService/VideoAssets(158236)?lang=en",
    type: "clip",
    subtype: "trailer",
    extraType: 1,
    title: "Heat",
    year: 1995,
    thumb: "/library/metadata/1001/thumb/1716151413",
    viewOffset: 0,
    duration: 143_000
  }
}

/** A movie whose new-agent match has no external ids yet: `Guid: []`. */
export const emptyGuid: PlexWebhookEventEncoded = {
  event: "media.play",
  user: true,
  owner: true,
  Account: ownerAccount,
  Server: server,
  Player: livingRoomTv,
  Metadata: {
    librarySectionType: "movie",
    ratingKey: "1003",
    key: "/library/metadata/1003",
    guid: "plex://movie/64a3f1c2b8e9d70012a4c5b6",
    Guid: [],
    type: "movie",
    title: "Short Film Festival Winner",
    year: 2023,
    viewOffset: 0,
    duration: 1_260_000
  }
}

/** An unmatched home video: a `local://` guid and no `Guid` key at all. */
export const missingGuid: PlexWebhookEventEncoded = {
  event: "media.play",
  user: true,
  owner: true,
  Account: ownerAccount,
  Server: server,
  Player: livingRoomTv,
  Metadata: {
    librarySectionType: "movie",
    ratingKey: "1004",
    key: "/library/metadata/1004",
    guid: "local://1004",
    type: "movie",
    title: "Summer Holiday 2023",
    viewOffset: 0,
    duration: 2_700_000
  }
}

/** A movie with both `guid` and `Guid`, and both `rating` (a number) and `Rating` (an array): keys that differ only in case. */
export const bothGuidKeys: PlexWebhookEventEncoded = {
  event: "media.stop",
  user: true,
  owner: true,
  Account: ownerAccount,
  Server: server,
  Player: livingRoomTv,
  Metadata: {
    librarySectionType: "movie",
    ratingKey: "1005",
    key: "/library/metadata/1005",
    guid: "plex://movie/5d776b85594b2b001e6dbb6a",
    Guid: [{ id: "imdb://tt2543164" }, { id: "tmdb://329865" }, { id: "tvdb://1123" }],
    type: "movie",
    title: "Arrival",
    year: 2016,
    rating: 9.4,
    Rating: [
      { image: "imdb://image.rating", value: 7.9, type: "audience" },
      { image: "rottentomatoes://image.rating.ripe", value: 9.4, type: "critic" },
      { image: "themoviedb://image.rating", value: 7.6, type: "audience" }
    ],
    audienceRating: 8.2,
    viewOffset: 1_200_000,
    duration: 6_960_000
  }
}

/** `media.rate` of a movie: the top-level `rating` is the one given; Plex attaches a thumb. */
export const movieRate: PlexWebhookEventEncoded = {
  event: "media.rate",
  user: true,
  owner: true,
  rating: 10,
  Account: ownerAccount,
  Server: server,
  Player: livingRoomTv,
  Metadata: {
    librarySectionType: "movie",
    ratingKey: "1001",
    key: "/library/metadata/1001",
    guid: "plex://movie/5d7768284de0ee001fcc8241",
    Guid: [{ id: "imdb://tt0113277" }, { id: "tmdb://949" }, { id: "tvdb://423" }],
    type: "movie",
    title: "Heat",
    year: 1995,
    userRating: 10,
    duration: 10_200_000
  }
}

/**
 * `media.play` by a managed user of the owner's Plex Home (`Account.title` "kid",
 * `Account.id` 123456): sent to the owner's webhook (`user: false, owner: true`).
 */
export const otherUserPlay: PlexWebhookEventEncoded = {
  event: "media.play",
  user: false,
  owner: true,
  Account: {
    id: 123_456,
    thumb: "https://plex.tv/users/a1b2c3d4e5f60718/avatar?c=1717160000",
    title: "kid"
  },
  Server: server,
  Player: {
    local: true,
    publicAddress: "203.0.113.24",
    title: "Kids room tablet",
    uuid: "9d8c7b6a5f4e3d2c1b0a9f8e"
  },
  Metadata: {
    librarySectionType: "show",
    ratingKey: "5031",
    key: "/library/metadata/5031",
    parentRatingKey: "5030",
    grandparentRatingKey: "5000",
    guid: "plex://episode/5e8f2b1c9a7d3e0041b6c8d2",
    grandparentGuid: "plex://show/5d9c086fe9d5a1001f4c7b33",
    Guid: [{ id: "imdb://tt11707124" }, { id: "tmdb://2223457" }, { id: "tvdb://7606371" }],
    type: "episode",
    title: "Dance Mode",
    grandparentTitle: "Bluey",
    parentTitle: "Season 2",
    index: 1,
    parentIndex: 2,
    year: 2020,
    viewOffset: 0,
    duration: 420_000
  }
}

/** `library.new`: an item was added. No `Player`; Plex attaches a poster thumb. */
export const libraryNew: PlexWebhookEventEncoded = {
  event: "library.new",
  user: true,
  owner: true,
  Account: ownerAccount,
  Server: server,
  Metadata: {
    librarySectionType: "movie",
    ratingKey: "1100",
    key: "/library/metadata/1100",
    guid: "plex://movie/5d776d1847dd6e001f6f002f",
    Guid: [{ id: "imdb://tt15239678" }, { id: "tmdb://693134" }, { id: "tvdb://294573" }],
    type: "movie",
    title: "Dune: Part Two",
    librarySectionTitle: "Movies",
    librarySectionID: 1,
    librarySectionKey: "/library/sections/1",
    year: 2024,
    duration: 9_960_000,
    originallyAvailableAt: "2024-02-27",
    addedAt: 1_719_600_000,
    updatedAt: 1_719_600_050
  }
}

/** `admin.database.backup`: a server event with no media (no `Metadata`, no `Player`). */
export const databaseBackup: PlexWebhookEventEncoded = {
  event: "admin.database.backup",
  user: true,
  owner: true,
  Account: ownerAccount,
  Server: server
}

/** Fields a future Plex version might add; decoding ignores them. */
const futureFields = {
  Session: { id: "b9c8d7e6f5a4", bandwidth: 20_000 },
  schemaVersion: 2
}

/** An event name Plex does not document (`media.unknownthing`) with unknown fields: decodes and can be ignored. */
export const unknownEvent: PlexWebhookEventEncoded = {
  event: "media.unknownthing",
  ...futureFields,
  user: true,
  owner: true,
  Account: ownerAccount,
  Server: server,
  Player: livingRoomTv
}

/** Every sample payload by name, to loop over in tests. */
export const samplePayloads = {
  moviePlayNewAgent,
  episodePause,
  episodeScrobble,
  musicTrack,
  legacyAgentMovie,
  legacyTvdbEpisode,
  trailerClip,
  emptyGuid,
  missingGuid,
  bothGuidKeys,
  movieRate,
  otherUserPlay,
  libraryNew,
  databaseBackup,
  unknownEvent
} as const satisfies Record<string, PlexWebhookEventEncoded>

/** The name of a sample payload. */
export type SamplePayloadName = keyof typeof samplePayloads

/**
 * A tiny valid JPEG (1×1 grey baseline, 159 bytes) to attach as the `thumb`
 * part, as Plex does for `media.play`, `media.rate` and `library.new`.
 */
export const sampleThumb: Uint8Array = Uint8Array.from(
  atob(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQH/wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAAAP/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AP//Z"
  ),
  (char) => char.charCodeAt(0)
)
