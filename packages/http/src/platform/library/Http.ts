/**
 * The library handlers: the caller, the policy where the program demands one,
 * the domain program, its failures as API errors.
 */
import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { requireAdult } from "@org/accounts"
import {
  addFavorite,
  createPlaylist,
  deletePlaylist,
  getPlaylist,
  getProgress,
  listFavorites,
  listPlaylists,
  listProgress,
  recordProgress,
  removeFavorite,
  updatePlaylist
} from "@org/library"
import { Effect } from "effect"
import { apiErrors } from "../Errors.js"
import { PlatformApi } from "../PlatformApi.js"
import { CurrentCaller } from "../Security.js"
import { favoriteView, playlistDetailsView, playlistView, progressView } from "./Views.js"

/**
 * The answers of the hottest endpoints, written as they are: their views are
 * built from typed values by the functions in `Views.ts`, so encoding them
 * through the declared schema again would only check what the types hold.
 */
const json = (body: unknown) => HttpServerResponse.unsafeJson(body)

const adult = (action: string) =>
  Effect.flatMap(CurrentCaller, (caller) => apiErrors(requireAdult(caller, action)))

export const PlaylistsLive = HttpApiBuilder.group(PlatformApi, "playlists", (handlers) =>
  handlers
    .handle("list", ({ urlParams }) =>
      Effect.flatMap(CurrentCaller, (caller) =>
        Effect.map(apiErrors(listPlaylists(caller, urlParams)), (page) => ({
          playlists: page.playlists.map(playlistView),
          page: page.page,
          limit: page.limit,
          total: page.total
        }))
      )
    )
    .handle("create", ({ payload }) =>
      Effect.flatMap(adult("manage playlists"), (caller) =>
        Effect.map(apiErrors(createPlaylist(caller, payload)), playlistView)
      )
    )
    .handle("get", ({ path }) =>
      Effect.flatMap(CurrentCaller, (caller) =>
        Effect.map(apiErrors(getPlaylist(caller, path.id)), ({ playlist, withCredentials }) =>
          playlistDetailsView(playlist, withCredentials)
        )
      )
    )
    .handle("update", ({ path, payload }) =>
      Effect.flatMap(adult("manage playlists"), (caller) =>
        Effect.map(apiErrors(updatePlaylist(caller, path.id, payload)), playlistView)
      )
    )
    .handle("delete", ({ path }) =>
      Effect.flatMap(adult("manage playlists"), (caller) => apiErrors(deletePlaylist(caller, path.id)))
    )
)

export const FavoritesLive = HttpApiBuilder.group(PlatformApi, "favorites", (handlers) =>
  handlers
    .handle("list", ({ urlParams }) =>
      Effect.flatMap(CurrentCaller, (caller) =>
        Effect.map(apiErrors(listFavorites(caller, urlParams)), (page) =>
          json({
            favorites: page.favorites.map(favoriteView),
            page: page.page,
            limit: page.limit,
            total: page.total
          })
        )
      )
    )
    .handle("add", ({ payload }) =>
      Effect.flatMap(CurrentCaller, (caller) =>
        Effect.map(apiErrors(addFavorite(caller, payload)), ({ favorite, created }) =>
          HttpServerResponse.unsafeJson(favoriteView(favorite), { status: created ? 201 : 200 })
        )
      )
    )
    .handle("remove", ({ path }) =>
      Effect.flatMap(CurrentCaller, (caller) => apiErrors(removeFavorite(caller, path.id)))
    )
)

export const ProgressLive = HttpApiBuilder.group(PlatformApi, "progress", (handlers) =>
  handlers
    .handle("list", ({ urlParams }) =>
      Effect.flatMap(CurrentCaller, (caller) =>
        Effect.map(apiErrors(listProgress(caller, urlParams)), (page) =>
          json({
            progress: page.items.map(progressView),
            page: page.page,
            limit: page.limit,
            total: page.total
          })
        )
      )
    )
    .handle("record", ({ payload }) =>
      Effect.flatMap(CurrentCaller, (caller) =>
        Effect.map(apiErrors(recordProgress(caller, payload)), ({ stands, applied }) =>
          json({ applied, progress: progressView(stands) })
        )
      )
    )
    .handle("get", ({ path }) =>
      Effect.flatMap(CurrentCaller, (caller) =>
        Effect.map(apiErrors(getProgress(caller, path.item_id)), progressView)
      )
    )
)
