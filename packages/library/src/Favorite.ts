/**
 * A favorite of one profile: a channel, movie, series or episode. One per
 * (profile, type, item).
 */

import { ProfileId } from "@org/accounts"
import { Schema } from "effect"
import { FavoriteId, ItemType } from "./Ids.js"

export class Favorite extends Schema.Class<Favorite>("Favorite")({
  id: FavoriteId,
  profileId: ProfileId,
  itemId: Schema.String,
  itemType: ItemType,
  itemName: Schema.String,
  itemLogo: Schema.OptionFromSelf(Schema.String),
  createdAt: Schema.DateTimeUtc
}) {}
