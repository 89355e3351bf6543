/**
 * The library part of the platform API: playlists, favorites and progress,
 * with the product's paths and snake_case bodies.
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { PageParams } from "../accounts/Api.js"
import { BusinessRule, Forbidden, NotFound, Unavailable, ValidationFailed } from "../Errors.js"
import { Authentication } from "../Security.js"
import {
  FavoriteView,
  PlaylistDetailsView,
  PlaylistView,
  ProgressView,
  RecordedProgressView
} from "./Views.js"

const strict = { onExcessProperty: "error" } as const
const IdParam = HttpApiSchema.param("id", Schema.String)
const ItemIdParam = HttpApiSchema.param("item_id", Schema.String)
const ItemType = Schema.Literal("channel", "movie", "series", "episode")

export const CreatePlaylistRequest = Schema.Struct({
  name: Schema.String,
  url: Schema.String.annotations({ description: "An M3U URL, or the Xtream server's URL." }),
  username: Schema.optional(Schema.NullOr(Schema.String)),
  password: Schema.optional(Schema.NullOr(Schema.String)),
  kind: Schema.optional(
    Schema.Literal("m3u", "xtream").annotations({
      description: "Default: xtream with credentials, m3u without."
    })
  )
}).annotations({ identifier: "CreatePlaylistRequest", parseOptions: strict })

export const UpdatePlaylistRequest = Schema.Struct({
  name: Schema.optional(Schema.String),
  url: Schema.optional(Schema.String),
  username: Schema.optional(Schema.NullOr(Schema.String)),
  password: Schema.optional(Schema.NullOr(Schema.String)),
  kind: Schema.optional(Schema.Literal("m3u", "xtream"))
}).annotations({ identifier: "UpdatePlaylistRequest", parseOptions: strict })

export const AddFavoriteRequest = Schema.Struct({
  item_id: Schema.String,
  item_type: ItemType,
  item_name: Schema.String,
  item_logo: Schema.optional(Schema.NullOr(Schema.String))
}).annotations({ identifier: "AddFavoriteRequest", parseOptions: strict })

export const RecordProgressRequest = Schema.Struct({
  item_id: Schema.String,
  item_type: Schema.optional(Schema.NullOr(ItemType)),
  progress_seconds: Schema.Number,
  duration_seconds: Schema.optional(Schema.NullOr(Schema.Number)),
  observed_at: Schema.optional(
    Schema.NullOr(Schema.String).annotations({
      description: "When the device saw this position (ISO 8601); default: when the server receives it."
    })
  )
}).annotations({ identifier: "RecordProgressRequest", parseOptions: strict })

const PageFields = { page: Schema.Int, limit: Schema.Int, total: Schema.Int }

export class PlaylistsGroup extends HttpApiGroup.make("playlists")
  .add(
    HttpApiEndpoint.get("list", "/playlists")
      .setUrlParams(PageParams)
      .addSuccess(Schema.Struct({ playlists: Schema.Array(PlaylistView), ...PageFields }))
      .annotate(OpenApi.Summary, "The account's playlists (never their credentials), oldest first")
  )
  .add(
    HttpApiEndpoint.post("create", "/playlists")
      .setPayload(CreatePlaylistRequest)
      .addSuccess(PlaylistView, { status: 201 })
      .addError(BusinessRule.schema)
      .annotate(OpenApi.Summary, "Save a playlist (adult session), within the plan's max_playlists")
  )
  .add(
    HttpApiEndpoint.get("get")`/playlists/${IdParam}`
      .addSuccess(PlaylistDetailsView)
      .addError(NotFound.schema)
      .annotate(
        OpenApi.Summary,
        "A playlist; its URL and credentials only for an adult session (to copy into a player)"
      )
  )
  .add(
    HttpApiEndpoint.patch("update")`/playlists/${IdParam}`
      .setPayload(UpdatePlaylistRequest)
      .addSuccess(PlaylistView)
      .addError(NotFound.schema)
      .annotate(OpenApi.Summary, "Change a playlist (adult session)")
  )
  .add(
    HttpApiEndpoint.del("delete")`/playlists/${IdParam}`
      .addSuccess(HttpApiSchema.NoContent)
      .addError(NotFound.schema)
      .annotate(OpenApi.Summary, "Delete a playlist (adult session)")
  )
  .addError(ValidationFailed.schema)
  .addError(Forbidden.schema)
  .addError(Unavailable.schema)
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Playlists") {}

export class FavoritesGroup extends HttpApiGroup.make("favorites")
  .add(
    HttpApiEndpoint.get("list", "/favorites")
      .setUrlParams(Schema.Struct({ type: Schema.optional(ItemType), ...PageParams.fields }))
      .addSuccess(Schema.Struct({ favorites: Schema.Array(FavoriteView), ...PageFields }))
      .annotate(OpenApi.Summary, "The active profile's favorites, newest first; ?type= filters")
  )
  .add(
    HttpApiEndpoint.post("add", "/favorites")
      .setPayload(AddFavoriteRequest)
      .addSuccess(FavoriteView, { status: 201 })
      .addError(BusinessRule.schema)
      .annotate(OpenApi.Summary, "Add a favorite (201); one already there is answered as it is (200)")
  )
  .add(
    HttpApiEndpoint.del("remove")`/favorites/${IdParam}`
      .addSuccess(HttpApiSchema.NoContent)
      .addError(NotFound.schema)
      .annotate(OpenApi.Summary, "Remove a favorite")
  )
  .addError(ValidationFailed.schema)
  .addError(Forbidden.schema)
  .addError(NotFound.schema)
  .addError(Unavailable.schema)
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Favorites") {}

export class ProgressGroup extends HttpApiGroup.make("progress")
  .add(
    HttpApiEndpoint.get("list", "/progress")
      .setUrlParams(PageParams)
      .addSuccess(Schema.Struct({ progress: Schema.Array(ProgressView), ...PageFields }))
      .annotate(
        OpenApi.Summary,
        "Continue watching: unfinished items of the active profile, most recent first"
      )
  )
  .add(
    HttpApiEndpoint.put("record", "/progress")
      .setPayload(RecordProgressRequest)
      .addSuccess(RecordedProgressView)
      .annotate(
        OpenApi.Summary,
        "Record a position; an observation older than the stored one does not replace it"
      )
  )
  .add(
    HttpApiEndpoint.get("get")`/progress/${ItemIdParam}`
      .addSuccess(ProgressView)
      .addError(NotFound.schema)
      .annotate(OpenApi.Summary, "The active profile's position in an item (resume from another device)")
  )
  .addError(ValidationFailed.schema)
  .addError(Forbidden.schema)
  .addError(NotFound.schema)
  .addError(Unavailable.schema)
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Progress") {}
