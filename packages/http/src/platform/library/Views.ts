/**
 * The library as the API shows it. A playlist's URL and credentials appear
 * only in `PlaylistDetails`, and only for an adult session of its owner.
 */
import { type Favorite, isFinished, type Playlist, type Progress, percentWatched } from "@org/library"
import { Option, Redacted, Schema } from "effect"
import { IsoDate, iso } from "../Dates.js"

const ItemTypeView = Schema.Literal("channel", "movie", "series", "episode")

export const PlaylistView = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  kind: Schema.Literal("m3u", "xtream"),
  host: Schema.String.annotations({ description: "The server, without credentials." }),
  created_at: IsoDate,
  updated_at: IsoDate
}).annotations({ identifier: "Playlist" })

export const PlaylistDetailsView = Schema.Struct({
  ...PlaylistView.fields,
  url: Schema.optional(Schema.String.annotations({ description: "Adult sessions only." })),
  username: Schema.optional(Schema.NullOr(Schema.String)),
  password: Schema.optional(Schema.NullOr(Schema.String))
}).annotations({ identifier: "PlaylistDetails" })

export const FavoriteView = Schema.Struct({
  id: Schema.String,
  item_id: Schema.String,
  item_type: ItemTypeView,
  item_name: Schema.String,
  item_logo: Schema.NullOr(Schema.String),
  created_at: IsoDate
}).annotations({ identifier: "Favorite" })

export const ProgressView = Schema.Struct({
  item_id: Schema.String,
  item_type: Schema.NullOr(ItemTypeView),
  progress_seconds: Schema.Number,
  duration_seconds: Schema.NullOr(Schema.Number),
  percent: Schema.NullOr(Schema.Number).annotations({ description: "0–100, when the duration is known." }),
  finished: Schema.Boolean.annotations({ description: "90 % or within the last two minutes." }),
  observed_at: IsoDate.annotations({ description: "When the device saw this position." }),
  updated_at: IsoDate
}).annotations({ identifier: "Progress" })

export const RecordedProgressView = Schema.Struct({
  applied: Schema.Boolean.annotations({
    description: "false: a later observation was already stored, and `progress` is that one."
  }),
  progress: ProgressView
}).annotations({ identifier: "RecordedProgress" })

export const playlistView = (playlist: Playlist): typeof PlaylistView.Type => ({
  id: playlist.id,
  name: playlist.name,
  kind: playlist.kind,
  host: playlist.host,
  created_at: iso(playlist.createdAt),
  updated_at: iso(playlist.updatedAt)
})

export const playlistDetailsView = (
  playlist: Playlist,
  withCredentials: boolean
): typeof PlaylistDetailsView.Type =>
  withCredentials
    ? {
        ...playlistView(playlist),
        url: Redacted.value(playlist.credentials.url),
        username: Option.getOrNull(Option.map(playlist.credentials.username, Redacted.value)),
        password: Option.getOrNull(Option.map(playlist.credentials.password, Redacted.value))
      }
    : playlistView(playlist)

export const favoriteView = (favorite: Favorite): typeof FavoriteView.Type => ({
  id: favorite.id,
  item_id: favorite.itemId,
  item_type: favorite.itemType,
  item_name: favorite.itemName,
  item_logo: Option.getOrNull(favorite.itemLogo),
  created_at: iso(favorite.createdAt)
})

export const progressView = (progress: Progress): typeof ProgressView.Type => ({
  item_id: progress.itemId,
  item_type: Option.getOrNull(progress.itemType),
  progress_seconds: progress.progressSeconds,
  duration_seconds: Option.getOrNull(progress.durationSeconds),
  percent: Option.getOrNull(percentWatched(progress)),
  finished: isFinished(progress),
  observed_at: iso(progress.observedAt),
  updated_at: iso(progress.updatedAt)
})
