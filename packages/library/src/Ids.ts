/**
 * Identifiers and values of the library domain.
 */
import { Schema } from "effect"

export const PlaylistId = Schema.UUID.pipe(Schema.brand("PlaylistId"))
export type PlaylistId = typeof PlaylistId.Type

export const FavoriteId = Schema.UUID.pipe(Schema.brand("FavoriteId"))
export type FavoriteId = typeof FavoriteId.Type

/** What an IPTV provider or app calls an item: `espn_hd`, `movie_inception`, `series_got_s01e05`. */
export const ItemId = Schema.Trim.pipe(
  Schema.minLength(1, { message: () => "an item id is required" }),
  Schema.maxLength(200, { message: () => "an item id has at most 200 characters" })
)

export const ItemType = Schema.Literal("channel", "movie", "series", "episode")
export type ItemType = typeof ItemType.Type

export const PlaylistKind = Schema.Literal("m3u", "xtream")
export type PlaylistKind = typeof PlaylistKind.Type
