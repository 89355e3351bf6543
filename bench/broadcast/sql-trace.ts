/**
 * Where a broadcast's time goes in the database: every statement the stores run
 * (`@effect/sql`'s `sql.execute` spans, seen through a tracer of the SDK's
 * runtime), grouped by what it does, with when it started and ended in the
 * broadcast. A statement's time includes waiting for a pooled connection. Off
 * unless the benchmark is run with `sqlTrace` (Postgres and PGlite stores only).
 */
import { Option, Tracer } from "effect"

/** What a statement of a broadcast does, from its SQL. */
export type StatementKind =
  | "find group"
  | "lock take"
  | "lock keep-alive"
  | "lock release"
  | "list members"
  | "drop superseded"
  | "other"

const kindOf = (sql: string): StatementKind => {
  const text = sql.replace(/\s+/g, " ").trim()
  // Tables are schema-qualified and quoted: "schema"."table".
  if (/^INSERT INTO \S*locks\W/.test(text)) return "lock take"
  if (/^UPDATE \S*locks\W/.test(text)) return "lock keep-alive"
  if (/^DELETE FROM \S*locks\W/.test(text)) return "lock release"
  if (/^DELETE FROM \S*retry_queue_items\S* WHERE member_id = .*RETURNING id$/.test(text))
    return "drop superseded"
  if (/^SELECT id, plex_username, created_at FROM \S*family_groups\S* WHERE id =/.test(text))
    return "find group"
  if (/^SELECT id, group_id, label, .* FROM \S*group_members\S* WHERE group_id =/.test(text))
    return "list members"
  return "other"
}

interface Statement {
  readonly kind: StatementKind
  readonly start: number
  end: number
}

/** One kind of statement in one broadcast: ms after the broadcast started. */
export interface StatementSample {
  readonly count: number
  readonly firstStart: number
  readonly lastEnd: number
  /** Sum of the statements' durations (they overlap when run concurrently). */
  readonly total: number
  /** The longest statement. */
  readonly longest: number
}

/** Medians over the recorded broadcasts, per kind of statement. */
export type SqlPhases = Partial<Record<StatementKind, StatementSample>>

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.ceil(sorted.length / 2) - 1] ?? Number.NaN
}

let ids = 0
const nextId = () => (++ids).toString(16).padStart(16, "0")

/** A tracer recording the `sql.execute` spans, and the broadcasts they belong to. */
export const startSqlTrace = () => {
  let statements: Array<Statement> = []
  const samples: Array<Partial<Record<StatementKind, StatementSample>>> = []
  const tracer = Tracer.make({
    span: (name, parent, context, links, _startTime, kind) => {
      const attributes = new Map<string, unknown>()
      const traceId = Option.match(parent, { onNone: nextId, onSome: (p) => p.traceId })
      const started = performance.now()
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId: nextId(),
        traceId,
        parent,
        context,
        status: { _tag: "Started", startTime: 0n },
        attributes,
        links,
        sampled: true,
        kind,
        end: () => {
          if (name !== "sql.execute") return
          statements.push({
            kind: kindOf(String(attributes.get("db.query.text") ?? "")),
            start: started,
            end: performance.now()
          })
        },
        attribute: (key, value) => {
          attributes.set(key, value)
        },
        event: () => {},
        addLinks: () => {}
      }
      return span
    },
    context: (f) => f()
  })
  return {
    tracer,
    begin: () => {
      statements = []
    },
    end: (record: boolean, started: number) => {
      if (!record) return
      const sample: Partial<Record<StatementKind, StatementSample>> = {}
      for (const s of statements) {
        const previous = sample[s.kind]
        const duration = s.end - s.start
        sample[s.kind] = {
          count: (previous?.count ?? 0) + 1,
          firstStart: Math.min(previous?.firstStart ?? Number.POSITIVE_INFINITY, s.start - started),
          lastEnd: Math.max(previous?.lastEnd ?? Number.NEGATIVE_INFINITY, s.end - started),
          total: (previous?.total ?? 0) + duration,
          longest: Math.max(previous?.longest ?? 0, duration)
        }
      }
      samples.push(sample)
    },
    /** Medians over the recorded broadcasts of each kind seen (a broadcast without it counts as 0). */
    stats: (): SqlPhases => {
      const kinds = new Set(samples.flatMap((s) => Object.keys(s) as Array<StatementKind>))
      const result: SqlPhases = {}
      for (const kind of kinds) {
        const of = (f: (s: StatementSample) => number) =>
          median(samples.map((s) => (s[kind] === undefined ? 0 : f(s[kind] as StatementSample))))
        result[kind] = {
          count: of((s) => s.count),
          firstStart: of((s) => s.firstStart),
          lastEnd: of((s) => s.lastEnd),
          total: of((s) => s.total),
          longest: of((s) => s.longest)
        }
      }
      return result
    }
  }
}
