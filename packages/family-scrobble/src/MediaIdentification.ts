/**
 * From Plex metadata to a `MediaRef` Trakt can match, for both Plex agent
 * generations. Items without a usable external id are not guessed by title.
 */
import { Either } from "effect"
import { EpisodeRef, MediaIds, type MediaRef, MovieRef } from "./MediaRef.js"
import type { PlexMetadata } from "./PlexEvent.js"

/** Why a playback item cannot be scrobbled. */
export type UnidentifiedReason =
  | { readonly _tag: "UnsupportedType"; readonly type: string }
  | { readonly _tag: "NoExternalIds"; readonly guid: string | undefined }
  | { readonly _tag: "NoEpisodeNumber" }

interface MutableIds {
  imdb?: string | undefined
  tmdb?: number | undefined
  tvdb?: number | undefined
}

const toInt = (text: string | undefined): number | undefined => {
  if (text === undefined || !/^\d+$/.test(text)) return undefined
  const value = Number(text)
  return Number.isSafeInteger(value) ? value : undefined
}

/** Strip the `?lang=en` query and split `scheme://rest`. */
const parseUri = (
  uri: string
): { readonly scheme: string; readonly path: ReadonlyArray<string> } | undefined => {
  const match = /^([a-z0-9._-]+):\/\/([^?#]*)/i.exec(uri.trim())
  if (match === null) return undefined
  return { scheme: (match[1] ?? "").toLowerCase(), path: (match[2] ?? "").split("/").filter((p) => p !== "") }
}

const isImdbId = (value: string | undefined): value is string => value !== undefined && /^tt\d+$/.test(value)

/** Ids from the new agents' `Guid` array: `imdb://tt…`, `tmdb://123`, `tvdb://456`. */
const idsFromGuidArray = (guids: PlexMetadata["Guid"]): MutableIds => {
  const ids: MutableIds = {}
  for (const entry of guids ?? []) {
    if (typeof entry?.id !== "string") continue
    const parsed = parseUri(entry.id)
    if (parsed === undefined) continue
    const value = parsed.path[0]
    if (parsed.scheme === "imdb" && isImdbId(value)) ids.imdb ??= value
    else if (parsed.scheme === "tmdb") ids.tmdb ??= toInt(value)
    else if (parsed.scheme === "tvdb") ids.tvdb ??= toInt(value)
  }
  return ids
}

/** A legacy agent URI: which agent and the path after `://`. */
const legacyAgent = (guid: string | undefined) => {
  if (guid === undefined) return undefined
  const parsed = parseUri(guid)
  if (parsed === undefined || !parsed.scheme.startsWith("com.plexapp.agents.")) return undefined
  return { agent: parsed.scheme.slice("com.plexapp.agents.".length), path: parsed.path }
}

const clean = (ids: MutableIds): MediaIds =>
  new MediaIds({
    ...(ids.imdb !== undefined ? { imdb: ids.imdb } : {}),
    ...(ids.tmdb !== undefined ? { tmdb: ids.tmdb } : {}),
    ...(ids.tvdb !== undefined ? { tvdb: ids.tvdb } : {})
  })

const identifyMovie = (metadata: PlexMetadata): Either.Either<MediaRef, UnidentifiedReason> => {
  const ids = idsFromGuidArray(metadata.Guid)
  const legacy = legacyAgent(metadata.guid)
  if (legacy !== undefined) {
    const first = legacy.path[0]
    if (legacy.agent === "imdb" && isImdbId(first)) ids.imdb ??= first
    else if (legacy.agent === "themoviedb") ids.tmdb ??= toInt(first)
    else if (legacy.agent === "thetvdb") ids.tvdb ??= toInt(first)
  }
  const movieIds = clean(ids)
  if (movieIds.isEmpty) return Either.left({ _tag: "NoExternalIds", guid: metadata.guid })
  return Either.right(
    new MovieRef({
      title: metadata.title ?? "",
      ...(metadata.year !== undefined ? { year: metadata.year } : {}),
      ids: movieIds
    })
  )
}

const identifyEpisode = (metadata: PlexMetadata): Either.Either<MediaRef, UnidentifiedReason> => {
  const episodeIds: MutableIds = idsFromGuidArray(metadata.Guid)
  const showIds: MutableIds = {}
  let season = metadata.parentIndex
  let number = metadata.index

  // Legacy episode GUIDs carry the show id and the episode's position:
  // com.plexapp.agents.thetvdb://<show>/<season>/<episode>, likewise themoviedb and
  // HAMA's tvdb- form (HAMA's anidb- ids are not Trakt ids).
  const legacy = legacyAgent(metadata.guid)
  if (legacy !== undefined) {
    const [show, legacySeason, legacyNumber] = legacy.path
    if (legacy.agent === "thetvdb") showIds.tvdb = toInt(show)
    else if (legacy.agent === "themoviedb") showIds.tmdb = toInt(show)
    else if (legacy.agent === "hama" && show?.startsWith("tvdb"))
      showIds.tvdb = toInt(show.replace(/^tvdb\d*-/, ""))
    season ??= toInt(legacySeason)
    number ??= toInt(legacyNumber)
  }
  // A legacy show GUID on the episode's grandparent gives the show id too.
  const legacyShow = legacyAgent(metadata.grandparentGuid)
  if (legacyShow !== undefined) {
    const show = legacyShow.path[0]
    if (legacyShow.agent === "thetvdb") showIds.tvdb ??= toInt(show)
    else if (legacyShow.agent === "themoviedb") showIds.tmdb ??= toInt(show)
    else if (legacyShow.agent === "imdb" && isImdbId(show)) showIds.imdb ??= show
  }

  const ids = clean(episodeIds)
  const show = clean(showIds)
  if (ids.isEmpty && show.isEmpty) return Either.left({ _tag: "NoExternalIds", guid: metadata.guid })
  if (ids.isEmpty && (season === undefined || number === undefined))
    return Either.left({ _tag: "NoEpisodeNumber" })
  return Either.right(
    new EpisodeRef({
      ...(metadata.title !== undefined ? { title: metadata.title } : {}),
      showTitle: metadata.grandparentTitle ?? "",
      ...(season !== undefined ? { season } : {}),
      ...(number !== undefined ? { number } : {}),
      ids,
      showIds: show
    })
  )
}

/**
 * Identify a movie or an episode. Tracks, photos and clips (trailers, extras) are
 * `UnsupportedType`: a clip must never mark its parent movie watched.
 */
export const identifyMedia = (metadata: PlexMetadata): Either.Either<MediaRef, UnidentifiedReason> => {
  switch (metadata.type) {
    case "movie":
      return identifyMovie(metadata)
    case "episode":
      return identifyEpisode(metadata)
    default:
      return Either.left({ _tag: "UnsupportedType", type: metadata.type ?? "unknown" })
  }
}

/** The reason in words, for logs and reports. */
export const describeUnidentified = (reason: UnidentifiedReason): string => {
  switch (reason._tag) {
    case "UnsupportedType":
      return reason.type === "clip"
        ? "clips (trailers and extras) are not scrobbled"
        : `only movies and episodes are scrobbled, not ${reason.type}`
    case "NoExternalIds":
      return `the item has no IMDb, TMDB or TVDB id Trakt can match (guid ${reason.guid ?? "missing"})`
    case "NoEpisodeNumber":
      return "the episode has only show ids and no season and episode number"
  }
}
