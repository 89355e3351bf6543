/**
 * The append-only audit log: every action the engine decided and what came of it,
 * with its reason, in dry runs as in live ones.
 */
import type { DateTime } from "effect"

export type AuditAction =
  | "record-existing"
  | "record-new"
  | "welcome"
  | "warn"
  | "clear-warning"
  | "remove"
  | "activity-cleanup"
  | "removal-email"
  | "admin-report"
  | "chat"
  | "skip"
  | "cycle"

/** `planned` in a dry run; `done` or `failed` in a live one. */
export type AuditOutcome = "planned" | "done" | "failed"

export interface AuditEntry {
  readonly at: DateTime.Utc
  readonly dryRun: boolean
  /** Which pass wrote it: `new-users`, `inactivity`. */
  readonly pass: "new-users" | "inactivity"
  readonly userId: string | undefined
  readonly username: string | undefined
  readonly action: AuditAction
  readonly outcome: AuditOutcome
  /** Why, in words a person can read. */
  readonly reason: string
}
