/**
 * The resellers' storage port: each client row, listed by reseller a page at a
 * time with the account's email and name and the plan's name, counted, and
 * found when its period is due. `@org/pg/resellers` on Postgres;
 * `@org/resellers/testing` in memory.
 */
import type { UserId } from "@org/accounts"
import type { StoreUnavailable } from "@org/core"
import { Context, type DateTime, type Effect, type Option } from "effect"
import type { ClientListing, ResellerClient } from "./ResellerClient.js"

export interface ResellerStoreService {
  readonly add: (client: ResellerClient) => Effect.Effect<void, StoreUnavailable>
  readonly find: (clientId: UserId) => Effect.Effect<Option.Option<ResellerClient>, StoreUnavailable>
  /** The reseller's clients, newest first. */
  readonly list: (
    resellerId: UserId,
    page: { readonly offset: number; readonly limit: number }
  ) => Effect.Effect<
    { readonly listings: ReadonlyArray<ClientListing>; readonly total: number },
    StoreUnavailable
  >
  /** All the reseller's clients, and those whose period runs at `now`. */
  readonly counts: (
    resellerId: UserId,
    now: DateTime.Utc
  ) => Effect.Effect<{ readonly total: number; readonly active: number }, StoreUnavailable>
  /** Replace a client's row; none when there is no such client. */
  readonly update: (
    clientId: UserId,
    f: (client: ResellerClient) => ResellerClient
  ) => Effect.Effect<Option.Option<ResellerClient>, StoreUnavailable>
  /** Clients that renew and whose period ended at or before `now` (oldest first), up to `limit`. */
  readonly due: (
    now: DateTime.Utc,
    limit: number
  ) => Effect.Effect<ReadonlyArray<ResellerClient>, StoreUnavailable>
}

export class ResellerStore extends Context.Tag("@org/resellers/ResellerStore")<
  ResellerStore,
  ResellerStoreService
>() {}
