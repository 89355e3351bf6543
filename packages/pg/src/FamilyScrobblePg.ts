/**
 * Every family-scrobble store port on Postgres, in one layer.
 */
import { Layer } from "effect"
import { PgGroupStore } from "./PgGroupStore.js"
import type { TokenCipher } from "./TokenCipher.js"

export const FamilyScrobblePg = {
  /** The stores over a `SqlClient` (a server or embedded PGlite) and a `PgStoreConfig`. */
  stores: (options: { readonly cipher: TokenCipher }) => Layer.mergeAll(PgGroupStore.layer(options.cipher))
}
