/**
 * Port: where idempotency keys live, with the answer given to the request that
 * first used each (Stripe's semantics). A key is scoped to its caller; a
 * claimed key is in progress until it is completed with an answer or released.
 * `@org/pg` keeps them in a table (a claim made inside a `UnitOfWork` commits
 * or rolls back with it); `IdempotencyStore.layerMemory` keeps them in a Map.
 *
 * @since 0.3.0
 */
import { Context, DateTime, Effect, Layer, Option } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/**
 * An answer as it was sent: replayed byte for byte.
 *
 * @since 0.3.0
 * @category models
 */
export interface StoredAnswer {
  readonly status: number
  readonly contentType: string
  readonly body: Uint8Array
}

/**
 * @since 0.3.0
 * @category models
 */
export type ClaimResult =
  /** The key is new (or its earlier claim was abandoned): the caller runs the request. */
  | { readonly _tag: "Claimed" }
  /** Another request with the key has not finished. */
  | { readonly _tag: "InProgress" }
  /** The key was used: its request's fingerprint and answer. */
  | { readonly _tag: "Completed"; readonly fingerprint: string; readonly answer: StoredAnswer }

/**
 * @since 0.3.0
 * @category models
 */
export interface IdempotencyStoreService {
  /**
   * Claim `key` for `scope`. A claim older than `staleBefore` that was never
   * completed (its process died) is taken over. A completed key answers
   * `Completed` whatever the fingerprint: the caller compares.
   */
  readonly claim: (
    scope: string,
    key: string,
    fingerprint: string,
    now: DateTime.Utc,
    staleBefore: DateTime.Utc
  ) => Effect.Effect<ClaimResult, StoreUnavailable>
  /** Record the answer of a claimed key. */
  readonly complete: (
    scope: string,
    key: string,
    answer: StoredAnswer,
    now: DateTime.Utc
  ) => Effect.Effect<void, StoreUnavailable>
  /** Forget a claimed key whose answer is not kept (a request that failed validation). */
  readonly release: (scope: string, key: string) => Effect.Effect<void, StoreUnavailable>
  /** Delete the keys created before `before`; answers how many. */
  readonly prune: (before: DateTime.Utc) => Effect.Effect<number, StoreUnavailable>
}

/**
 * @since 0.3.0
 * @category tags
 */
export class IdempotencyStore extends Context.Tag("@org/core/IdempotencyStore")<
  IdempotencyStore,
  IdempotencyStoreService
>() {
  /** The keys in a Map: one process, gone at exit. */
  static readonly layerMemory: Layer.Layer<IdempotencyStore> = Layer.sync(IdempotencyStore, () => {
    const rows = new Map<
      string,
      { fingerprint: string; createdAt: DateTime.Utc; answer: Option.Option<StoredAnswer> }
    >()
    const id = (scope: string, key: string) => `${scope.length}:${scope}:${key}`
    return {
      claim: (scope, key, fingerprint, now, staleBefore) =>
        Effect.sync((): ClaimResult => {
          const row = rows.get(id(scope, key))
          if (row !== undefined) {
            if (Option.isSome(row.answer))
              return { _tag: "Completed", fingerprint: row.fingerprint, answer: row.answer.value }
            if (DateTime.greaterThanOrEqualTo(row.createdAt, staleBefore)) return { _tag: "InProgress" }
          }
          rows.set(id(scope, key), { fingerprint, createdAt: now, answer: Option.none() })
          return { _tag: "Claimed" }
        }),
      complete: (scope, key, answer) =>
        Effect.sync(() => {
          const row = rows.get(id(scope, key))
          if (row !== undefined) row.answer = Option.some(answer)
        }),
      release: (scope, key) => Effect.sync(() => void rows.delete(id(scope, key))),
      prune: (before) =>
        Effect.sync(() => {
          let removed = 0
          for (const [k, row] of rows)
            if (DateTime.lessThan(row.createdAt, before)) {
              rows.delete(k)
              removed++
            }
          return removed
        })
    }
  })
}
