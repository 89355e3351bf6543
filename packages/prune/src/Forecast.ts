/**
 * "What will happen on date X": the decision at a later date, assuming the engine
 * keeps running until then and nobody watches in between.
 */
import { DateTime, Option } from "effect"
import { type Decision, decide, type UserFacts } from "./Decision.js"
import type { PrunePolicy } from "./Policy.js"

/**
 * Decide at `at` as the engine would after running from `now`: a welcome owed now is
 * sent, an obsolete warning cleared, and a warning due before `at` sent when due.
 * For `at <= now` this is `decide` at `at`.
 */
export const forecast = (
  facts: UserFacts,
  policy: PrunePolicy,
  now: DateTime.Utc,
  at: DateTime.Utc
): Decision => {
  if (!DateTime.greaterThan(at, now)) return decide(facts, policy, at)
  const today = decide(facts, policy, now)
  let record = facts.record
  if (today._tag === "Skip") return decide(facts, policy, at)
  if (today.clearWarning) record = { ...record, warnedAt: Option.none() }
  if (today._tag === "Welcome") record = { ...record, welcome: "sent", welcomedAt: Option.some(now) }
  if (today._tag === "Warn") record = { ...record, warnedAt: Option.some(now) }
  if (today._tag === "Nothing" && Option.isSome(today.next) && today.next.value.action === "warn") {
    const warnAt = today.next.value.at
    if (DateTime.lessThan(warnAt, at)) record = { ...record, warnedAt: Option.some(warnAt) }
  }
  if (today._tag === "Welcome") {
    // Welcomed now; the warning still comes when due.
    const afterWelcome = decide({ ...facts, record }, policy, now)
    if (afterWelcome._tag === "Nothing" && Option.isSome(afterWelcome.next)) {
      const warnAt = afterWelcome.next.value.at
      if (afterWelcome.next.value.action === "warn" && DateTime.lessThan(warnAt, at))
        record = { ...record, warnedAt: Option.some(warnAt) }
    }
  }
  return decide({ ...facts, record }, policy, at)
}
