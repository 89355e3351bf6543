/**
 * One contract for the library store ports (`PlaylistStore`, `FavoriteStore`,
 * `ProgressStore`), in memory, on the Postgres server and on PGlite.
 */
import { randomUUID } from "node:crypto"
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { Email, Profile, ProfileId, ProfileStore, User, UserId, UserStore } from "@org/accounts"
import {
  Favorite,
  FavoriteId,
  FavoriteStore,
  type ItemType,
  Playlist,
  PlaylistCredentials,
  PlaylistId,
  PlaylistStore,
  Progress,
  ProgressStore
} from "@org/library"
import { DateTime, Effect, Exit, Option, Redacted } from "effect"
import { PgStoreConfig } from "../src/PgStoreConfig.js"
import { libraryTargets } from "./harness.js"

const at = (seconds: number) => DateTime.unsafeMake(1_800_000_000_000 + seconds * 1000)

/** A user with one profile, stored. */
const owner = Effect.gen(function* () {
  const user = new User({
    id: UserId.make(randomUUID()),
    email: Email.make(`lib-${randomUUID()}@example.com`),
    fullName: "Library User",
    role: "user",
    preferredLanguage: Option.none(),
    planId: Option.none(),
    createdAt: at(0)
  })
  const profile = new Profile({
    id: ProfileId.make(randomUUID()),
    userId: user.id,
    name: "Main",
    avatarUrl: Option.none(),
    isKids: false,
    hasPin: false,
    isDefault: true,
    createdAt: at(0)
  })
  yield* Effect.flatMap(UserStore, (users) => users.createUser(user, "hash", profile))
  return { user, profile }
})

const playlist = (user: User, name: string, seconds = 0, withCredentials = true) =>
  new Playlist({
    id: PlaylistId.make(randomUUID()),
    userId: user.id,
    name,
    kind: withCredentials ? "xtream" : "m3u",
    host: "iptv-provider.com",
    credentials: new PlaylistCredentials({
      url: Redacted.make(`http://iptv-provider.com/get.php?token=${name}-secret-url`),
      username: withCredentials ? Option.some(Redacted.make("john_iptv")) : Option.none(),
      password: withCredentials ? Option.some(Redacted.make(`iptv_pass_${name}`)) : Option.none()
    }),
    createdAt: at(seconds),
    updatedAt: at(seconds)
  })

const favorite = (profileId: ProfileId, itemId: string, itemType: ItemType = "channel", seconds = 0) =>
  new Favorite({
    id: FavoriteId.make(randomUUID()),
    profileId,
    itemId,
    itemType,
    itemName: itemId.toUpperCase(),
    itemLogo: Option.some("https://cdn.example.com/logo.png"),
    createdAt: at(seconds)
  })

const progress = (
  profileId: ProfileId,
  itemId: string,
  seconds: number,
  observed: number,
  duration?: number,
  itemType?: ItemType
) =>
  new Progress({
    profileId,
    itemId,
    itemType: Option.fromNullable(itemType),
    progressSeconds: seconds,
    durationSeconds: Option.fromNullable(duration),
    observedAt: at(observed),
    updatedAt: at(observed + 1)
  })

const failureTag = <A, E extends { _tag: string }>(exit: Exit.Exit<A, E>) =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error._tag : "no typed failure"

for (const target of libraryTargets()) {
  layer(target.layer, { timeout: 60_000 })(`library stores: ${target.name}`, (it) => {
    it.effect("keeps playlists with their secrets intact, per account, by page, oldest first", () =>
      Effect.gen(function* () {
        const store = yield* PlaylistStore
        const { user } = yield* owner
        const other = yield* owner
        const first = playlist(user, "one", 1)
        const second = playlist(user, "two", 2, false)
        yield* store.create(second, 10)
        yield* store.create(first, 10)
        const found = Option.getOrThrow(yield* store.find(user.id, first.id))
        expect(Redacted.value(found.credentials.url)).toBe(Redacted.value(first.credentials.url))
        expect(Option.map(found.credentials.password, Redacted.value)).toEqual(Option.some("iptv_pass_one"))
        expect(
          Option.isNone(Option.getOrThrow(yield* store.find(user.id, second.id)).credentials.username)
        ).toBe(true)
        expect(Option.isNone(yield* store.find(other.user.id, first.id))).toBe(true)
        const page = yield* store.list(user.id, { offset: 0, limit: 1 })
        expect([page.total, page.playlists.map((p) => p.name)]).toEqual([2, ["one"]])
        expect((yield* store.list(user.id, { offset: 5, limit: 1 })).total).toBe(2)
        expect(yield* store.update(new Playlist({ ...first, userId: other.user.id, name: "stolen" }))).toBe(
          false
        )
        expect(yield* store.update(new Playlist({ ...first, name: "renamed", updatedAt: at(9) }))).toBe(true)
        expect(Option.map(yield* store.find(user.id, first.id), (p) => p.name)).toEqual(
          Option.some("renamed")
        )
        expect(yield* store.delete(other.user.id, first.id)).toBe(false)
        expect(yield* store.delete(user.id, first.id)).toBe(true)
        expect((yield* store.list(user.id, { offset: 0, limit: 10 })).total).toBe(1)
      })
    )

    it.effect("twenty concurrent playlists at a limit of three leave three", () =>
      Effect.gen(function* () {
        const store = yield* PlaylistStore
        const { user } = yield* owner
        const exits = yield* Effect.forEach(
          Array.from({ length: 20 }, (_, i) => playlist(user, `p${i}`)),
          (p) => Effect.exit(store.create(p, 3)),
          { concurrency: "unbounded" }
        )
        expect(exits.filter(Exit.isSuccess)).toHaveLength(3)
        expect(new Set(exits.filter(Exit.isFailure).map(failureTag))).toEqual(new Set(["PlanLimitReached"]))
        expect((yield* store.list(user.id, { offset: 0, limit: 100 })).total).toBe(3)
      })
    )

    it.effect("favorites: twenty concurrent identical ones make one row; the limit counts per profile", () =>
      Effect.gen(function* () {
        const store = yield* FavoriteStore
        const { profile } = yield* owner
        const results = yield* Effect.forEach(
          Array.from({ length: 20 }, () => favorite(profile.id, "espn_hd")),
          (f) => store.add(f, 10),
          { concurrency: "unbounded" }
        )
        expect(results.filter((r) => r.created)).toHaveLength(1)
        expect(new Set(results.map((r) => r.favorite.id)).size).toBe(1)
        // The same id under another type is another favorite.
        expect((yield* store.add(favorite(profile.id, "espn_hd", "movie", 1), 10)).created).toBe(true)
        yield* store.add(favorite(profile.id, "cnn", "channel", 2), 3)
        expect(failureTag(yield* Effect.exit(store.add(favorite(profile.id, "bbc"), 3)))).toBe(
          "PlanLimitReached"
        )
        // An existing one is answered even at the limit.
        expect((yield* store.add(favorite(profile.id, "cnn"), 3)).created).toBe(false)
        const channels = yield* store.list(profile.id, { type: "channel", offset: 0, limit: 10 })
        expect(channels.favorites.map((f) => f.itemId)).toEqual(["cnn", "espn_hd"])
        expect((yield* store.list(profile.id, { offset: 0, limit: 1 })).total).toBe(3)
        const other = yield* owner
        expect(
          yield* store.delete(other.profile.id, channels.favorites[0]?.id ?? FavoriteId.make(randomUUID()))
        ).toBe(false)
        expect(
          yield* store.delete(profile.id, channels.favorites[0]?.id ?? FavoriteId.make(randomUUID()))
        ).toBe(true)
      })
    )

    it.effect("progress: the latest observation wins in any order; a late earlier one changes nothing", () =>
      Effect.gen(function* () {
        const store = yield* ProgressStore
        const { profile } = yield* owner
        const tv = progress(profile.id, "got_s01e05", 1200, 100, 3600, "episode")
        expect(yield* store.record(tv)).toMatchObject({ applied: true })
        const phone = progress(profile.id, "got_s01e05", 300, 50, 3600, "episode")
        const late = yield* store.record(phone)
        expect(late.applied).toBe(false)
        expect(late.stands.progressSeconds).toBe(1200)
        expect((yield* store.record(progress(profile.id, "got_s01e05", 999, 100))).applied).toBe(false)
        // A later write without a duration or type keeps them.
        const later = yield* store.record(progress(profile.id, "got_s01e05", 1500, 200))
        expect(later).toMatchObject({ applied: true, stands: { progressSeconds: 1500 } })
        expect(later.stands.durationSeconds).toEqual(Option.some(3600))
        expect(later.stands.itemType).toEqual(Option.some("episode"))
        // ...unless its position is past the known duration.
        const past = yield* store.record(progress(profile.id, "got_s01e05", 4000, 300))
        expect(past.stands.durationSeconds).toEqual(Option.none())
        expect(Option.map(yield* store.find(profile.id, "got_s01e05"), (p) => p.progressSeconds)).toEqual(
          Option.some(4000)
        )
        const racing = yield* Effect.forEach(
          [400, 500, 600, 700, 800].map((t) => progress(profile.id, "race", t, t)),
          (p) => store.record(p),
          { concurrency: "unbounded" }
        )
        expect(racing.length).toBe(5)
        expect(Option.map(yield* store.find(profile.id, "race"), (p) => p.progressSeconds)).toEqual(
          Option.some(800)
        )
      })
    )

    it.effect("continue watching lists the unfinished, most recently observed first, by page", () =>
      Effect.gen(function* () {
        const store = yield* ProgressStore
        const { profile } = yield* owner
        yield* store.record(progress(profile.id, "inception", 3600, 10, 8880, "movie"))
        yield* store.record(progress(profile.id, "ninety", 800, 20, 888))
        yield* store.record(progress(profile.id, "tail", 1000, 30, 1100))
        yield* store.record(progress(profile.id, "live", 0, 40))
        yield* store.record(progress(profile.id, "started", 60, 50, 6000))
        const page = yield* store.listUnfinished(profile.id, { offset: 0, limit: 2 })
        expect(page.total).toBe(3)
        expect(page.items.map((p) => p.itemId)).toEqual(["started", "live"])
        expect(
          (yield* store.listUnfinished(profile.id, { offset: 2, limit: 2 })).items.map((p) => p.itemId)
        ).toEqual(["inception"])
        expect((yield* store.listUnfinished(profile.id, { offset: 9, limit: 2 })).total).toBe(3)
      })
    )

    if (target.postgres) {
      it.effect("keeps a playlist's URL and credentials encrypted; deleting a profile takes its rows", () =>
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const { schema } = yield* PgStoreConfig
          const { user, profile } = yield* owner
          const p = playlist(user, "secretive")
          yield* Effect.flatMap(PlaylistStore, (store) => store.create(p, 5))
          const rows = yield* sql`SELECT * FROM ${sql(`${schema}.playlists`)} WHERE id = ${p.id}`
          const dump = JSON.stringify(rows)
          expect(dump).not.toContain("iptv_pass_secretive")
          expect(dump).not.toContain("secretive-secret-url")
          expect(dump).not.toContain("john_iptv")
          const extra = new Profile({
            ...profile,
            id: ProfileId.make(randomUUID()),
            name: "Extra",
            isDefault: false
          })
          yield* Effect.flatMap(ProfileStore, (store) => store.create(extra, Option.none(), 5))
          yield* Effect.flatMap(FavoriteStore, (store) => store.add(favorite(extra.id, "espn_hd"), 5))
          yield* Effect.flatMap(ProgressStore, (store) => store.record(progress(extra.id, "m", 1, 1)))
          yield* Effect.flatMap(ProfileStore, (store) => store.delete(user.id, extra.id))
          expect(
            (yield* Effect.flatMap(FavoriteStore, (store) => store.list(extra.id, { offset: 0, limit: 5 })))
              .total
          ).toBe(0)
          expect(
            Option.isNone(yield* Effect.flatMap(ProgressStore, (store) => store.find(extra.id, "m")))
          ).toBe(true)
        })
      )
    }
  })
}
