/**
 * Port: the webhook inbox. A Plex webhook is answered as soon as its event is
 * recorded here, durably; the broadcast runs after the answer. An entry leaves
 * the inbox when its broadcast is done (delivered, or handed to the retry
 * queue), so what a crash interrupts is still here for `recoverInbox`.
 */
import { Context, type DateTime, type Effect, Schema } from "effect"
import { EventId, FamilyGroupId } from "./Ids.js"
import type { PlexPlaybackEvent } from "./PlexEvent.js"

/** The Plex event as received, in Plex's own field names (see `PlexPlaybackEvent`). */
const PlexEventData = Schema.declare(
  (input: unknown): input is PlexPlaybackEvent =>
    typeof input === "object" && input !== null && typeof (input as { event?: unknown }).event === "string",
  { identifier: "PlexPlaybackEvent" }
)

export class InboxEntry extends Schema.Class<InboxEntry>("InboxEntry")({
  id: EventId,
  groupId: FamilyGroupId,
  event: PlexEventData,
  receivedAt: Schema.DateTimeUtc
}) {}

export interface WebhookInboxService {
  /**
   * Record an entry durably, leased to its recorder until `leaseUntil`: no
   * recovery takes it before then. Fails with `false` when the group no longer
   * exists (deleted between lookup and record); succeeds with `true` otherwise.
   */
  readonly record: (entry: InboxEntry, leaseUntil: DateTime.Utc) => Effect.Effect<boolean>
  /** The entry's broadcast is done: forget it. */
  readonly complete: (id: EventId) => Effect.Effect<void>
  /**
   * Claim up to `limit` entries whose lease ended before `now` (their recorder
   * stopped before finishing), oldest first, leasing them until `leaseUntil`.
   * Atomic across processes: an entry goes to one claimer.
   */
  readonly claimStale: (
    now: DateTime.Utc,
    limit: number,
    leaseUntil: DateTime.Utc
  ) => Effect.Effect<ReadonlyArray<InboxEntry>>
  /**
   * The holder is alive and still working on these entries: their leases now end
   * at `leaseUntil`. Entries already completed are skipped. Lets a live process
   * hold work under a short lease (renewed every third of it), so what a dead one
   * held comes back within one lease.
   */
  readonly extendLeases: (ids: ReadonlyArray<EventId>, leaseUntil: DateTime.Utc) => Effect.Effect<void>
  /** How many entries wait, all groups together (for health and metrics). */
  readonly size: () => Effect.Effect<number>
}

export class WebhookInbox extends Context.Tag("@org/family-scrobble/WebhookInbox")<
  WebhookInbox,
  WebhookInboxService
>() {}
