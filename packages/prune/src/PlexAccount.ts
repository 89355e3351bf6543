/**
 * Port: the plex.tv account that owns the server — who has access, and taking it away.
 */
import { Context, type Effect } from "effect"
import type { PlexAccountError } from "./Errors.js"
import type { PlexOwner, PlexUser } from "./PlexUser.js"

export interface PlexAccountService {
  /** The machine identifier of the server being pruned (configured, or resolved by name). */
  readonly serverId: Effect.Effect<string, PlexAccountError>
  /** The account owner: never a candidate. */
  readonly owner: Effect.Effect<PlexOwner, PlexAccountError>
  /**
   * Every friend, Home member and managed user of the account, with the servers each
   * can reach (including friends with no share on this server: the engine filters).
   */
  readonly listUsers: Effect.Effect<ReadonlyArray<PlexUser>, PlexAccountError>
  /**
   * Take the user's access away with the call their kind needs (a friend's share, a
   * Home membership). Succeeds only when plex.tv confirms; 404/410 are errors.
   */
  readonly removeUser: (user: PlexUser) => Effect.Effect<void, PlexAccountError>
}

export class PlexAccount extends Context.Tag("@org/prune/PlexAccount")<PlexAccount, PlexAccountService>() {}
