/**
 * The JSON payload of a Plex Media Server webhook, as an `effect/Schema`.
 *
 * Field names are Plex's own (`Metadata`, `Guid`, `grandparentTitle`, …), so a
 * decoded event can be handed to code written against Plex's documentation, such
 * as `@org/family-scrobble`'s `PlexPlaybackEvent`.
 *
 * Decoding is lenient where Plex and the relays in front of it are known to vary:
 * every field but `event` is optional, unknown fields are dropped rather than
 * rejected, and numbers may arrive as numeric strings (and ids as numbers). The
 * decoded types stay `number` and `string`. (`decodeWebhook` also reads `null`
 * fields as absent before decoding.)
 */
import { Option, ParseResult, Schema } from "effect"

const formatActual = (actual: unknown): string => {
  if (typeof actual === "string") return JSON.stringify(actual)
  if (Array.isArray(actual)) return "an array"
  if (typeof actual === "object" && actual !== null) return "an object"
  return String(actual)
}

const numericString = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

const NumberOrString = Schema.declare(
  (input: unknown): input is number | string => typeof input === "number" || typeof input === "string",
  {
    identifier: "NumberOrString",
    message: (issue) => `Expected number, actual ${formatActual(issue.actual)}`
  }
)

const StringOrNumber = Schema.declare(
  (input: unknown): input is string | number => typeof input === "string" || typeof input === "number",
  {
    identifier: "StringOrNumber",
    message: (issue) => `Expected string, actual ${formatActual(issue.actual)}`
  }
)

/**
 * A number that may arrive as a numeric string (`"1995"`); decodes to a `number`.
 * Anything else fails with `Expected number, actual …`.
 */
export const LenientNumber = Schema.transformOrFail(NumberOrString, Schema.Number, {
  strict: true,
  decode: (input, _, ast) => {
    if (typeof input === "number") return ParseResult.succeed(input)
    const trimmed = input.trim()
    const value = Number(trimmed)
    return numericString.test(trimmed) && Number.isFinite(value)
      ? ParseResult.succeed(value)
      : ParseResult.fail(new ParseResult.Type(ast, input, `Expected number, actual ${formatActual(input)}`))
  },
  encode: ParseResult.succeed
}).annotations({ identifier: "LenientNumber" })

/**
 * A string that may arrive as a number (a `ratingKey` of `1001` instead of
 * `"1001"`); decodes to a `string`. Anything else fails with `Expected string, actual …`.
 */
export const LenientString = Schema.transform(StringOrNumber, Schema.String, {
  strict: true,
  decode: (input) => (typeof input === "number" ? String(input) : input),
  encode: (value) => value
}).annotations({ identifier: "LenientString" })

/** An optional field: `readonly key?: A`, never `| undefined` (`decodeWebhook` reads `null` as absent). */
const optional = <S extends Schema.Schema.All>(schema: S) => Schema.optionalWith(schema, { exact: true })

/** One entry of the new agents' `Metadata.Guid` array: `{ id: "imdb://tt0113277" }`. */
export const PlexWebhookGuid = Schema.Struct({
  id: Schema.String
}).annotations({ identifier: "PlexWebhookGuid" })
/** One entry of the new agents' `Metadata.Guid` array: `{ id: "imdb://tt0113277" }`. */
export interface PlexWebhookGuid extends Schema.Schema.Type<typeof PlexWebhookGuid> {}

/** One entry of `Metadata.Rating`: `{ image: "imdb://image.rating", value: 8.3, type: "audience" }`. */
export const PlexWebhookRating = Schema.Struct({
  image: optional(Schema.String),
  value: optional(LenientNumber),
  type: optional(Schema.String)
}).annotations({ identifier: "PlexWebhookRating" })
/** One entry of `Metadata.Rating`: `{ image: "imdb://image.rating", value: 8.3, type: "audience" }`. */
export interface PlexWebhookRating extends Schema.Schema.Type<typeof PlexWebhookRating> {}

/** The Plex account the event is about (`Account.id` is `1` for the server owner). */
export const PlexWebhookAccount = Schema.Struct({
  id: optional(LenientNumber),
  thumb: optional(Schema.String),
  title: optional(Schema.String)
}).annotations({ identifier: "PlexWebhookAccount" })
/** The Plex account the event is about (`Account.id` is `1` for the server owner). */
export interface PlexWebhookAccount extends Schema.Schema.Type<typeof PlexWebhookAccount> {}

/** The Plex Media Server that sent the event. */
export const PlexWebhookServer = Schema.Struct({
  title: optional(Schema.String),
  uuid: optional(Schema.String)
}).annotations({ identifier: "PlexWebhookServer" })
/** The Plex Media Server that sent the event. */
export interface PlexWebhookServer extends Schema.Schema.Type<typeof PlexWebhookServer> {}

/** The client playing the media (a TV app, a browser, …). */
export const PlexWebhookPlayer = Schema.Struct({
  local: optional(Schema.Boolean),
  publicAddress: optional(Schema.String),
  title: optional(Schema.String),
  uuid: optional(Schema.String)
}).annotations({ identifier: "PlexWebhookPlayer" })
/** The client playing the media (a TV app, a browser, …). */
export interface PlexWebhookPlayer extends Schema.Schema.Type<typeof PlexWebhookPlayer> {}

/**
 * The media item of the event. Plex sends keys that differ only in case and
 * means different things by them: `guid` (the agent URI, a string) and `Guid`
 * (the new agents' external ids, an array); `rating` (the critic rating, a
 * number) and `Rating` (an array of ratings with their source). Both of each
 * pair are kept.
 */
export const PlexWebhookMetadata = Schema.Struct({
  /** `movie`, `show`, `artist`, `photo`: the kind of library the item is in. */
  librarySectionType: optional(Schema.String),
  librarySectionTitle: optional(Schema.String),
  librarySectionID: optional(LenientNumber),
  librarySectionKey: optional(Schema.String),
  ratingKey: optional(LenientString),
  key: optional(Schema.String),
  parentRatingKey: optional(LenientString),
  grandparentRatingKey: optional(LenientString),
  parentKey: optional(Schema.String),
  grandparentKey: optional(Schema.String),
  /** Legacy agent URI (`com.plexapp.agents.imdb://tt0133093?lang=en`) or new agent (`plex://movie/…`). */
  guid: optional(Schema.String),
  parentGuid: optional(Schema.String),
  grandparentGuid: optional(Schema.String),
  /** The new agents' external ids (`imdb://…`, `tmdb://…`, `tvdb://…`); may be missing or empty. */
  Guid: optional(Schema.Array(PlexWebhookGuid)),
  /** `movie`, `episode`, `track`, `clip` (trailers and extras), `photo`, `show`, `season`, `album`, … */
  type: optional(Schema.String),
  /** For clips: `trailer`, `behindTheScenes`, … */
  subtype: optional(Schema.String),
  /** For clips: Plex's numeric extra type (`1` is a trailer). */
  extraType: optional(LenientNumber),
  title: optional(Schema.String),
  titleSort: optional(Schema.String),
  /** For episodes: the show; for tracks: the artist. */
  grandparentTitle: optional(Schema.String),
  /** For episodes: the season title; for tracks: the album. */
  parentTitle: optional(Schema.String),
  originalTitle: optional(Schema.String),
  summary: optional(Schema.String),
  tagline: optional(Schema.String),
  studio: optional(Schema.String),
  contentRating: optional(Schema.String),
  /** For episodes: the episode number; for tracks: the track number. */
  index: optional(LenientNumber),
  /** For episodes: the season number; for tracks: the disc number. */
  parentIndex: optional(LenientNumber),
  year: optional(LenientNumber),
  /** Milliseconds into the item; often 0 on `media.play`, absent on `media.scrobble`. */
  viewOffset: optional(LenientNumber),
  /** Milliseconds. */
  duration: optional(LenientNumber),
  viewCount: optional(LenientNumber),
  /** Unix seconds. */
  lastViewedAt: optional(LenientNumber),
  /** Unix seconds. */
  addedAt: optional(LenientNumber),
  /** Unix seconds. */
  updatedAt: optional(LenientNumber),
  /** `YYYY-MM-DD`. */
  originallyAvailableAt: optional(Schema.String),
  thumb: optional(Schema.String),
  art: optional(Schema.String),
  parentThumb: optional(Schema.String),
  grandparentThumb: optional(Schema.String),
  /** The critic rating (0–10). */
  rating: optional(LenientNumber),
  /** Every rating with its source. */
  Rating: optional(Schema.Array(PlexWebhookRating)),
  audienceRating: optional(LenientNumber),
  /** The account's own rating (0–10), e.g. after `media.rate`. */
  userRating: optional(LenientNumber)
}).annotations({ identifier: "PlexWebhookMetadata" })
/** The media item of the event; see the schema for what the same-name keys mean. */
export interface PlexWebhookMetadata extends Schema.Schema.Type<typeof PlexWebhookMetadata> {}

/**
 * One Plex webhook payload. Only `event` is required; an event name this
 * package does not know decodes like any other (see `isKnownEvent`).
 */
export const PlexWebhookEvent = Schema.Struct({
  /** `media.play`, `library.new`, … (see `PlexEventName`); unknown names are kept as sent. */
  event: Schema.String,
  /** The event was sent because this account has the webhook configured. */
  user: optional(Schema.Boolean),
  /** The event was sent because this account owns the server. */
  owner: optional(Schema.Boolean),
  /** For `media.rate`: the rating given (0–10). */
  rating: optional(LenientNumber),
  Account: optional(PlexWebhookAccount),
  Server: optional(PlexWebhookServer),
  Player: optional(PlexWebhookPlayer),
  Metadata: optional(PlexWebhookMetadata)
}).annotations({ identifier: "PlexWebhookEvent" })
/** One decoded Plex webhook payload. */
export interface PlexWebhookEvent extends Schema.Schema.Type<typeof PlexWebhookEvent> {}
/** A Plex webhook payload as JSON, before decoding (what Plex sends, and what test fixtures are written as). */
export interface PlexWebhookEventEncoded extends Schema.Schema.Encoded<typeof PlexWebhookEvent> {}

/** The playback events: the ones that describe someone watching or listening. */
export const PlaybackEventName = Schema.Literal(
  "media.play",
  "media.pause",
  "media.resume",
  "media.stop",
  "media.scrobble"
)
/** The playback events: the ones that describe someone watching or listening. */
export type PlaybackEventName = typeof PlaybackEventName.Type

/** Every event name Plex documents. Others may appear; they decode and can be ignored. */
export const PlexEventName = Schema.Literal(
  ...PlaybackEventName.literals,
  "media.rate",
  "library.new",
  "library.on.deck",
  "admin.database.backup",
  "admin.database.corrupted",
  "device.new",
  "playback.started"
)
/** Every event name Plex documents. Others may appear; they decode and can be ignored. */
export type PlexEventName = typeof PlexEventName.Type

const knownEvents: ReadonlySet<string> = new Set(PlexEventName.literals)
const playbackEvents: ReadonlySet<string> = new Set(PlaybackEventName.literals)

/** Whether `name` is an event Plex documents; anything else is safe to acknowledge and ignore. */
export const isKnownEvent = (name: string): name is PlexEventName => knownEvents.has(name)

/**
 * Whether the event describes playback (`media.play`, `.pause`, `.resume`,
 * `.stop`, `.scrobble`): the events a scrobbler acts on. `media.rate` and
 * `playback.started` (an owner notification) are not playback.
 */
export const isPlaybackEvent = (
  event: PlexWebhookEvent
): event is PlexWebhookEvent & { readonly event: PlaybackEventName } => playbackEvents.has(event.event)

/**
 * The media type of the event's item (`movie`, `episode`, `track`, `clip`, …),
 * or `None` for events without one (`admin.database.backup`, `device.new`, …).
 */
export const mediaType = (event: PlexWebhookEvent): Option.Option<string> =>
  Option.fromNullable(event.Metadata?.type)
