/**
 * The library's own failures; the others (`InvalidInput`, `PlanLimitReached`,
 * `KidsProfileRestricted`) are the accounts domain's. Another account's or
 * another profile's item is not found: ids do not leak.
 */
import { Schema } from "effect"

export class PlaylistNotFound extends Schema.TaggedError<PlaylistNotFound>()("PlaylistNotFound", {
  playlistId: Schema.String
}) {
  override get message(): string {
    return `You have no playlist with the id ${this.playlistId}.`
  }
}

export class FavoriteNotFound extends Schema.TaggedError<FavoriteNotFound>()("FavoriteNotFound", {
  favoriteId: Schema.String
}) {
  override get message(): string {
    return `This profile has no favorite with the id ${this.favoriteId}.`
  }
}

export class ProgressNotFound extends Schema.TaggedError<ProgressNotFound>()("ProgressNotFound", {
  itemId: Schema.String
}) {
  override get message(): string {
    return `This profile has no progress for ${this.itemId}.`
  }
}
