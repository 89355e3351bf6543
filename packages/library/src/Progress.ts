/**
 * How far a profile got in an item, as the device observed it. A later
 * observation replaces an earlier one; an earlier one never replaces a later
 * one, whatever order they arrive in.
 */

import { ProfileId } from "@org/accounts"
import { Option, Schema } from "effect"
import { ItemType } from "./Ids.js"

export class Progress extends Schema.Class<Progress>("Progress")({
  profileId: ProfileId,
  itemId: Schema.String,
  itemType: Schema.OptionFromSelf(ItemType),
  progressSeconds: Schema.Number,
  durationSeconds: Schema.OptionFromSelf(Schema.Number),
  /** When the device saw this position (its clock, or the server's receive time). */
  observedAt: Schema.DateTimeUtc,
  /** When the server stored it. */
  updatedAt: Schema.DateTimeUtc
}) {}

/** Finished from 90 % on, or within the last two minutes, when the duration is known. */
export const FINISHED_FRACTION = 0.9
export const FINISHED_TAIL_SECONDS = 120

export const isFinished = (progress: {
  readonly progressSeconds: number
  readonly durationSeconds: Option.Option<number>
}) =>
  Option.match(progress.durationSeconds, {
    onNone: () => false,
    onSome: (duration) =>
      progress.progressSeconds >= duration * FINISHED_FRACTION ||
      progress.progressSeconds >= duration - FINISHED_TAIL_SECONDS
  })

export const percentWatched = (progress: Progress): Option.Option<number> =>
  Option.map(progress.durationSeconds, (duration) =>
    duration === 0 ? 100 : Math.min(100, Math.round((progress.progressSeconds / duration) * 1000) / 10)
  )
