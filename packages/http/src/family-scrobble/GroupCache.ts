/**
 * Groups as the webhook sees them, kept a few seconds. A group's id and Plex
 * account never change, so a cached group can only be stale by having been
 * deleted: this process forgets it when it deletes it, and a deletion by
 * another process is caught by the inbox's foreign key (the webhook answers 404).
 */
import { type FamilyGroup, findGroupOrFail, type GroupNotFound, type GroupStore } from "@org/family-scrobble"
import { Cache, Context, Duration, Effect, Layer } from "effect"

export class GroupCache extends Context.Tag("@org/http/GroupCache")<
  GroupCache,
  {
    readonly get: (groupId: string) => Effect.Effect<FamilyGroup, GroupNotFound>
    readonly forget: (groupId: string) => Effect.Effect<void>
  }
>() {
  static readonly layer = (
    options: { readonly timeToLive?: Duration.DurationInput; readonly capacity?: number } = {}
  ): Layer.Layer<GroupCache, never, GroupStore> =>
    Layer.effect(
      GroupCache,
      Effect.gen(function* () {
        const cache = yield* Cache.make({
          capacity: options.capacity ?? 10_000,
          timeToLive: options.timeToLive ?? Duration.seconds(5),
          lookup: (groupId: string) => findGroupOrFail(groupId)
        })
        return { get: (groupId) => cache.get(groupId), forget: (groupId) => cache.invalidate(groupId) }
      })
    )
}
