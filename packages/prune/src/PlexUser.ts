/**
 * The people on a Plex server as plex.tv describes them, in the prune engine's words.
 */
import type { DateTime, Option } from "effect"

/** A friend with a share, a Plex Home member, or a managed (Home, no account) user. */
export type PlexUserKind = "friend" | "home" | "managed"

/** One server a user has access to (a `<Server>` child of `/api/users`). */
export interface SharedServer {
  /** The server's machine identifier. */
  readonly machineIdentifier: string
  /** When the user accepted the share, where plex.tv says so. */
  readonly acceptedAt: Option.Option<DateTime.Utc>
  /** An invitation not accepted yet. */
  readonly pending: boolean
}

export interface PlexUser {
  /** The plex.tv account id (Tautulli's `user_id`). */
  readonly id: string
  /** Empty for managed users. */
  readonly username: string
  /** Empty for managed users and where plex.tv hides it. */
  readonly email: string
  /** The display name. */
  readonly title: string
  readonly kind: PlexUserKind
  readonly servers: ReadonlyArray<SharedServer>
}

/** The account that owns the server: never a candidate. */
export interface PlexOwner {
  readonly id: string
  readonly username: string
  readonly email: string
}

/** The share of the given server, if the user has one that is accepted. */
export const shareOf = (user: PlexUser, machineIdentifier: string): SharedServer | undefined =>
  user.servers.find((server) => server.machineIdentifier === machineIdentifier && !server.pending)

/** A name for logs, reports and mail: the username, else the title, else the id. */
export const displayName = (user: Pick<PlexUser, "id" | "username" | "title">): string =>
  user.username !== "" ? user.username : user.title !== "" ? user.title : `user ${user.id}`
