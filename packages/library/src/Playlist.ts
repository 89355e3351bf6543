/**
 * A saved IPTV playlist: an M3U URL, or an Xtream Codes server with a username
 * and password. The URL and the credentials are secrets (an M3U URL usually
 * carries the credentials in its query): they are `Redacted` here, encrypted at
 * rest by the stores, left out of lists, and shown only to an adult session of
 * the owner. `host` is what a list shows instead.
 */

import { UserId } from "@org/accounts"
import { Option, Redacted, Schema } from "effect"
import { PlaylistId, PlaylistKind } from "./Ids.js"

export class PlaylistCredentials extends Schema.Class<PlaylistCredentials>("PlaylistCredentials")({
  url: Schema.Redacted(Schema.String),
  username: Schema.OptionFromSelf(Schema.Redacted(Schema.String)),
  password: Schema.OptionFromSelf(Schema.Redacted(Schema.String))
}) {}

export class Playlist extends Schema.Class<Playlist>("Playlist")({
  id: PlaylistId,
  userId: UserId,
  name: Schema.String,
  kind: PlaylistKind,
  /** The server's host name, without credentials: what lists show. */
  host: Schema.String,
  credentials: PlaylistCredentials,
  createdAt: Schema.DateTimeUtc,
  updatedAt: Schema.DateTimeUtc
}) {}

/** `kind` as the product's body implies it: `xtream` when credentials are given. */
export const inferKind = (
  username: Option.Option<unknown>,
  password: Option.Option<unknown>
): PlaylistKind => (Option.isSome(username) || Option.isSome(password) ? "xtream" : "m3u")

export const hostOf = (url: Redacted.Redacted<string>): string => new URL(Redacted.value(url)).host
