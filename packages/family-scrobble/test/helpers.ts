import { Effect, Logger, type LogLevel, Ref } from "effect"
import {
  completeAuthorization,
  createFamilyGroup,
  type FamilyGroup,
  type GroupMember,
  type PlexPlaybackEvent
} from "../src/index.js"
import { TestTrakt } from "../src/testing.js"

/** Create a group and authorize each member as the Trakt user of the same index. */
export const setupFamily = (plexUsername: string, traktUsernames: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const trakt = yield* TestTrakt
    const created = yield* createFamilyGroup({
      plexUsername,
      labels: traktUsernames.map((name) => `Label ${name}`)
    })
    const members: Array<GroupMember> = []
    for (const [index, invitation] of created.members.entries()) {
      const state = new URL(invitation.authorizeUrl).searchParams.get("state") ?? ""
      const username = traktUsernames[index] ?? ""
      members.push(yield* completeAuthorization({ code: trakt.codeFor(username), state }))
    }
    return { group: created.group as FamilyGroup, members }
  })

/** Plex metadata of a movie as the new agents send it. */
export const heatMetadata = {
  type: "movie",
  ratingKey: "1001",
  guid: "plex://movie/5d7768284de0ee001fcc8241",
  Guid: [{ id: "imdb://tt0113277" }, { id: "tmdb://949" }, { id: "tvdb://423" }],
  title: "Heat",
  year: 1995,
  duration: 10_200_000
} as const

export const episodeMetadata = {
  type: "episode",
  ratingKey: "2002",
  guid: "plex://episode/5d9c08ef02391c001f5c5a1e",
  Guid: [{ id: "imdb://tt14452776" }, { id: "tmdb://3573410" }, { id: "tvdb://9374601" }],
  title: "Sundae",
  grandparentTitle: "The Bear",
  grandparentGuid: "plex://show/5f4c0d1b1e7e5e0041c7b0a1",
  parentIndex: 2,
  index: 3,
  duration: 2_000_000
} as const

/** A playback event for `account` on one server and player. */
export const plexEvent = (
  event: string,
  account: string,
  metadata: PlexPlaybackEvent["Metadata"],
  viewOffset?: number
): PlexPlaybackEvent => ({
  event,
  Account: { id: 1, title: account },
  Server: { uuid: "server-1", title: "Living room server" },
  Player: { uuid: "player-tv", title: "Living room TV" },
  ...(metadata === undefined
    ? {}
    : { Metadata: viewOffset === undefined ? metadata : { ...metadata, viewOffset } })
})

export interface CapturedLog {
  readonly level: LogLevel.LogLevel["label"]
  readonly message: string
  readonly annotations: Record<string, unknown>
}

/** Run `effect` with a logger that captures every line (message and annotations). */
export const captureLogs = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const lines = yield* Ref.make<ReadonlyArray<CapturedLog>>([])
    const logger = Logger.make(({ logLevel, message, annotations }) => {
      const text = Array.isArray(message) ? message.map(String).join(" ") : String(message)
      const record: Record<string, unknown> = {}
      for (const [key, value] of annotations) record[key] = value
      Effect.runSync(
        Ref.update(lines, (all) => [...all, { level: logLevel.label, message: text, annotations: record }])
      )
    })
    const result = yield* effect.pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
    return { result, logs: yield* Ref.get(lines) }
  })
