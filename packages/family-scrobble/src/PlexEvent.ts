/**
 * The part of a Plex webhook the domain reads, in Plex's own field names.
 *
 * `@org/plex` decodes raw webhook requests into values of this shape; any object
 * of this shape works (a test, another decoder), so the core depends on no adapter.
 */

/** One entry of the new agents' `Guid` array: `{ id: "imdb://tt0113277" }`. */
export interface PlexGuid {
  readonly id: string
}

export interface PlexMetadata {
  /** `movie`, `episode`, `track`, `photo`, `clip` (trailers and extras), … */
  readonly type?: string
  readonly ratingKey?: string
  /** Legacy agent URI (`com.plexapp.agents.imdb://tt…?lang=en`) or new agent (`plex://movie/…`). */
  readonly guid?: string
  /** The new agents' external ids; may be missing or empty. */
  readonly Guid?: ReadonlyArray<PlexGuid>
  readonly title?: string
  readonly year?: number
  /** For episodes: the show. */
  readonly grandparentTitle?: string
  readonly grandparentGuid?: string
  /** For episodes: season number. */
  readonly parentIndex?: number
  /** For episodes: episode number. */
  readonly index?: number
  /** Milliseconds; often 0 on `media.play`, absent on `media.scrobble`. */
  readonly viewOffset?: number
  /** Milliseconds. */
  readonly duration?: number
}

export interface PlexPlaybackEvent {
  /** `media.play`, `media.pause`, `media.resume`, `media.stop`, `media.scrobble`, `media.rate`, … */
  readonly event: string
  readonly Account?: { readonly id?: number; readonly title?: string }
  readonly Server?: { readonly uuid?: string; readonly title?: string }
  readonly Player?: { readonly uuid?: string; readonly title?: string }
  readonly Metadata?: PlexMetadata
}
