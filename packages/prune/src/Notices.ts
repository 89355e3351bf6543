/**
 * Ports: the mail and chat messages of the engine. The messages are data; how they
 * read (templates) and travel (SMTP, Discord) is the adapters' business.
 */
import { Context, type DateTime, Effect, Layer } from "effect"
import { NoticeError } from "./Errors.js"
import type { PlexUserKind } from "./PlexUser.js"

export interface NoticeRecipient {
  readonly userId: string
  readonly username: string
  readonly email: string
  readonly kind: PlexUserKind
}

export interface ReportLine {
  readonly userId: string
  readonly username: string
  readonly detail: string
}

/** What one inactivity pass did, for the admin. */
export interface AdminReport {
  readonly at: DateTime.Utc
  readonly serverName: string
  readonly warned: ReadonlyArray<ReportLine>
  readonly removed: ReadonlyArray<ReportLine>
  /** Removals that failed for the first time (they will be retried). */
  readonly removalFailed: ReadonlyArray<ReportLine>
  /** Removals the engine gave up on. */
  readonly removalAbandoned: ReadonlyArray<ReportLine>
  /** Other problems worth a look (a cleanup or a user's email that failed). */
  readonly problems: ReadonlyArray<ReportLine>
}

export type PruneEmail =
  | {
      readonly _tag: "Welcome"
      readonly to: NoticeRecipient
      readonly serverName: string
      readonly kickDays: number
      /**
       * The same for every attempt at this user's welcome: a transport uses it as the
       * Message-ID, so a welcome sent again after a crash is recognisably the same.
       */
      readonly key: string
    }
  | {
      readonly _tag: "Warning"
      readonly to: NoticeRecipient
      readonly serverName: string
      readonly daysLeft: number
      readonly removeAfter: DateTime.Utc
    }
  | {
      readonly _tag: "Removed"
      readonly to: NoticeRecipient
      readonly serverName: string
      readonly kickDays: number
    }
  | { readonly _tag: "AdminReport"; readonly to: string; readonly report: AdminReport }

export interface PruneMailService {
  readonly send: (email: PruneEmail) => Effect.Effect<void, NoticeError>
}

/** Email to users and the admin. `PruneMail.none` for a setup without mail. */
export class PruneMail extends Context.Tag("@org/prune/PruneMail")<PruneMail, PruneMailService>() {}

export type PruneChatMessage =
  | {
      readonly _tag: "Warned"
      readonly user: NoticeRecipient
      readonly serverName: string
      readonly daysLeft: number
    }
  | {
      readonly _tag: "Removed"
      readonly user: NoticeRecipient
      readonly serverName: string
      readonly inactiveDays: number
    }
  | {
      readonly _tag: "RemovalFailed"
      readonly user: NoticeRecipient
      readonly serverName: string
      readonly error: string
      readonly gaveUp: boolean
    }

export interface PruneChatService {
  readonly post: (message: PruneChatMessage) => Effect.Effect<void, NoticeError>
}

/** A chat channel (Discord). `PruneChat.none` for a setup without one. */
export class PruneChat extends Context.Tag("@org/prune/PruneChat")<PruneChat, PruneChatService>() {}

/** No mail transport: every send fails, so no warning is recorded and so no one is removed. */
export const PruneMailDisabled: Layer.Layer<PruneMail> = Layer.succeed(PruneMail, {
  send: () =>
    Effect.fail(
      new NoticeError({ channel: "email", message: "no mail transport is configured", retryable: false })
    )
})

/** No chat channel: messages are dropped. */
export const PruneChatDisabled: Layer.Layer<PruneChat> = Layer.succeed(PruneChat, { post: () => Effect.void })
