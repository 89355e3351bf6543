/**
 * Port: watch progress per profile and item, one row each. `record` keeps the
 * latest observation: an earlier one arriving late changes nothing.
 */
import type { ProfileId } from "@org/accounts"
import type { StoreUnavailable } from "@org/core"
import { Context, type Effect, type Option } from "effect"
import type { Progress } from "./Progress.js"

export interface ProgressPage {
  readonly items: ReadonlyArray<Progress>
  readonly total: number
}

export interface ProgressStoreService {
  /**
   * Store `progress` unless the stored observation of the item is at least as
   * recent. Answers what stands afterwards, and whether it is this one.
   */
  readonly record: (
    progress: Progress
  ) => Effect.Effect<{ readonly stands: Progress; readonly applied: boolean }, StoreUnavailable>
  readonly find: (
    profileId: ProfileId,
    itemId: string
  ) => Effect.Effect<Option.Option<Progress>, StoreUnavailable>
  /** Items not finished (see `isFinished`), most recently observed first. */
  readonly listUnfinished: (
    profileId: ProfileId,
    page: { readonly offset: number; readonly limit: number }
  ) => Effect.Effect<ProgressPage, StoreUnavailable>
}

export class ProgressStore extends Context.Tag("@org/library/ProgressStore")<
  ProgressStore,
  ProgressStoreService
>() {}
