/**
 * In-memory implementations of the engine's service ports, controllable from a test
 * or a demo: a plex.tv account, an activity source, a mailbox and a chat channel.
 */
import { DateTime, Effect, Layer, Option } from "effect"
import { ActivitySource } from "../ActivitySource.js"
import { ActivitySourceError, NoticeError, PlexAccountError } from "../Errors.js"
import { PruneChat, type PruneChatMessage, type PruneEmail, PruneMail } from "../Notices.js"
import { PlexAccount } from "../PlexAccount.js"
import type { PlexOwner, PlexUser, PlexUserKind } from "../PlexUser.js"

/** A user sharing `serverId`, for tests. */
export const testUser = (
  id: string,
  options: {
    readonly serverId?: string
    readonly kind?: PlexUserKind
    readonly email?: string
    readonly username?: string
    readonly acceptedAt?: DateTime.Utc
    readonly servers?: ReadonlyArray<string>
  } = {}
): PlexUser => ({
  id,
  username: options.username ?? (options.kind === "managed" ? "" : `user${id}`),
  email: options.email ?? (options.kind === "managed" ? "" : `user${id}@example.com`),
  title: `User ${id}`,
  kind: options.kind ?? "friend",
  servers: (options.servers ?? [options.serverId ?? "server-1"]).map((machineIdentifier) => ({
    machineIdentifier,
    acceptedAt: Option.fromNullable(options.acceptedAt),
    pending: false
  }))
})

/** A plex.tv account in memory. Removing a user drops them from `users`. */
export class PlexAccountInMemory {
  readonly users = new Map<string, PlexUser>()
  /** Ids passed to `removeUser` that succeeded, in order. */
  readonly removed: Array<string> = []
  /** Every `removeUser` call, successful or not. */
  readonly removeCalls: Array<string> = []
  /** `removeUser` fails for these ids with this status. */
  readonly failRemoval = new Map<string, number>()
  /** Set to make `listUsers` fail. */
  failList: string | undefined = undefined

  constructor(
    readonly serverId = "server-1",
    readonly owner: PlexOwner = { id: "1", username: "owner", email: "owner@example.com" }
  ) {}

  add(...users: ReadonlyArray<PlexUser>): this {
    for (const user of users) this.users.set(user.id, user)
    return this
  }

  get layer(): Layer.Layer<PlexAccount> {
    return Layer.succeed(PlexAccount, {
      serverId: Effect.succeed(this.serverId),
      owner: Effect.succeed(this.owner),
      listUsers: Effect.suspend(() =>
        this.failList === undefined
          ? Effect.succeed([...this.users.values()])
          : Effect.fail(
              new PlexAccountError({ operation: "listUsers", message: this.failList, retryable: true })
            )
      ),
      removeUser: (user) =>
        Effect.suspend(() => {
          this.removeCalls.push(user.id)
          const status = this.failRemoval.get(user.id)
          if (status !== undefined)
            return Effect.fail(
              new PlexAccountError({
                operation: "removeUser",
                message: `plex.tv answered ${status}`,
                status,
                retryable: status >= 500
              })
            )
          if (!this.users.delete(user.id))
            return Effect.fail(
              new PlexAccountError({
                operation: "removeUser",
                message: "plex.tv answered 404",
                status: 404,
                retryable: false
              })
            )
          this.removed.push(user.id)
          return Effect.void
        })
    })
  }
}

/** An activity source in memory: last watches (epoch ms, or null for never) and sessions. */
export class ActivitySourceInMemory {
  readonly lastWatched = new Map<string, number | null>()
  readonly watchingNow = new Set<string>()
  readonly cleanups: Array<{ readonly userId: string; readonly mode: string }> = []
  /** Set to make `snapshot` fail. */
  failure: string | undefined = undefined

  watched(userId: string, at: DateTime.Utc | null): this {
    this.lastWatched.set(userId, at === null ? null : DateTime.toEpochMillis(at))
    return this
  }

  get layer(): Layer.Layer<ActivitySource> {
    return Layer.succeed(ActivitySource, {
      snapshot: Effect.suspend(() =>
        this.failure !== undefined
          ? Effect.fail(
              new ActivitySourceError({ operation: "snapshot", message: this.failure, retryable: true })
            )
          : Effect.succeed({
              lastWatched: new Map(
                [...this.lastWatched].map(([id, at]) => [
                  id,
                  at === null ? Option.none() : Option.some(DateTime.unsafeMake(at))
                ])
              ),
              watchingNow: new Set(this.watchingNow)
            })
      ),
      cleanup: (userId, mode) => Effect.sync(() => void this.cleanups.push({ userId, mode }))
    })
  }
}

/** A mailbox in memory: every email "sent". */
export class PruneMailInMemory {
  readonly sent: Array<PruneEmail> = []
  /** Sending to these addresses fails for now (retryable). */
  readonly failFor = new Set<string>()
  /** These addresses are refused for good (not retryable). */
  readonly rejectFor = new Set<string>()

  get layer(): Layer.Layer<PruneMail> {
    return Layer.succeed(PruneMail, {
      send: (email) =>
        Effect.suspend(() => {
          const to = email._tag === "AdminReport" ? email.to : email.to.email
          if (this.rejectFor.has(to))
            return Effect.fail(
              new NoticeError({ channel: "email", message: `${to} refused`, retryable: false })
            )
          if (this.failFor.has(to))
            return Effect.fail(
              new NoticeError({ channel: "email", message: `mailbox ${to} unavailable`, retryable: true })
            )
          this.sent.push(email)
          return Effect.void
        })
    })
  }
}

/** A chat channel in memory. */
export class PruneChatInMemory {
  readonly posted: Array<PruneChatMessage> = []

  get layer(): Layer.Layer<PruneChat> {
    return Layer.succeed(PruneChat, { post: (message) => Effect.sync(() => void this.posted.push(message)) })
  }
}
