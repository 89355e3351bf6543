/**
 * Port: the engine's durable state. Every write touches only the fields it names and
 * checks the state it expects, so the new-user and inactivity passes (and two
 * processes) never overwrite each other's updates.
 */
import { Context, type DateTime, type Effect, type Option } from "effect"
import type { AuditEntry } from "./AuditEntry.js"
import type { NewUser, RemovalFailure, UserRecord } from "./UserRecord.js"

export interface PruneStoreService {
  /** When the first live run recorded the users already there; none before it. */
  readonly initializedAt: Effect.Effect<Option.Option<DateTime.Utc>>
  /**
   * The first live run: record these users silently (`welcome = not-needed`) and mark
   * the store initialized, in one transaction. False (and nothing written) if another
   * run initialized it first.
   */
  readonly initialize: (users: ReadonlyArray<NewUser>, at: DateTime.Utc) => Effect.Effect<boolean>
  /** All records, keyed by user id. */
  readonly users: Effect.Effect<ReadonlyMap<string, UserRecord>>
  /**
   * Record users seen for the first time with `welcome = pending` (or `not-needed` when
   * `welcome` is false). Users already recorded are left alone; returns the ids inserted.
   */
  readonly recordNewUsers: (
    users: ReadonlyArray<NewUser>,
    at: DateTime.Utc,
    welcome: boolean
  ) => Effect.Effect<ReadonlyArray<string>>
  /**
   * A removed user who is back on the server (invited again): start over as a new
   * user (join now, welcome pending, no warning, no failures). False if not removed.
   */
  readonly reinstate: (user: NewUser, at: DateTime.Utc) => Effect.Effect<boolean>
  /**
   * Claim up to `limit` owed welcomes: `pending` records whose previous claim (if any)
   * has lapsed. A claimed welcome is not handed out again before `leaseUntil`, so a
   * crash between sending and `completeWelcome` sends it again later, never never.
   */
  readonly claimWelcomes: (
    now: DateTime.Utc,
    leaseUntil: DateTime.Utc,
    limit: number
  ) => Effect.Effect<ReadonlyArray<UserRecord>>
  /** The welcome went out (or cannot go out: no address): `welcome = sent`. */
  readonly completeWelcome: (userId: string, at: DateTime.Utc) => Effect.Effect<void>
  /** Record a warning sent at `at`, only if none is outstanding. False if one was. */
  readonly markWarned: (userId: string, at: DateTime.Utc) => Effect.Effect<boolean>
  /** Clear the outstanding warning sent at `warnedAt` (the user watched since). */
  readonly clearWarning: (userId: string, warnedAt: DateTime.Utc) => Effect.Effect<boolean>
  /** The user was removed from the server: set `removedAt` (the first time only), clear the failure. */
  readonly markRemoved: (userId: string, at: DateTime.Utc) => Effect.Effect<void>
  /**
   * A removal failed: store the failure (attempts, next attempt or giving up), unless
   * the user is removed or a failure with more attempts is stored (a slow process
   * never puts an older count back).
   */
  readonly recordRemovalFailure: (userId: string, failure: RemovalFailure) => Effect.Effect<void>
  /**
   * Take the lease `name` for `holder` until `until`, unless another holder's lease
   * is still running at `now`. True if `holder` now holds it. Live passes run under
   * one, so two processes never run the same pass at once (two inactivity passes
   * would both warn and both try to remove).
   */
  readonly acquireLease: (
    name: string,
    holder: string,
    now: DateTime.Utc,
    until: DateTime.Utc
  ) => Effect.Effect<boolean>
  /** Give the lease back, if `holder` still holds it. */
  readonly releaseLease: (name: string, holder: string) => Effect.Effect<void>
  /**
   * Note that the admin is being told about `key` (an outage of plex.tv or of the
   * activity source). True the first time; false while it stays raised, so the admin
   * hears once, not every pass.
   */
  readonly raiseAlert: (key: string, at: DateTime.Utc) => Effect.Effect<boolean>
  /** The condition `key` is over. True if it had been raised (the admin hears that too). */
  readonly clearAlert: (key: string) => Effect.Effect<boolean>
  /** Append entries to the audit log. */
  readonly appendAudit: (entries: ReadonlyArray<AuditEntry>) => Effect.Effect<void>
  /** The newest audit entries first, optionally for one user. */
  readonly auditLog: (options?: {
    readonly limit?: number
    readonly userId?: string
  }) => Effect.Effect<ReadonlyArray<AuditEntry>>
}

export class PruneStore extends Context.Tag("@org/prune/PruneStore")<PruneStore, PruneStoreService>() {}
