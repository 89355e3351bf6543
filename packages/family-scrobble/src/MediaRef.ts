/**
 * What was watched, in the ids Trakt can match on.
 */
import { Schema } from "effect"

/** External ids of a movie, show or episode. At least one is present on a usable `MediaRef`. */
export class MediaIds extends Schema.Class<MediaIds>("MediaIds")({
  imdb: Schema.optional(Schema.String),
  tmdb: Schema.optional(Schema.Int),
  tvdb: Schema.optional(Schema.Int),
  trakt: Schema.optional(Schema.Int)
}) {
  get isEmpty(): boolean {
    return (
      this.imdb === undefined &&
      this.tmdb === undefined &&
      this.tvdb === undefined &&
      this.trakt === undefined
    )
  }
}

/** A movie, identified by its own ids. */
export class MovieRef extends Schema.TaggedClass<MovieRef>()("Movie", {
  title: Schema.String,
  year: Schema.optional(Schema.Int),
  ids: MediaIds
}) {}

/**
 * An episode. Trakt matches `ids` first (prefer `tvdb`), then `showIds` plus
 * `season` and `number`.
 */
export class EpisodeRef extends Schema.TaggedClass<EpisodeRef>()("Episode", {
  title: Schema.optional(Schema.String),
  showTitle: Schema.String,
  season: Schema.optional(Schema.Int),
  number: Schema.optional(Schema.Int),
  ids: MediaIds,
  showIds: MediaIds
}) {}

export const MediaRef = Schema.Union(MovieRef, EpisodeRef)
export type MediaRef = typeof MediaRef.Type

/**
 * A stable key for "the same item", used to supersede queued retries and to count
 * a finish once. Built from the strongest id present, so the same item reached
 * through either Plex agent yields the same key when both carry that id.
 */
export const mediaKey = (media: MediaRef): string => {
  if (media._tag === "Movie") {
    const { ids } = media
    if (ids.imdb !== undefined) return `movie:imdb:${ids.imdb}`
    if (ids.tmdb !== undefined) return `movie:tmdb:${ids.tmdb}`
    if (ids.tvdb !== undefined) return `movie:tvdb:${ids.tvdb}`
    return `movie:trakt:${ids.trakt}`
  }
  const { ids, showIds } = media
  if (ids.tvdb !== undefined) return `episode:tvdb:${ids.tvdb}`
  if (ids.imdb !== undefined) return `episode:imdb:${ids.imdb}`
  if (ids.tmdb !== undefined) return `episode:tmdb:${ids.tmdb}`
  if (ids.trakt !== undefined) return `episode:trakt:${ids.trakt}`
  const show =
    showIds.tvdb !== undefined
      ? `tvdb:${showIds.tvdb}`
      : showIds.tmdb !== undefined
        ? `tmdb:${showIds.tmdb}`
        : showIds.imdb !== undefined
          ? `imdb:${showIds.imdb}`
          : `trakt:${showIds.trakt}`
  return `episode:show-${show}:s${media.season}e${media.number}`
}

/** A human title for logs and notifications: "Heat (1995)", "The Bear S02E03". */
export const mediaTitle = (media: MediaRef): string => {
  if (media._tag === "Movie") return media.year === undefined ? media.title : `${media.title} (${media.year})`
  const pad = (n: number | undefined) => (n === undefined ? "??" : String(n).padStart(2, "0"))
  return `${media.showTitle} S${pad(media.season)}E${pad(media.number)}`
}
