/**
 * Favorites of the active profile (the selected one, else the default):
 * adding one twice answers the one that exists; `max_favorites` counts per profile.
 */
import { type Caller, decodeInput, Entitlements, HttpUrl } from "@org/accounts"
import { randomUuid } from "@org/core"
import { DateTime, Effect, Option, Schema } from "effect"
import { activeProfile } from "./ActiveProfile.js"
import { FavoriteNotFound } from "./Errors.js"
import { Favorite } from "./Favorite.js"
import { FavoriteStore } from "./FavoriteStore.js"
import { FavoriteId, ItemId, ItemType } from "./Ids.js"
import { decodePage, type PageRequest } from "./Pages.js"

const AddInput = Schema.Struct({
  item_id: ItemId,
  item_type: ItemType,
  item_name: Schema.Trim.pipe(
    Schema.minLength(1, { message: () => "an item name is required" }),
    Schema.maxLength(200, { message: () => "an item name has at most 200 characters" })
  ),
  item_logo: Schema.optional(Schema.NullOr(HttpUrl))
})

export type AddFavoriteInput = typeof AddInput.Encoded

export const addFavorite = (caller: Caller, input: AddFavoriteInput) =>
  Effect.gen(function* () {
    const decoded = yield* decodeInput(AddInput)(input)
    const profileId = yield* activeProfile(caller)
    const favorite = new Favorite({
      id: FavoriteId.make(yield* randomUuid),
      profileId,
      itemId: decoded.item_id,
      itemType: decoded.item_type,
      itemName: decoded.item_name,
      itemLogo: Option.fromNullable(decoded.item_logo),
      createdAt: yield* DateTime.now
    })
    const { plan } = yield* Effect.flatMap(Entitlements, (e) => e.forUser(caller.userId))
    return yield* Effect.flatMap(FavoriteStore, (store) => store.add(favorite, plan.maxFavorites))
  })

const ListInput = Schema.Struct({ type: Schema.optional(ItemType) })

export const listFavorites = (
  caller: Caller,
  query: PageRequest & { readonly type?: string | undefined } = {}
) =>
  Effect.gen(function* () {
    const { type } = yield* decodeInput(ListInput)({ type: query.type })
    const { offset, limit, page } = yield* decodePage(query)
    const profileId = yield* activeProfile(caller)
    const result = yield* Effect.flatMap(FavoriteStore, (store) =>
      store.list(profileId, { type, offset, limit })
    )
    return { ...result, page, limit }
  })

const decodeFavoriteId = Schema.decodeUnknownOption(FavoriteId)

export const removeFavorite = (caller: Caller, favoriteId: string) =>
  Effect.gen(function* () {
    const id = decodeFavoriteId(favoriteId)
    const profileId = yield* activeProfile(caller)
    const deleted = Option.isSome(id)
      ? yield* Effect.flatMap(FavoriteStore, (store) => store.delete(profileId, id.value))
      : false
    if (!deleted) return yield* new FavoriteNotFound({ favoriteId })
  })
