/**
 * The library ports on Postgres. Playlist URLs and credentials are encrypted
 * with the token cipher (AES-256-GCM, rotatable keys). A limit is checked under
 * a transaction-scoped advisory lock of its owner, in the transaction that
 * writes; progress is one upsert that only a later observation updates. Rows read
 * back are the store's own writes, built without validating them again (`new X(row, true)`).
 */
import { SqlClient } from "@effect/sql"
import type { ProfileId, UserId } from "@org/accounts"
import { PlanLimitReached } from "@org/accounts"
import {
  Favorite,
  type FavoriteId,
  FavoriteStore,
  type FavoriteStoreService,
  type ItemType,
  Playlist,
  PlaylistCredentials,
  type PlaylistId,
  type PlaylistKind,
  PlaylistStore,
  type PlaylistStoreService,
  Progress,
  ProgressStore,
  type ProgressStoreService
} from "@org/library"
import { Context, DateTime, Effect, Layer, Option } from "effect"
import { pageTotal } from "../Paging.js"
import { PgStoreConfig } from "../PgStoreConfig.js"
import { storeFailures } from "../StoreErrors.js"
import type { TokenCipher } from "../TokenCipher.js"

const toDate = (value: DateTime.DateTime) => DateTime.toDate(value)
const dateOf = (value: Date) => DateTime.unsafeMake(value)

interface PlaylistRow {
  readonly id: string
  readonly user_id: string
  readonly name: string
  readonly kind: PlaylistKind
  readonly host: string
  readonly url_enc: string
  readonly username_enc: string | null
  readonly password_enc: string | null
  readonly created_at: Date
  readonly updated_at: Date
}

interface FavoriteRow {
  readonly id: string
  readonly profile_id: string
  readonly item_id: string
  readonly item_type: ItemType
  readonly item_name: string
  readonly item_logo: string | null
  readonly created_at: Date
}

interface ProgressRow {
  readonly profile_id: string
  readonly item_id: string
  readonly item_type: ItemType | null
  readonly progress_seconds: number
  readonly duration_seconds: number | null
  readonly observed_at: Date
  readonly updated_at: Date
}

const toFavorite = (row: FavoriteRow) =>
  new Favorite(
    {
      id: row.id as FavoriteId,
      profileId: row.profile_id as ProfileId,
      itemId: row.item_id,
      itemType: row.item_type,
      itemName: row.item_name,
      itemLogo: Option.fromNullable(row.item_logo),
      createdAt: dateOf(row.created_at)
    },
    true
  )

const toProgress = (row: ProgressRow) =>
  new Progress(
    {
      profileId: row.profile_id as ProfileId,
      itemId: row.item_id,
      itemType: Option.fromNullable(row.item_type),
      progressSeconds: Number(row.progress_seconds),
      durationSeconds: Option.map(Option.fromNullable(row.duration_seconds), Number),
      observedAt: dateOf(row.observed_at),
      updatedAt: dateOf(row.updated_at)
    },
    true
  )

export const makePgLibraryStores = (cipher: TokenCipher) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const { schema } = yield* PgStoreConfig
    const playlists = sql(`${schema}.playlists`)
    const favorites = sql(`${schema}.favorites`)
    const progress = sql(`${schema}.progress`)

    /** Serialize the writes that count one owner's rows, until the transaction ends. */
    const lockOwner = (kind: string, id: string) =>
      sql`SELECT pg_advisory_xact_lock(hashtext(${`${schema}:${kind}:${id}`}))`

    const toPlaylist = (row: PlaylistRow) =>
      new Playlist(
        {
          id: row.id as PlaylistId,
          userId: row.user_id as UserId,
          name: row.name,
          kind: row.kind,
          host: row.host,
          credentials: new PlaylistCredentials(
            {
              url: cipher.decrypt(row.url_enc),
              username: Option.map(Option.fromNullable(row.username_enc), cipher.decrypt),
              password: Option.map(Option.fromNullable(row.password_enc), cipher.decrypt)
            },
            true
          ),
          createdAt: dateOf(row.created_at),
          updatedAt: dateOf(row.updated_at)
        },
        true
      )

    const playlistRow = (playlist: Playlist) => ({
      id: playlist.id,
      user_id: playlist.userId,
      name: playlist.name,
      kind: playlist.kind,
      host: playlist.host,
      url_enc: cipher.encrypt(playlist.credentials.url),
      username_enc: Option.getOrNull(Option.map(playlist.credentials.username, cipher.encrypt)),
      password_enc: Option.getOrNull(Option.map(playlist.credentials.password, cipher.encrypt)),
      created_at: toDate(playlist.createdAt),
      updated_at: toDate(playlist.updatedAt)
    })

    const playlistStore: PlaylistStoreService = {
      create: (playlist, maxPlaylists) =>
        storeFailures(
          sql.withTransaction(
            Effect.gen(function* () {
              yield* lockOwner("playlists", playlist.userId)
              const [count] = yield* sql<{
                n: string
              }>`SELECT count(*) AS n FROM ${playlists} WHERE user_id = ${playlist.userId}`
              if (Number(count?.n ?? 0) >= maxPlaylists)
                return yield* new PlanLimitReached({ resource: "playlists", limit: maxPlaylists })
              yield* sql`INSERT INTO ${playlists} ${sql.insert(playlistRow(playlist))}`
            })
          )
        ),
      list: (userId, { offset, limit }) =>
        storeFailures(
          Effect.gen(function* () {
            const rows = yield* sql<PlaylistRow & { total: string }>`
              SELECT *, count(*) OVER () AS total FROM ${playlists} WHERE user_id = ${userId}
              ORDER BY created_at, id LIMIT ${limit} OFFSET ${offset}`
            const total = yield* pageTotal(
              rows,
              sql<{ n: string }>`SELECT count(*) AS n FROM ${playlists} WHERE user_id = ${userId}`
            )
            return { playlists: rows.map(toPlaylist), total }
          })
        ),
      find: (userId, playlistId) =>
        storeFailures(
          sql<PlaylistRow>`SELECT * FROM ${playlists} WHERE id = ${playlistId} AND user_id = ${userId}`.pipe(
            Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), toPlaylist))
          )
        ),
      update: (playlist) =>
        storeFailures(
          sql`UPDATE ${playlists} SET ${sql.update(playlistRow(playlist), ["id", "user_id", "created_at"])}
              WHERE id = ${playlist.id} AND user_id = ${playlist.userId} RETURNING id`.pipe(
            Effect.map((rows) => rows.length > 0)
          )
        ),
      delete: (userId, playlistId) =>
        storeFailures(
          sql`DELETE FROM ${playlists} WHERE id = ${playlistId} AND user_id = ${userId} RETURNING id`.pipe(
            Effect.map((rows) => rows.length > 0)
          )
        )
    }

    const favoriteColumns = sql`id, profile_id, item_id, item_type, item_name, item_logo, created_at`

    const favoriteStore: FavoriteStoreService = {
      add: (favorite, maxFavorites) =>
        storeFailures(
          sql.withTransaction(
            Effect.gen(function* () {
              yield* lockOwner("favorites", favorite.profileId)
              const existing = yield* sql<FavoriteRow>`
                SELECT ${favoriteColumns} FROM ${favorites}
                WHERE profile_id = ${favorite.profileId} AND item_type = ${favorite.itemType} AND item_id = ${favorite.itemId}`
              if (existing[0] !== undefined) return { favorite: toFavorite(existing[0]), created: false }
              const [count] = yield* sql<{
                n: string
              }>`SELECT count(*) AS n FROM ${favorites} WHERE profile_id = ${favorite.profileId}`
              if (Number(count?.n ?? 0) >= maxFavorites)
                return yield* new PlanLimitReached({ resource: "favorites", limit: maxFavorites })
              yield* sql`INSERT INTO ${favorites} ${sql.insert({
                id: favorite.id,
                profile_id: favorite.profileId,
                item_id: favorite.itemId,
                item_type: favorite.itemType,
                item_name: favorite.itemName,
                item_logo: Option.getOrNull(favorite.itemLogo),
                created_at: toDate(favorite.createdAt)
              })}`
              return { favorite, created: true }
            })
          )
        ),
      list: (profileId, { type, offset, limit }) =>
        storeFailures(
          Effect.gen(function* () {
            const filter = type === undefined ? sql`true` : sql`item_type = ${type}`
            const rows = yield* sql<FavoriteRow & { total: string }>`
              SELECT ${favoriteColumns}, count(*) OVER () AS total FROM ${favorites}
              WHERE profile_id = ${profileId} AND ${filter}
              ORDER BY created_at DESC, id DESC LIMIT ${limit} OFFSET ${offset}`
            const total = yield* pageTotal(
              rows,
              sql<{
                n: string
              }>`SELECT count(*) AS n FROM ${favorites} WHERE profile_id = ${profileId} AND ${filter}`
            )
            return { favorites: rows.map(toFavorite), total }
          })
        ),
      delete: (profileId, favoriteId) =>
        storeFailures(
          sql`DELETE FROM ${favorites} WHERE id = ${favoriteId} AND profile_id = ${profileId} RETURNING id`.pipe(
            Effect.map((rows) => rows.length > 0)
          )
        )
    }

    const progressColumns = sql`profile_id, item_id, item_type, progress_seconds, duration_seconds, observed_at, updated_at`

    const progressStore: ProgressStoreService = {
      record: (entry) =>
        storeFailures(
          Effect.gen(function* () {
            // One statement: only a later observation updates. A write without a duration
            // keeps the known one unless its position is past it.
            const written = yield* sql<ProgressRow>`
              INSERT INTO ${progress} ${sql.insert({
                profile_id: entry.profileId,
                item_id: entry.itemId,
                item_type: Option.getOrNull(entry.itemType),
                progress_seconds: entry.progressSeconds,
                duration_seconds: Option.getOrNull(entry.durationSeconds),
                observed_at: toDate(entry.observedAt),
                updated_at: toDate(entry.updatedAt)
              })}
              ON CONFLICT (profile_id, item_id) DO UPDATE SET
                item_type = COALESCE(EXCLUDED.item_type, ${progress}.item_type),
                progress_seconds = EXCLUDED.progress_seconds,
                duration_seconds = CASE
                  WHEN EXCLUDED.duration_seconds IS NOT NULL THEN EXCLUDED.duration_seconds
                  WHEN ${progress}.duration_seconds >= EXCLUDED.progress_seconds THEN ${progress}.duration_seconds
                  ELSE NULL END,
                observed_at = EXCLUDED.observed_at,
                updated_at = EXCLUDED.updated_at
              WHERE ${progress}.observed_at < EXCLUDED.observed_at
              RETURNING ${progressColumns}`
            if (written[0] !== undefined) return { stands: toProgress(written[0]), applied: true }
            const current = yield* sql<ProgressRow>`
              SELECT ${progressColumns} FROM ${progress} WHERE profile_id = ${entry.profileId} AND item_id = ${entry.itemId}`
            return { stands: current[0] === undefined ? entry : toProgress(current[0]), applied: false }
          })
        ),
      find: (profileId, itemId) =>
        storeFailures(
          sql<ProgressRow>`SELECT ${progressColumns} FROM ${progress} WHERE profile_id = ${profileId} AND item_id = ${itemId}`.pipe(
            Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), toProgress))
          )
        ),
      listUnfinished: (profileId, { offset, limit }) =>
        storeFailures(
          Effect.gen(function* () {
            const rows = yield* sql<ProgressRow & { total: string }>`
              SELECT ${progressColumns}, count(*) OVER () AS total FROM ${progress}
              WHERE profile_id = ${profileId} AND NOT finished
              ORDER BY observed_at DESC, item_id LIMIT ${limit} OFFSET ${offset}`
            const total = yield* pageTotal(
              rows,
              sql<{
                n: string
              }>`SELECT count(*) AS n FROM ${progress} WHERE profile_id = ${profileId} AND NOT finished`
            )
            return { items: rows.map(toProgress), total }
          })
        )
    }

    return Context.empty().pipe(
      Context.add(PlaylistStore, playlistStore),
      Context.add(FavoriteStore, favoriteStore),
      Context.add(ProgressStore, progressStore)
    )
  })

/** The three library stores; needs a `SqlClient` and the schema (`PgStoreConfig`). */
export const PgLibraryStores = (
  cipher: TokenCipher
): Layer.Layer<PlaylistStore | FavoriteStore | ProgressStore, never, SqlClient.SqlClient | PgStoreConfig> =>
  Layer.effectContext(makePgLibraryStores(cipher))
