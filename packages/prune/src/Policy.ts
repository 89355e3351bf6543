/**
 * The rule an owner sets: watch at least once every `kickDays` days or lose access,
 * with a warning at `warnDays` and a notice period before any removal.
 */
import { Duration, Either } from "effect"
import { InvalidPolicy } from "./Errors.js"

/** What to do in Tautulli after a removal. */
export type ActivityCleanup = "none" | "delete-user" | "purge-history"

/** How a user with neither history nor a known join date is treated. */
export type UnknownJoinDate = "skip" | "first-seen"

export interface RemovalRetryPolicy {
  /** Wait after the first failed removal; doubled after each further failure. */
  readonly initialDelay: Duration.Duration
  /** The longest wait between two attempts. */
  readonly maxDelay: Duration.Duration
  /** Attempts in all; after the last failure the engine gives up and tells the admin. */
  readonly maxAttempts: number
}

export interface PrunePolicy {
  /** Days without watching before the warning (default 27). */
  readonly warnDays: number
  /** Days without watching before removal (default 30). */
  readonly kickDays: number
  /** Days between a warning and the earliest removal (default `kickDays - warnDays`). */
  readonly minNoticeDays: number
  /** A new user's grace before the clock starts (default 24 h). */
  readonly grace: Duration.Duration
  /** Users with neither history nor a known join date: skipped (default) or counted from first seen. */
  readonly unknownJoinDate: UnknownJoinDate
  /** Never acted on: Plex user ids, usernames or emails (case-insensitive). */
  readonly vip: ReadonlyArray<string>
  /** The admin's email: reports go there, and a user with it is never acted on. */
  readonly adminEmail: string | undefined
  /** Plex Home members are candidates (default false). */
  readonly includeHomeUsers: boolean
  /** Managed users are candidates (default false). */
  readonly includeManagedUsers: boolean
  /** Tautulli cleanup after a removal (default none). */
  readonly activityCleanup: ActivityCleanup
  readonly removalRetry: RemovalRetryPolicy
  /** Compute and report, but send, remove and record nothing (default true). */
  readonly dryRun: boolean
}

export interface PrunePolicyInput {
  readonly warnDays?: number | undefined
  readonly kickDays?: number | undefined
  readonly minNoticeDays?: number | undefined
  readonly grace?: Duration.DurationInput | undefined
  readonly unknownJoinDate?: UnknownJoinDate | undefined
  readonly vip?: ReadonlyArray<string> | undefined
  readonly adminEmail?: string | undefined
  readonly includeHomeUsers?: boolean | undefined
  readonly includeManagedUsers?: boolean | undefined
  readonly activityCleanup?: ActivityCleanup | undefined
  readonly removalRetry?:
    | Partial<{
        readonly initialDelay: Duration.DurationInput
        readonly maxDelay: Duration.DurationInput
        readonly maxAttempts: number
      }>
    | undefined
  readonly dryRun?: boolean | undefined
}

export const defaultRemovalRetry: RemovalRetryPolicy = {
  initialDelay: Duration.minutes(30),
  maxDelay: Duration.hours(12),
  maxAttempts: 5
}

const positiveNumber = (field: string, value: number): Either.Either<number, InvalidPolicy> =>
  Number.isFinite(value) && value > 0
    ? Either.right(value)
    : Either.left(new InvalidPolicy({ field, message: `${field} must be a positive number (got ${value})` }))

/**
 * Build a policy from partial input, checking `0 < warnDays < kickDays` and the rest.
 * Defaults: warn at 27, remove at 30, 3 days' notice, 24 h grace, dry run on.
 */
export const makePolicy = (input: PrunePolicyInput = {}): Either.Either<PrunePolicy, InvalidPolicy> =>
  Either.gen(function* () {
    const warnDays = yield* positiveNumber("warnDays", input.warnDays ?? 27)
    const kickDays = yield* positiveNumber("kickDays", input.kickDays ?? 30)
    if (warnDays >= kickDays)
      return yield* Either.left(
        new InvalidPolicy({
          field: "warnDays",
          message: `warnDays (${warnDays}) must be less than kickDays (${kickDays})`
        })
      )
    const minNoticeDays = input.minNoticeDays ?? kickDays - warnDays
    if (!Number.isFinite(minNoticeDays) || minNoticeDays < 0)
      return yield* Either.left(
        new InvalidPolicy({
          field: "minNoticeDays",
          message: `minNoticeDays must be 0 or more (got ${minNoticeDays})`
        })
      )
    const grace = Duration.decode(input.grace ?? Duration.hours(24))
    const retry = input.removalRetry ?? {}
    const maxAttempts = retry.maxAttempts ?? defaultRemovalRetry.maxAttempts
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
      return yield* Either.left(
        new InvalidPolicy({
          field: "removalRetry.maxAttempts",
          message: `removalRetry.maxAttempts must be a whole number of at least 1 (got ${maxAttempts})`
        })
      )
    const adminEmail = input.adminEmail?.trim()
    return {
      warnDays,
      kickDays,
      minNoticeDays,
      grace,
      unknownJoinDate: input.unknownJoinDate ?? "skip",
      vip: (input.vip ?? []).map((entry) => entry.trim()).filter((entry) => entry !== ""),
      adminEmail: adminEmail === undefined || adminEmail === "" ? undefined : adminEmail,
      includeHomeUsers: input.includeHomeUsers ?? false,
      includeManagedUsers: input.includeManagedUsers ?? false,
      activityCleanup: input.activityCleanup ?? "none",
      removalRetry: {
        initialDelay: Duration.decode(retry.initialDelay ?? defaultRemovalRetry.initialDelay),
        maxDelay: Duration.decode(retry.maxDelay ?? defaultRemovalRetry.maxDelay),
        maxAttempts
      },
      dryRun: input.dryRun ?? true
    } satisfies PrunePolicy
  })

/** The delay before attempt `attempts + 1`, after `attempts` failures (1 → initialDelay). */
export const removalRetryDelay = (retry: RemovalRetryPolicy, attempts: number): Duration.Duration => {
  const base = Duration.toMillis(retry.initialDelay) * 2 ** Math.max(0, attempts - 1)
  return Duration.millis(Math.min(base, Duration.toMillis(retry.maxDelay)))
}
