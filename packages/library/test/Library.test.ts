import { describe, expect, it } from "@effect/vitest"
import {
  authenticate,
  createPlan,
  createProfile,
  requireAdmin,
  requireAdult,
  selectProfile,
  setUserPlan,
  signup,
  UserStore
} from "@org/accounts"
import { DateTime, Effect, Option, Redacted, TestClock } from "effect"
import {
  addFavorite,
  createPlaylist,
  deletePlaylist,
  getPlaylist,
  getProgress,
  listFavorites,
  listPlaylists,
  listProgress,
  recordProgress,
  removeFavorite,
  updatePlaylist
} from "../src/index.js"
import { LibraryTest } from "../src/testing.js"

const account = (email = "john@example.com") =>
  Effect.gen(function* () {
    const { tokens, user } = yield* signup({ email, password: "securePass123", full_name: "John Doe" })
    const caller = yield* authenticate(Redacted.value(tokens.accessToken))
    return { user, caller, adult: yield* requireAdult(caller, "test") }
  })

const select = (caller: Parameters<typeof selectProfile>[0], profileId: string, pin?: string) =>
  Effect.flatMap(selectProfile(caller, profileId, pin === undefined ? {} : { pin }), (selected) =>
    authenticate(Redacted.value(selected.accessToken))
  )

const premiumPlaylist = {
  name: "Premium IPTV Service",
  url: "http://iptv-provider.com/get.php",
  username: "john_iptv",
  password: "iptv_pass_2024"
}

describe("playlists", () => {
  it.effect(
    "scenario 1 and 12: saved as written, xtream by its credentials, shown in full only to an adult",
    () =>
      Effect.gen(function* () {
        const { adult, caller } = yield* account()
        const playlist = yield* createPlaylist(adult, premiumPlaylist)
        expect(playlist).toMatchObject({
          name: "Premium IPTV Service",
          kind: "xtream",
          host: "iptv-provider.com"
        })
        expect(JSON.stringify(playlist)).not.toContain("iptv_pass_2024")
        const m3u = yield* createPlaylist(adult, { name: "Free TV", url: "https://free.example/list.m3u" })
        expect(m3u.kind).toBe("m3u")
        const listed = yield* listPlaylists(caller)
        expect(listed).toMatchObject({ total: 2, page: 1, limit: 20 })
        const got = yield* getPlaylist(caller, playlist.id)
        expect(got.withCredentials).toBe(true)
        expect(Option.map(got.playlist.credentials.password, Redacted.value)).toEqual(
          Option.some("iptv_pass_2024")
        )
        const kids = yield* createProfile(adult, { name: "Kids", is_kids_profile: true })
        const kidsCaller = yield* select(caller, kids.id)
        expect((yield* getPlaylist(kidsCaller, playlist.id)).withCredentials).toBe(false)
      }).pipe(Effect.provide(LibraryTest()))
  )

  it.effect(
    "refuses a bad URL, an xtream without a password, more than the plan allows; others' are not found",
    () =>
      Effect.gen(function* () {
        const { adult, caller } = yield* account()
        const other = yield* account("mary@example.com")
        expect((yield* Effect.flip(createPlaylist(adult, { name: "x", url: "ftp://x" }))).message).toContain(
          "http and https"
        )
        const half = yield* Effect.flip(
          createPlaylist(adult, { name: "x", url: "http://x.example", username: "u", kind: "xtream" })
        )
        expect(half.message).toContain("needs a username and a password")
        const mine = yield* createPlaylist(adult, premiumPlaylist)
        yield* createPlaylist(adult, { ...premiumPlaylist, name: "Two" })
        yield* createPlaylist(adult, { ...premiumPlaylist, name: "Three" })
        expect(yield* Effect.flip(createPlaylist(adult, { ...premiumPlaylist, name: "Four" }))).toMatchObject(
          {
            _tag: "PlanLimitReached",
            resource: "playlists",
            limit: 3
          }
        )
        expect((yield* Effect.flip(getPlaylist(other.caller, mine.id)))._tag).toBe("PlaylistNotFound")
        expect((yield* Effect.flip(updatePlaylist(other.adult, mine.id, { name: "Mine" })))._tag).toBe(
          "PlaylistNotFound"
        )
        expect((yield* Effect.flip(deletePlaylist(other.adult, mine.id)))._tag).toBe("PlaylistNotFound")
        const renamed = yield* updatePlaylist(adult, mine.id, { name: "Renamed", password: "new_pass" })
        expect(renamed.name).toBe("Renamed")
        expect(Option.map(renamed.credentials.password, Redacted.value)).toEqual(Option.some("new_pass"))
        yield* deletePlaylist(adult, mine.id)
        expect((yield* listPlaylists(caller)).total).toBe(2)
      }).pipe(Effect.provide(LibraryTest()))
  )
})

describe("favorites", () => {
  it.effect("one per item and type, per profile; filtered by type; twice answers the existing one", () =>
    Effect.gen(function* () {
      const { adult, caller } = yield* account()
      const espn = {
        item_id: "espn_hd",
        item_type: "channel" as const,
        item_name: "ESPN HD",
        item_logo: "https://cdn.example.com/espn.png"
      }
      const first = yield* addFavorite(caller, espn)
      expect(first.created).toBe(true)
      const again = yield* addFavorite(caller, { ...espn, item_name: "ESPN" })
      expect(again).toMatchObject({
        created: false,
        favorite: { id: first.favorite.id, itemName: "ESPN HD" }
      })
      yield* addFavorite(caller, { item_id: "movie_inception", item_type: "movie", item_name: "Inception" })
      expect((yield* listFavorites(caller, { type: "channel" })).favorites.map((f) => f.itemId)).toEqual([
        "espn_hd"
      ])
      expect((yield* listFavorites(caller)).total).toBe(2)
      expect((yield* Effect.flip(listFavorites(caller, { type: "song" })))._tag).toBe("InvalidInput")
      // Another profile has its own.
      const sarah = yield* createProfile(adult, { name: "Sarah" })
      const sarahCaller = yield* select(caller, sarah.id)
      expect((yield* listFavorites(sarahCaller)).total).toBe(0)
      expect((yield* Effect.flip(removeFavorite(sarahCaller, first.favorite.id)))._tag).toBe(
        "FavoriteNotFound"
      )
      yield* removeFavorite(caller, first.favorite.id)
      expect((yield* listFavorites(caller)).total).toBe(1)
    }).pipe(Effect.provide(LibraryTest()))
  )

  it.effect("twenty concurrent identical favorites make one; the plan's max_favorites holds", () =>
    Effect.gen(function* () {
      const { caller } = yield* account()
      const results = yield* Effect.forEach(
        Array.from({ length: 20 }),
        () => addFavorite(caller, { item_id: "espn_hd", item_type: "channel", item_name: "ESPN HD" }),
        { concurrency: "unbounded" }
      )
      expect(new Set(results.map((r) => r.favorite.id)).size).toBe(1)
      expect(results.filter((r) => r.created)).toHaveLength(1)
      const boss = yield* account("boss@example.com")
      yield* Effect.flatMap(UserStore, (users) => users.setRole(boss.user.id, "admin"))
      const admin = yield* requireAdmin(boss.caller)
      const tiny = yield* createPlan(admin, {
        name: "Tiny",
        price_monthly: 1,
        max_profiles: 1,
        max_playlists: 0,
        max_favorites: 2
      })
      yield* setUserPlan(admin, caller.userId, { plan_id: tiny.id })
      yield* addFavorite(caller, { item_id: "cnn", item_type: "channel", item_name: "CNN" })
      const over = yield* Effect.flip(
        addFavorite(caller, { item_id: "bbc", item_type: "channel", item_name: "BBC" })
      )
      expect(over).toMatchObject({ _tag: "PlanLimitReached", resource: "favorites", limit: 2 })
    }).pipe(Effect.provide(LibraryTest()))
  )
})

describe("progress across devices", () => {
  it.effect("scenario 2: written on the phone, read on the tablet; a late, older write does not rewind", () =>
    Effect.gen(function* () {
      const { adult, caller } = yield* account()
      const maria = yield* createProfile(adult, { name: "Maria" })
      const phone = yield* select(caller, maria.id)
      const tablet = yield* select(caller, maria.id)
      const now = yield* DateTime.now
      const at = (seconds: number) => DateTime.formatIso(DateTime.add(now, { seconds }))
      const written = yield* recordProgress(phone, {
        item_id: "series_got_s01e05",
        item_type: "episode",
        progress_seconds: 1200,
        duration_seconds: 3600,
        observed_at: at(-10)
      })
      expect(written.applied).toBe(true)
      const late = yield* recordProgress(tablet, {
        item_id: "series_got_s01e05",
        item_type: "episode",
        progress_seconds: 300,
        duration_seconds: 3600,
        observed_at: at(-60)
      })
      expect(late).toMatchObject({ applied: false, stands: { progressSeconds: 1200 } })
      expect((yield* getProgress(tablet, "series_got_s01e05")).progressSeconds).toBe(1200)
      const newer = yield* recordProgress(tablet, {
        item_id: "series_got_s01e05",
        progress_seconds: 1500,
        duration_seconds: 3600
      })
      expect(newer).toMatchObject({ applied: true, stands: { progressSeconds: 1500 } })
      // Another profile sees none of it.
      expect((yield* Effect.flip(getProgress(caller, "series_got_s01e05")))._tag).toBe("ProgressNotFound")
    }).pipe(Effect.provide(LibraryTest()))
  )

  it.effect(
    "continue watching: unfinished only (under 90 % and before the last two minutes), most recent first",
    () =>
      Effect.gen(function* () {
        const { caller } = yield* account()
        const write = (item_id: string, progress_seconds: number, duration_seconds?: number) =>
          Effect.zipLeft(
            recordProgress(caller, {
              item_id,
              progress_seconds,
              ...(duration_seconds === undefined ? {} : { duration_seconds })
            }),
            TestClock.adjust("1 second")
          )
        yield* write("movie_inception", 3600, 8880)
        yield* write("almost_done", 8000, 8880)
        yield* write("last_minutes", 1000, 1100)
        yield* write("channel_live", 0)
        yield* write("started", 60, 6000)
        const page = yield* listProgress(caller)
        expect(page.items.map((p) => p.itemId)).toEqual(["started", "channel_live", "movie_inception"])
        expect(page.total).toBe(3)
        expect((yield* listProgress(caller, { page: 2, limit: 2 })).items.map((p) => p.itemId)).toEqual([
          "movie_inception"
        ])
      }).pipe(Effect.provide(LibraryTest()))
  )

  it.effect("refuses progress past the duration, negative seconds, and an observation from the future", () =>
    Effect.gen(function* () {
      const { caller } = yield* account()
      const past = yield* Effect.flip(
        recordProgress(caller, { item_id: "m", progress_seconds: 100, duration_seconds: 50 })
      )
      expect(past.message).toContain("cannot be more than duration_seconds")
      expect((yield* Effect.flip(recordProgress(caller, { item_id: "m", progress_seconds: -1 })))._tag).toBe(
        "InvalidInput"
      )
      const future = DateTime.formatIso(DateTime.add(yield* DateTime.now, { minutes: 10 }))
      const ahead = yield* Effect.flip(
        recordProgress(caller, { item_id: "m", progress_seconds: 1, observed_at: future })
      )
      expect(ahead.message).toContain("ahead of the server's clock")
      expect((yield* Effect.flip(recordProgress(caller, { item_id: " ", progress_seconds: 1 })))._tag).toBe(
        "InvalidInput"
      )
    }).pipe(Effect.provide(LibraryTest()))
  )
})
