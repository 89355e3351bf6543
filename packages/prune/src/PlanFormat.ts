/**
 * A plan for people (a table) and for programs (JSON lines).
 */
import { DateTime, Option } from "effect"
import type { Decision } from "./Decision.js"
import type { Plan, PlanEntry } from "./Plan.js"
import { displayName } from "./PlexUser.js"

export interface PlanRow {
  readonly userId: string
  readonly username: string
  readonly kind: string
  /** ISO date-time of the last watch (or session in progress), if any. */
  readonly lastActiveAt: string | null
  readonly decision: "nothing" | "welcome" | "warn" | "remove" | "skip"
  /** The skip reason, or the decision's reason in words. */
  readonly reason: string
  readonly daysLeft: number | null
  /** The next step if the user keeps not watching. */
  readonly next: { readonly action: "warn" | "remove"; readonly at: string } | null
}

const decisionName = (decision: Decision): PlanRow["decision"] =>
  decision._tag === "Nothing"
    ? "nothing"
    : decision._tag === "Welcome"
      ? "welcome"
      : decision._tag === "Warn"
        ? "warn"
        : decision._tag === "Remove"
          ? "remove"
          : "skip"

/** One row per user, in the plan's order. */
export const planRow = (entry: PlanEntry): PlanRow => {
  const d = entry.decision
  const lastActive =
    entry.activity._tag === "Known"
      ? entry.activity.watchingNow
        ? Option.some(entry.activity.observedAt)
        : entry.activity.lastWatchedAt
      : Option.none()
  return {
    userId: entry.user.id,
    username: displayName(entry.user),
    kind: entry.user.kind,
    lastActiveAt: Option.match(lastActive, { onNone: () => null, onSome: DateTime.formatIso }),
    decision: decisionName(d),
    reason: d._tag === "Skip" ? `${d.reason}: ${d.detail}` : d.reason,
    daysLeft: d._tag === "Warn" ? d.daysLeft : null,
    next:
      d._tag === "Nothing" && Option.isSome(d.next)
        ? { action: d.next.value.action, at: DateTime.formatIso(d.next.value.at) }
        : null
  }
}

/** The plan as JSON lines: one object per user. */
export const formatPlanJsonLines = (plan: Plan): string =>
  plan.entries.map((entry) => JSON.stringify(planRow(entry))).join("\n")

const day = (iso: string | null) => (iso === null ? "never" : iso.slice(0, 10))

/** The plan as an aligned text table with a summary line. */
export const formatPlanTable = (plan: Plan): string => {
  const rows = plan.entries.map(planRow)
  const header = ["USER", "KIND", "LAST WATCHED", "DECISION", "DETAIL"]
  const cells = rows.map((row) => [
    row.username,
    row.kind,
    day(row.lastActiveAt),
    row.decision === "warn" ? `warn (${row.daysLeft}d left)` : row.decision,
    row.next !== null && row.decision === "nothing" ? `${row.next.action} on ${day(row.next.at)}` : row.reason
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? "").length)))
  const line = (c: ReadonlyArray<string>) =>
    c.map((cell, i) => (i === c.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  ")
  const counts = new Map<string, number>()
  for (const row of rows) counts.set(row.decision, (counts.get(row.decision) ?? 0) + 1)
  const summary = [
    `Plan for ${day(DateTime.formatIso(plan.at))}: ${rows.length} user(s) on this server`,
    ...["remove", "warn", "welcome", "skip", "nothing"].map((k) => `${counts.get(k) ?? 0} ${k}`)
  ].join(", ")
  const notes = [
    ...(plan.ignoredUsers > 0
      ? [`${plan.ignoredUsers} friend(s) without a share of this server ignored.`]
      : []),
    ...Option.match(plan.activityError, {
      onNone: () => [],
      onSome: (error) => [`Activity source unavailable (${error}): nobody would be warned or removed.`]
    }),
    ...(plan.initialized
      ? []
      : ["Not initialized: the first live run records current users without welcoming them."])
  ]
  return [line(header), ...cells.map(line), "", summary, ...notes].join("\n")
}
