/**
 * Port: the playlists of each account. A store keeps the URL and the
 * credentials encrypted; the playlist limit is checked in the write.
 */
import type { PlanLimitReached, UserId } from "@org/accounts"
import type { StoreUnavailable } from "@org/core"
import { Context, type Effect, type Option } from "effect"
import type { PlaylistId } from "./Ids.js"
import type { Playlist } from "./Playlist.js"

export interface PlaylistPage {
  readonly playlists: ReadonlyArray<Playlist>
  readonly total: number
}

export interface PlaylistStoreService {
  /** Insert unless the account has `maxPlaylists` already. */
  readonly create: (
    playlist: Playlist,
    maxPlaylists: number
  ) => Effect.Effect<void, PlanLimitReached | StoreUnavailable>
  /** Oldest first. */
  readonly list: (
    userId: UserId,
    page: { readonly offset: number; readonly limit: number }
  ) => Effect.Effect<PlaylistPage, StoreUnavailable>
  readonly find: (
    userId: UserId,
    playlistId: PlaylistId
  ) => Effect.Effect<Option.Option<Playlist>, StoreUnavailable>
  /** Replace a playlist of the account by its id; false when there is none. */
  readonly update: (playlist: Playlist) => Effect.Effect<boolean, StoreUnavailable>
  readonly delete: (userId: UserId, playlistId: PlaylistId) => Effect.Effect<boolean, StoreUnavailable>
}

export class PlaylistStore extends Context.Tag("@org/library/PlaylistStore")<
  PlaylistStore,
  PlaylistStoreService
>() {}
