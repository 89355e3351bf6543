/**
 * The library stores in JavaScript Maps. Each operation runs synchronously, so
 * every check and the write it guards are atomic.
 */
import { PlanLimitReached } from "@org/accounts"
import { Context, DateTime, Effect, Layer, Option } from "effect"
import type { Favorite } from "../Favorite.js"
import { FavoriteStore, type FavoriteStoreService } from "../FavoriteStore.js"
import type { Playlist } from "../Playlist.js"
import { PlaylistStore, type PlaylistStoreService } from "../PlaylistStore.js"
import { isFinished, Progress } from "../Progress.js"
import { ProgressStore, type ProgressStoreService } from "../ProgressStore.js"

export const makeLibraryInMemory = () => {
  const playlists = new Map<string, Playlist>()
  const favorites = new Map<string, Favorite>()
  const progress = new Map<string, Progress>()
  const progressKey = (profileId: string, itemId: string) => `${profileId}\u0000${itemId}`

  const playlistStore: PlaylistStoreService = {
    create: (playlist, maxPlaylists) =>
      Effect.suspend(() => {
        const count = [...playlists.values()].filter((p) => p.userId === playlist.userId).length
        if (count >= maxPlaylists)
          return Effect.fail(new PlanLimitReached({ resource: "playlists", limit: maxPlaylists }))
        playlists.set(playlist.id, playlist)
        return Effect.void
      }),
    list: (userId, { offset, limit }) =>
      Effect.sync(() => {
        const own = [...playlists.values()]
          .filter((p) => p.userId === userId)
          .sort((a, b) => a.createdAt.epochMillis - b.createdAt.epochMillis || a.id.localeCompare(b.id))
        return { playlists: own.slice(offset, offset + limit), total: own.length }
      }),
    find: (userId, playlistId) =>
      Effect.sync(() =>
        Option.filter(Option.fromNullable(playlists.get(playlistId)), (p) => p.userId === userId)
      ),
    update: (playlist) =>
      Effect.sync(() => {
        const current = playlists.get(playlist.id)
        if (current === undefined || current.userId !== playlist.userId) return false
        playlists.set(playlist.id, playlist)
        return true
      }),
    delete: (userId, playlistId) =>
      Effect.sync(() => playlists.get(playlistId)?.userId === userId && playlists.delete(playlistId))
  }

  const favoriteStore: FavoriteStoreService = {
    add: (favorite, maxFavorites) =>
      Effect.suspend((): Effect.Effect<{ favorite: Favorite; created: boolean }, PlanLimitReached> => {
        const own = [...favorites.values()].filter((f) => f.profileId === favorite.profileId)
        const existing = own.find((f) => f.itemType === favorite.itemType && f.itemId === favorite.itemId)
        if (existing !== undefined) return Effect.succeed({ favorite: existing, created: false })
        if (own.length >= maxFavorites)
          return Effect.fail(new PlanLimitReached({ resource: "favorites", limit: maxFavorites }))
        favorites.set(favorite.id, favorite)
        return Effect.succeed({ favorite, created: true })
      }),
    list: (profileId, { type, offset, limit }) =>
      Effect.sync(() => {
        const own = [...favorites.values()]
          .filter((f) => f.profileId === profileId && (type === undefined || f.itemType === type))
          .sort((a, b) => b.createdAt.epochMillis - a.createdAt.epochMillis || b.id.localeCompare(a.id))
        return { favorites: own.slice(offset, offset + limit), total: own.length }
      }),
    delete: (profileId, favoriteId) =>
      Effect.sync(() => favorites.get(favoriteId)?.profileId === profileId && favorites.delete(favoriteId))
  }

  const progressStore: ProgressStoreService = {
    record: (entry) =>
      Effect.sync(() => {
        const key = progressKey(entry.profileId, entry.itemId)
        const current = progress.get(key)
        if (current === undefined) {
          progress.set(key, entry)
          return { stands: entry, applied: true }
        }
        if (!DateTime.lessThan(current.observedAt, entry.observedAt))
          return { stands: current, applied: false }
        // A write without a duration keeps the known one unless its position is past it.
        const merged = new Progress({
          ...entry,
          itemType: Option.orElse(entry.itemType, () => current.itemType),
          durationSeconds: Option.orElse(entry.durationSeconds, () =>
            Option.filter(current.durationSeconds, (d) => d >= entry.progressSeconds)
          )
        })
        progress.set(key, merged)
        return { stands: merged, applied: true }
      }),
    find: (profileId, itemId) =>
      Effect.sync(() => Option.fromNullable(progress.get(progressKey(profileId, itemId)))),
    listUnfinished: (profileId, { offset, limit }) =>
      Effect.sync(() => {
        const open = [...progress.values()]
          .filter((p) => p.profileId === profileId && !isFinished(p))
          .sort(
            (a, b) => b.observedAt.epochMillis - a.observedAt.epochMillis || a.itemId.localeCompare(b.itemId)
          )
        return { items: open.slice(offset, offset + limit), total: open.length }
      })
  }

  return { playlists: playlistStore, favorites: favoriteStore, progress: progressStore }
}

export const LibraryInMemory: Layer.Layer<PlaylistStore | FavoriteStore | ProgressStore> =
  Layer.effectContext(
    Effect.sync(() => {
      const stores = makeLibraryInMemory()
      return Context.empty().pipe(
        Context.add(PlaylistStore, stores.playlists),
        Context.add(FavoriteStore, stores.favorites),
        Context.add(ProgressStore, stores.progress)
      )
    })
  )
