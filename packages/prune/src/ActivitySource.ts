/**
 * Port: who watched when (Tautulli). Users are matched by plex.tv account id.
 */
import { Context, type DateTime, type Effect, type Option } from "effect"
import type { ActivitySourceError } from "./Errors.js"
import type { ActivityCleanup } from "./Policy.js"

export interface ActivitySnapshot {
  /**
   * Last watch per user id, for every user the source knows: none = known to have
   * never watched. A user missing from the map is unknown to the source.
   */
  readonly lastWatched: ReadonlyMap<string, Option.Option<DateTime.Utc>>
  /** Users with a session in progress (it counts as watching now). */
  readonly watchingNow: ReadonlySet<string>
}

export interface ActivitySourceService {
  /** The whole picture, read at once; an error means no activity facts at all. */
  readonly snapshot: Effect.Effect<ActivitySnapshot, ActivitySourceError>
  /** After a removal: delete the user, or purge their history (`none` is never passed). */
  readonly cleanup: (
    userId: string,
    mode: Exclude<ActivityCleanup, "none">
  ) => Effect.Effect<void, ActivitySourceError>
}

export class ActivitySource extends Context.Tag("@org/prune/ActivitySource")<
  ActivitySource,
  ActivitySourceService
>() {}
