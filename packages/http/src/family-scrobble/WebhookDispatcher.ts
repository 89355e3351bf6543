/**
 * Broadcasts run after the webhook's answer, in fibers owned by the server, not
 * by the request, one group's events one after the other in arrival order. On shutdown, broadcasts under way get `drainTimeout` to
 * finish; what is still unfinished then stays in the inbox and is recovered.
 */

import type { Locks, SecureRandom } from "@org/core"
import {
  type EventId,
  FamilyScrobbleConfig,
  type GroupStore,
  type InboxEntry,
  type MemberPacer,
  type Notifications,
  type PlaybackSessions,
  processInboxEntry,
  type RetryQueue,
  type TraktApi,
  WebhookInbox,
  whileLeased
} from "@org/family-scrobble"
import { Context, Duration, Effect, FiberSet, Layer } from "effect"

/** What a broadcast needs. */
export type BroadcastServices =
  | GroupStore
  | RetryQueue
  | Notifications
  | Locks
  | MemberPacer
  | PlaybackSessions
  | SecureRandom
  | TraktApi
  | WebhookInbox

export class WebhookDispatcher extends Context.Tag("@org/http/WebhookDispatcher")<
  WebhookDispatcher,
  {
    /** Start broadcasting an accepted entry; returns at once. */
    readonly dispatch: (entry: InboxEntry) => Effect.Effect<void>
    /** The lease to record entries under: this dispatcher renews it until their broadcast ends. */
    readonly lease: Duration.Duration
  }
>() {
  static readonly layer = (
    options: { readonly drainTimeout?: Duration.DurationInput; readonly lease?: Duration.DurationInput } = {}
  ) =>
    Layer.scoped(
      WebhookDispatcher,
      Effect.gen(function* () {
        const fibers = yield* FiberSet.make<unknown, never>()
        const context = yield* Effect.context<BroadcastServices>()
        // A reference, not in the context unless provided: carry the settings in force over explicitly.
        const settings = yield* FamilyScrobbleConfig
        // What waits here or is being broadcast stays leased to this process: renewed
        // every third of the lease, so if the process dies another takes it over within
        // one lease (10 s), not minutes. Forked before the drain below is added, so it
        // keeps renewing while the drain runs.
        const lease = Duration.decode(options.lease ?? Duration.seconds(10))
        const held = new Set<EventId>()
        const inbox = Context.get(context, WebhookInbox)
        yield* whileLeased(
          (leaseUntil) => (held.size === 0 ? Effect.void : inbox.extendLeases([...held], leaseUntil)),
          lease
        )(Effect.never).pipe(Effect.forkScoped)
        // Finalizers run last-added first: drain, then FiberSet interrupts the rest.
        yield* Effect.addFinalizer(() =>
          FiberSet.awaitEmpty(fibers).pipe(
            Effect.timeout(options.drainTimeout ?? Duration.seconds(10)),
            Effect.ignore
          )
        )
        const process = (entry: InboxEntry) =>
          processInboxEntry(entry).pipe(
            Effect.catchAllCause((cause) =>
              Effect.logError("broadcast failed; the event stays in the inbox for recovery", cause)
            ),
            Effect.ensuring(Effect.sync(() => held.delete(entry.id))),
            Effect.annotateLogs({ event_id: entry.id, group_id: entry.groupId }),
            Effect.provide(context),
            Effect.provideService(FamilyScrobbleConfig, settings)
          )
        // One fiber per group with work, taking the group's entries in arrival
        // order: a later event never overtakes an earlier one of its group.
        const backlogs = new Map<InboxEntry["groupId"], Array<InboxEntry>>()
        const drain = (groupId: InboxEntry["groupId"]): Effect.Effect<void> =>
          Effect.suspend(() => {
            const backlog = backlogs.get(groupId)
            const next = backlog?.shift()
            if (backlog === undefined || next === undefined) {
              backlogs.delete(groupId)
              return Effect.void
            }
            return Effect.zipRight(process(next), drain(groupId))
          })
        return {
          lease,
          dispatch: (entry) =>
            Effect.suspend(() => {
              held.add(entry.id)
              const backlog = backlogs.get(entry.groupId)
              if (backlog !== undefined) {
                backlog.push(entry)
                return Effect.void
              }
              backlogs.set(entry.groupId, [entry])
              return FiberSet.run(fibers, drain(entry.groupId)).pipe(Effect.asVoid)
            })
        }
      })
    )
}
