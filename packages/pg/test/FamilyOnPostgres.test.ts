/**
 * The family-scrobble domain on Postgres: a broadcast whose failed member is
 * queued durably survives a "restart" (a second, fresh set of layers on the same
 * database) and is delivered by that second process's retry pass.
 */
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { SecureRandomSeeded } from "@org/core/testing"
import {
  completeAuthorization,
  createFamilyGroup,
  FamilyScrobbleConfig,
  getFamilyGroup,
  handlePlaybackEvent,
  processDueRetries,
  traktHttpFailure
} from "@org/family-scrobble"
import { TestTrakt, TestTraktLayer } from "@org/family-scrobble/testing"
import { Duration, Effect, Fiber, Layer, TestClock } from "effect"
import { FamilyScrobblePg } from "../src/family-scrobble/FamilyScrobblePg.js"
import { databases, dropSchema, freshSchema, testCipher } from "./harness.js"

const play = {
  event: "media.play",
  Account: { id: 1, title: "LivingRoom" },
  Server: { uuid: "server-1", title: "Server" },
  Player: { uuid: "tv", title: "TV" },
  Metadata: {
    type: "movie",
    title: "Heat",
    year: 1995,
    guid: "plex://movie/5d7768284de0ee001fcc8241",
    Guid: [{ id: "imdb://tt0113277" }],
    duration: 10_200_000,
    viewOffset: 0
  }
}

for (const database of databases()) {
  const schema = freshSchema()
  const shared = Layer.mergeAll(
    database.layer,
    TestTraktLayer(),
    SecureRandomSeeded(11),
    FamilyScrobbleConfig.layer()
  )
  /** One process's worth of layers over the shared database. */
  const process = () => FamilyScrobblePg.layer({ cipher: testCipher, schema })

  layer(shared, { timeout: 60_000 })(`family scrobbling on ${database.name}`, (it) => {
    it.effect("a failed member's scrobble waits in the database and is delivered after a restart", () =>
      Effect.gen(function* () {
        const trakt = yield* TestTrakt
        const sql = yield* SqlClient.SqlClient
        const group = yield* Effect.gen(function* () {
          const created = yield* createFamilyGroup({ plexUsername: "LivingRoom", labels: ["Mum", "Dad"] })
          for (const [index, invitation] of created.members.entries()) {
            const state = new URL(invitation.authorizeUrl).searchParams.get("state") ?? ""
            yield* completeAuthorization({ code: trakt.codeFor(["mum", "dad"][index] ?? ""), state })
          }
          yield* trakt.fail("dad", traktHttpFailure(503), { times: 1 })
          const fiber = yield* Effect.fork(handlePlaybackEvent(created.group.id, play))
          yield* TestClock.adjust(Duration.zero)
          const report = yield* Fiber.join(fiber)
          expect(report._tag === "Broadcast" && report.broadcast.members.map((m) => m._tag)).toEqual([
            "Delivered",
            "Queued"
          ])
          return created.group
        }).pipe(Effect.provide(process()))

        const queued = yield* sql<{ n: number }>`
          SELECT count(*)::int AS n FROM ${sql(`${schema}.retry_queue_items`)} WHERE group_id = ${group.id}`
        expect(queued[0]?.n).toBe(1)

        // A new process: nothing in memory, everything from the database.
        yield* Effect.gen(function* () {
          yield* TestClock.adjust(Duration.seconds(30))
          const run = yield* processDueRetries()
          expect(run).toMatchObject({ claimed: 1, delivered: 1 })
          const details = yield* getFamilyGroup(group.id)
          expect(details.queue).toEqual({ queued: 0, retrying: 0, permanentFailure: 0 })
          expect(details.members.map((m) => m.status)).toEqual(["authorized", "authorized"])
        }).pipe(Effect.provide(process()))
        expect((yield* trakt.scrobbles("dad")).map((s) => [s.action, s.at, s.outcome])).toEqual([
          ["start", 0, "503"],
          ["start", 30_000, "start"]
        ])
        yield* dropSchema(schema)
      })
    )
  })
}
