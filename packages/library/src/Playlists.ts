/**
 * Saved IPTV playlists. The product's body is accepted as it is written
 * (`name`, `url`, `username`, `password`): `kind` is `xtream` when credentials
 * are given, `m3u` otherwise. The SDK stores and shows them; it never proxies
 * streams.
 */
import {
  type AdultCaller,
  type Caller,
  decodeInput,
  Entitlements,
  HttpUrl,
  InvalidInput
} from "@org/accounts"
import { randomUuid } from "@org/core"
import { DateTime, Effect, Option, Redacted, Schema } from "effect"
import { PlaylistNotFound } from "./Errors.js"
import { PlaylistId, PlaylistKind } from "./Ids.js"
import { decodePage, type PageRequest } from "./Pages.js"
import { hostOf, inferKind, Playlist, PlaylistCredentials } from "./Playlist.js"
import { PlaylistStore } from "./PlaylistStore.js"

const Name = Schema.Trim.pipe(
  Schema.minLength(1, { message: () => "a playlist name is required" }),
  Schema.maxLength(100, { message: () => "a playlist name has at most 100 characters" })
)
const Secret = Schema.String.pipe(
  Schema.minLength(1, { message: () => "must not be empty" }),
  Schema.maxLength(500, { message: () => "has at most 500 characters" })
)

const CreateInput = Schema.Struct({
  name: Name,
  url: HttpUrl,
  username: Schema.optional(Schema.NullOr(Secret)),
  password: Schema.optional(Schema.NullOr(Secret)),
  kind: Schema.optional(PlaylistKind)
})

const UpdateInput = Schema.Struct({
  name: Schema.optional(Name),
  url: Schema.optional(HttpUrl),
  username: Schema.optional(Schema.NullOr(Secret)),
  password: Schema.optional(Schema.NullOr(Secret)),
  kind: Schema.optional(PlaylistKind)
})

export type CreatePlaylistInput = typeof CreateInput.Encoded
export type UpdatePlaylistInput = typeof UpdateInput.Encoded

const secretOf = (value: string | null | undefined) =>
  value === undefined || value === null ? Option.none() : Option.some(Redacted.make(value))

/** An Xtream server needs a username and a password. */
const validateKind = (kind: PlaylistKind, credentials: PlaylistCredentials) =>
  kind === "xtream" && (Option.isNone(credentials.username) || Option.isNone(credentials.password))
    ? Effect.fail(new InvalidInput({ issues: "an xtream playlist needs a username and a password" }))
    : Effect.void

const decodePlaylistId = Schema.decodeUnknownOption(PlaylistId)

const findOwn = (caller: Caller, playlistId: string) =>
  Effect.gen(function* () {
    const id = decodePlaylistId(playlistId)
    const found = Option.isSome(id)
      ? yield* Effect.flatMap(PlaylistStore, (store) => store.find(caller.userId, id.value))
      : Option.none()
    if (Option.isNone(found)) return yield* new PlaylistNotFound({ playlistId })
    return found.value
  })

/** Save a playlist (adult session), within the plan's `max_playlists`. */
export const createPlaylist = (caller: AdultCaller, input: CreatePlaylistInput) =>
  Effect.gen(function* () {
    const decoded = yield* decodeInput(CreateInput)(input)
    const credentials = new PlaylistCredentials({
      url: Redacted.make(decoded.url),
      username: secretOf(decoded.username),
      password: secretOf(decoded.password)
    })
    const kind = decoded.kind ?? inferKind(credentials.username, credentials.password)
    yield* validateKind(kind, credentials)
    const now = yield* DateTime.now
    const playlist = new Playlist({
      id: PlaylistId.make(yield* randomUuid),
      userId: caller.userId,
      name: decoded.name,
      kind,
      host: hostOf(credentials.url),
      credentials,
      createdAt: now,
      updatedAt: now
    })
    const { plan } = yield* Effect.flatMap(Entitlements, (e) => e.forUser(caller.userId))
    yield* Effect.flatMap(PlaylistStore, (store) => store.create(playlist, plan.maxPlaylists))
    yield* Effect.logInfo("playlist saved").pipe(
      Effect.annotateLogs({ user_id: caller.userId, playlist_id: playlist.id })
    )
    return playlist
  })

/** The account's playlists, oldest first, by page (lists never carry credentials). */
export const listPlaylists = (caller: Caller, page: PageRequest = {}) =>
  Effect.gen(function* () {
    const { offset, limit, page: number } = yield* decodePage(page)
    const result = yield* Effect.flatMap(PlaylistStore, (store) =>
      store.list(caller.userId, { offset, limit })
    )
    return { ...result, page: number, limit }
  })

/**
 * One playlist. Its URL and credentials come with it only for an adult session
 * (`withCredentials`); a kids session gets what a list shows.
 */
export const getPlaylist = (caller: Caller, playlistId: string) =>
  Effect.map(findOwn(caller, playlistId), (playlist) => ({ playlist, withCredentials: !caller.isKids }))

export const updatePlaylist = (caller: AdultCaller, playlistId: string, input: UpdatePlaylistInput) =>
  Effect.gen(function* () {
    const decoded = yield* decodeInput(UpdateInput)(input)
    const current = yield* findOwn(caller, playlistId)
    const credentials = new PlaylistCredentials({
      url: decoded.url === undefined ? current.credentials.url : Redacted.make(decoded.url),
      username: decoded.username === undefined ? current.credentials.username : secretOf(decoded.username),
      password: decoded.password === undefined ? current.credentials.password : secretOf(decoded.password)
    })
    const kind =
      decoded.kind ??
      (decoded.username !== undefined || decoded.password !== undefined
        ? inferKind(credentials.username, credentials.password)
        : current.kind)
    yield* validateKind(kind, credentials)
    const updated = new Playlist({
      ...current,
      name: decoded.name ?? current.name,
      kind,
      host: hostOf(credentials.url),
      credentials,
      updatedAt: yield* DateTime.now
    })
    const found = yield* Effect.flatMap(PlaylistStore, (store) => store.update(updated))
    if (!found) return yield* new PlaylistNotFound({ playlistId })
    return updated
  })

export const deletePlaylist = (caller: AdultCaller, playlistId: string) =>
  Effect.gen(function* () {
    const playlist = yield* findOwn(caller, playlistId)
    const deleted = yield* Effect.flatMap(PlaylistStore, (store) => store.delete(caller.userId, playlist.id))
    if (!deleted) return yield* new PlaylistNotFound({ playlistId })
  })
