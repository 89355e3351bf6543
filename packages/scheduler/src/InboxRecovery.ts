/**
 * Inbox recovery: broadcasts webhook events that were answered but whose
 * broadcast never finished (the process that accepted them stopped), once the
 * lease of the process that recorded them has ended.
 */
import { recoverInbox } from "@org/family-scrobble"
import { Duration } from "effect"
import { PeriodicJob } from "./PeriodicJob.js"

/** Tuning of inbox recovery. */
export interface InboxRecoveryOptions {
  /** Time between runs. Default 2 seconds (a cheap indexed query when nothing is stale). */
  readonly interval?: Duration.DurationInput
  /** Entries claimed per run. Default 100. */
  readonly limit?: number
  /** How long claimed entries stay reserved for this process without a renewal (renewed every third of it while worked on). Default 10 seconds. */
  readonly lease?: Duration.DurationInput
}

/**
 * `recoverInbox` at start and every `interval`. At start it broadcasts what a
 * previous run of this process left, as soon as those entries' leases end.
 */
const layer = (options: InboxRecoveryOptions = {}) =>
  PeriodicJob.layer(
    recoverInbox({
      ...(options.limit === undefined ? {} : { limit: options.limit }),
      ...(options.lease === undefined ? {} : { lease: options.lease })
    }),
    {
      name: "inbox-recovery",
      interval: options.interval ?? Duration.seconds(2),
      didWork: (count) => count > 0
    }
  )

/** Inbox recovery as a Layer: `InboxRecovery.layer(options?)`. */
export const InboxRecovery = { layer }
