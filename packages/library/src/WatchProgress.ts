/**
 * Watch progress of the active profile across devices. Each write carries the
 * device's time of the observation (`observed_at`, default the server's receive
 * time); the latest observation wins, so a phone that syncs late cannot rewind
 * the TV. The answer says which observation stands.
 */
import { type Caller, decodeInput, InvalidInput } from "@org/accounts"
import { DateTime, Duration, Effect, Option, Schema } from "effect"
import { activeProfile } from "./ActiveProfile.js"
import { ProgressNotFound } from "./Errors.js"
import { ItemId, ItemType } from "./Ids.js"
import { decodePage, type PageRequest } from "./Pages.js"
import { Progress } from "./Progress.js"
import { ProgressStore } from "./ProgressStore.js"

/** An observation further ahead of the server's clock than this is refused. */
export const MAX_CLOCK_AHEAD = Duration.minutes(5)

const Seconds = Schema.Number.pipe(
  Schema.finite({ message: () => "must be a number of seconds" }),
  Schema.nonNegative({ message: () => "cannot be negative" }),
  Schema.lessThanOrEqualTo(7 * 24 * 3600, { message: () => "is at most a week" })
)

const RecordInput = Schema.Struct({
  item_id: ItemId,
  item_type: Schema.optional(Schema.NullOr(ItemType)),
  progress_seconds: Seconds,
  duration_seconds: Schema.optional(Schema.NullOr(Seconds)),
  observed_at: Schema.optional(Schema.NullOr(Schema.DateTimeUtc))
})

export type RecordProgressInput = typeof RecordInput.Encoded

export const recordProgress = (caller: Caller, input: RecordProgressInput) =>
  Effect.gen(function* () {
    const decoded = yield* decodeInput(RecordInput)(input)
    const duration = Option.fromNullable(decoded.duration_seconds)
    if (Option.exists(duration, (d) => decoded.progress_seconds > d))
      return yield* new InvalidInput({ issues: "progress_seconds: cannot be more than duration_seconds" })
    const now = yield* DateTime.now
    const observedAt = decoded.observed_at ?? now
    if (DateTime.greaterThan(observedAt, DateTime.addDuration(now, MAX_CLOCK_AHEAD)))
      return yield* new InvalidInput({
        issues: "observed_at: is ahead of the server's clock by more than 5 minutes"
      })
    const profileId = yield* activeProfile(caller)
    return yield* Effect.flatMap(ProgressStore, (store) =>
      store.record(
        new Progress({
          profileId,
          itemId: decoded.item_id,
          itemType: Option.fromNullable(decoded.item_type),
          progressSeconds: decoded.progress_seconds,
          durationSeconds: duration,
          observedAt,
          updatedAt: now
        })
      )
    )
  })

/** "Continue watching": what the profile has not finished, most recent first. */
export const listProgress = (caller: Caller, page: PageRequest = {}) =>
  Effect.gen(function* () {
    const { offset, limit, page: number } = yield* decodePage(page)
    const profileId = yield* activeProfile(caller)
    const result = yield* Effect.flatMap(ProgressStore, (store) =>
      store.listUnfinished(profileId, { offset, limit })
    )
    return { ...result, page: number, limit }
  })

export const getProgress = (caller: Caller, itemId: string) =>
  Effect.gen(function* () {
    const profileId = yield* activeProfile(caller)
    const found = yield* Effect.flatMap(ProgressStore, (store) => store.find(profileId, itemId))
    if (Option.isNone(found)) return yield* new ProgressNotFound({ itemId })
    return found.value
  })
