/**
 * Port: the favorites of each profile. Adding one twice answers the one that
 * exists; the limit counts the profile's favorites and is checked in the write.
 */
import type { PlanLimitReached, ProfileId } from "@org/accounts"
import type { StoreUnavailable } from "@org/core"
import { Context, type Effect } from "effect"
import type { Favorite } from "./Favorite.js"
import type { FavoriteId, ItemType } from "./Ids.js"

export interface FavoritePage {
  readonly favorites: ReadonlyArray<Favorite>
  readonly total: number
}

export interface FavoriteStoreService {
  readonly add: (
    favorite: Favorite,
    maxFavorites: number
  ) => Effect.Effect<
    { readonly favorite: Favorite; readonly created: boolean },
    PlanLimitReached | StoreUnavailable
  >
  /** Newest first, optionally of one type. */
  readonly list: (
    profileId: ProfileId,
    query: { readonly type?: ItemType | undefined; readonly offset: number; readonly limit: number }
  ) => Effect.Effect<FavoritePage, StoreUnavailable>
  readonly delete: (profileId: ProfileId, favoriteId: FavoriteId) => Effect.Effect<boolean, StoreUnavailable>
}

export class FavoriteStore extends Context.Tag("@org/library/FavoriteStore")<
  FavoriteStore,
  FavoriteStoreService
>() {}
