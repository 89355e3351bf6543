/**
 * The total of a page of rows read with `count(*) OVER () AS total`: the first
 * row's, or, on a page past the end (no rows), a count of its own.
 */
import { Effect } from "effect"

export const pageTotal = <E, R>(
  rows: ReadonlyArray<{ readonly total: string | number }>,
  countAll: Effect.Effect<ReadonlyArray<{ readonly n: string | number }>, E, R>
): Effect.Effect<number, E, R> =>
  rows[0] !== undefined
    ? Effect.succeed(Number(rows[0].total))
    : Effect.map(countAll, (r) => Number(r[0]?.n ?? 0))
