/**
 * The family-scrobble domain over the real adapter and the sandbox: onboarding
 * through OAuth, a broadcast where one member fails, the retry that delivers it,
 * a 401 healed by a refresh, and a revoked member marked expired.
 */

import { describe, expect, it } from "@effect/vitest"
import { SecureRandomSeeded } from "@org/core/testing"
import {
  completeAuthorization,
  createFamilyGroup,
  FamilyScrobbleConfig,
  getFamilyGroup,
  handlePlaybackEvent,
  type PlexPlaybackEvent,
  processDueRetries
} from "@org/family-scrobble"
import { FamilyScrobbleInMemory } from "@org/family-scrobble/testing"
import { Effect, Layer, Logger, Option, Redacted, Ref } from "effect"
import { afterAll, beforeAll } from "vitest"
import { TraktApiLive } from "../src/index.js"
import { startTraktSandbox, type TraktSandbox } from "../src/sandbox.js"
import { configFor, freshUser } from "./helpers.js"

let sandbox: TraktSandbox

beforeAll(async () => {
  sandbox = await startTraktSandbox()
})
afterAll(async () => {
  await sandbox.close()
})

let seed = 100
const live = () =>
  Layer.mergeAll(
    FamilyScrobbleInMemory,
    TraktApiLive.layer(configFor(sandbox)),
    SecureRandomSeeded(seed++),
    // Short retry delays so the live clock can reach them; pacing stays at Trakt's 1 s.
    FamilyScrobbleConfig.layer({ retryBaseDelay: "200 millis" })
  )

const heat: PlexPlaybackEvent = {
  event: "media.scrobble",
  Account: { id: 1, title: "LivingRoom" },
  Server: { uuid: "server-1", title: "Server" },
  Player: { uuid: "tv", title: "TV" },
  Metadata: {
    type: "movie",
    title: "Heat",
    year: 1995,
    guid: "plex://movie/5d7768284de0ee001fcc8241",
    Guid: [{ id: "imdb://tt0113277" }, { id: "tmdb://949" }],
    duration: 10_200_000,
    viewOffset: 9_500_000
  }
}

/** Create a group and authorize each member through the sandbox's sign-in and the real code exchange. */
const onboard = (names: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const created = yield* createFamilyGroup({ plexUsername: `LivingRoom`, labels: names })
    for (const [index, invitation] of created.members.entries()) {
      const url = new URL(invitation.authorizeUrl)
      url.searchParams.set("sandbox_username", names[index] ?? "")
      const response = yield* Effect.promise(() => fetch(url, { redirect: "manual" }))
      const callback = new URL(response.headers.get("location") ?? "")
      yield* completeAuthorization({
        code: callback.searchParams.get("code") ?? "",
        state: callback.searchParams.get("state") ?? ""
      })
    }
    return created.group
  })

describe("family scrobbling over HTTP", () => {
  it.live("onboards three members through OAuth and scrobbles to each of their accounts", () =>
    Effect.gen(function* () {
      const names = [freshUser("mum"), freshUser("dad"), freshUser("sam")]
      const group = yield* onboard(names)
      const details = yield* getFamilyGroup(group.id)
      expect(details.members.map((m) => [Option.getOrNull(m.traktUsername), m.status])).toEqual(
        names.map((n) => [n, "authorized"])
      )
      const report = yield* handlePlaybackEvent(group.id, heat)
      expect(report._tag).toBe("Broadcast")
      if (report._tag !== "Broadcast") return
      expect(report.broadcast.members.map((m) => m._tag)).toEqual(["Delivered", "Delivered", "Delivered"])
      for (const name of names) {
        expect(sandbox.plays(name)).toHaveLength(1)
        expect(sandbox.scrobbles(name).map((s) => [s.action, s.progress])).toEqual([["stop", 93.14]])
      }
    }).pipe(Effect.provide(live()))
  )

  it.live("a member whose Trakt fails is queued; the others are delivered; the retry delivers it", () =>
    Effect.gen(function* () {
      const names = [freshUser("mum"), freshUser("dad"), freshUser("sam")]
      const group = yield* onboard(names)
      const failing = names[1] ?? ""
      sandbox.injectFault(failing, { status: 503 }, { times: 1 })
      const report = yield* handlePlaybackEvent(group.id, heat)
      if (report._tag !== "Broadcast") throw new Error("expected a broadcast")
      const byName = Object.fromEntries(report.broadcast.members.map((m) => [m.member.traktUsername, m._tag]))
      expect(byName).toEqual({
        [names[0] ?? ""]: "Delivered",
        [failing]: "Queued",
        [names[2] ?? ""]: "Delivered"
      })
      expect(sandbox.plays(failing)).toHaveLength(0)
      expect((yield* getFamilyGroup(group.id)).queue.queued).toBe(1)

      yield* Effect.sleep("1100 millis")
      yield* processDueRetries()
      expect(sandbox.plays(failing)).toHaveLength(1)
      expect((yield* getFamilyGroup(group.id)).queue.queued).toBe(0)
    }).pipe(Effect.provide(live()))
  )

  it.live("a 401 is healed by one refresh; the new tokens are stored", () =>
    Effect.gen(function* () {
      const name = freshUser("solo")
      const group = yield* onboard([name])
      const before = (yield* getFamilyGroup(group.id)).members[0]
      sandbox.expireAccessTokens(name)
      const report = yield* handlePlaybackEvent(group.id, heat)
      if (report._tag !== "Broadcast") throw new Error("expected a broadcast")
      expect(report.broadcast.members[0]?._tag).toBe("Delivered")
      expect(sandbox.plays(name)).toHaveLength(1)
      const after = (yield* getFamilyGroup(group.id)).members[0]
      const access = (member: typeof before) =>
        member === undefined
          ? undefined
          : Option.getOrUndefined(Option.map(member.tokens, (t) => Redacted.value(t.accessToken)))
      expect(access(after)).toMatch(/^sandbox-access-/)
      expect(access(after)).not.toBe(access(before))
      const refreshes = sandbox
        .requests(name)
        .filter((r) => r.path === "/oauth/token")
        .map((r) => r.status)
      // One code exchange, then exactly one refresh.
      expect(refreshes).toEqual([200, 200])
    }).pipe(Effect.provide(live()))
  )

  it.live(
    "a revoked authorization marks the member expired with a notification, and no token is logged",
    () =>
      Effect.gen(function* () {
        const lines = yield* Ref.make<ReadonlyArray<string>>([])
        const logger = Logger.make(({ message, annotations }) => {
          const text = JSON.stringify({ message, annotations: Object.fromEntries(annotations) })
          Ref.update(lines, (all) => [...all, text]).pipe(Effect.runSync)
        })
        const names = [freshUser("kid"), freshUser("gran")]
        const group = yield* onboard(names)
        sandbox.revokeAuthorization(names[0] ?? "")
        const report = yield* handlePlaybackEvent(group.id, heat).pipe(
          Effect.provide(Logger.replace(Logger.defaultLogger, logger))
        )
        if (report._tag !== "Broadcast") throw new Error("expected a broadcast")
        expect(report.broadcast.members.map((m) => m._tag)).toEqual(["TokenExpired", "Delivered"])
        const details = yield* getFamilyGroup(group.id)
        expect(details.members.map((m) => m.status)).toEqual(["expired", "authorized"])
        expect(details.notifications.map((n) => n.kind)).toContain("token_expired")
        const logged = (yield* Ref.get(lines)).join("\n")
        expect(logged).toContain(names[0])
        expect(logged).not.toMatch(/sandbox-(access|refresh)-/)
      }).pipe(Effect.provide(live()))
  )
})
