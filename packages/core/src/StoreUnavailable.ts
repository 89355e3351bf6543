/**
 * The failure every store port may answer when its storage cannot be reached
 * (a database down, a connection dropped, a pool exhausted): a typed, expected
 * failure that an API answers 503 with `Retry-After`, not a crash. Bugs (a
 * query the database refuses) stay defects.
 *
 * @since 0.2.0
 */
import { Schema } from "effect"

/**
 * @since 0.2.0
 * @category errors
 */
export class StoreUnavailable extends Schema.TaggedError<StoreUnavailable>()("StoreUnavailable", {
  /** Seconds a client should wait before trying again. */
  retryAfterSeconds: Schema.Int
}) {
  override get message(): string {
    return "The service's database is not answering; try again shortly."
  }
}
