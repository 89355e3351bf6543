/**
 * `@org/library`: the platform's library, as pure Effect programs over ports:
 * IPTV playlists (URL and credentials secret), favorites and watch progress per
 * profile, the latest observation winning across devices.
 *
 * @packageDocumentation
 */
export * from "./ActiveProfile.js"
export * from "./Errors.js"
export * from "./Favorite.js"
export * from "./FavoriteStore.js"
export * from "./Favorites.js"
export * from "./Ids.js"
export * from "./Pages.js"
export * from "./Playlist.js"
export * from "./PlaylistStore.js"
export * from "./Playlists.js"
export * from "./Progress.js"
export * from "./ProgressStore.js"
export * from "./WatchProgress.js"
