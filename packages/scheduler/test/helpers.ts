import {
  completeAuthorization,
  createFamilyGroup,
  type FamilyGroup,
  type GroupMember,
  type PlexPlaybackEvent
} from "@org/family-scrobble"
import { TestTrakt } from "@org/family-scrobble/testing"
import { Effect, Layer, Logger, LogLevel, Ref, Scope } from "effect"

/** Create a group and authorize each member as the Trakt user of the same index. */
export const authorizedFamily = (plexUsername: string, traktUsernames: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const trakt = yield* TestTrakt
    const created = yield* createFamilyGroup({
      plexUsername,
      labels: traktUsernames.map((name) => `Label ${name}`)
    })
    const members: Array<GroupMember> = []
    for (const [index, invitation] of created.members.entries()) {
      const state = stateOf(invitation.authorizeUrl)
      members.push(yield* completeAuthorization({ code: trakt.codeFor(traktUsernames[index] ?? ""), state }))
    }
    return { group: created.group as FamilyGroup, members }
  })

/** The OAuth `state` of an authorization link. */
export const stateOf = (authorizeUrl: string) => new URL(authorizeUrl).searchParams.get("state") ?? ""

/** `media.play` of a movie at its start, as Plex sends it. */
export const play: PlexPlaybackEvent = {
  event: "media.play",
  Account: { id: 1, title: "tv" },
  Server: { uuid: "server-1", title: "Living room server" },
  Player: { uuid: "player-tv", title: "Living room TV" },
  Metadata: {
    type: "movie",
    ratingKey: "1001",
    guid: "plex://movie/5d7768284de0ee001fcc8241",
    Guid: [{ id: "imdb://tt0113277" }, { id: "tmdb://949" }],
    title: "Heat",
    year: 1995,
    duration: 10_200_000,
    viewOffset: 0
  }
}

/** Build `layer` in a scope of its own, returned to close it when the test says so. */
export const start = <ROut, E, RIn>(layer: Layer.Layer<ROut, E, RIn>) =>
  Effect.gen(function* () {
    const scope = yield* Scope.make()
    yield* Layer.buildWithScope(layer, scope)
    return scope
  })

export interface CapturedLog {
  readonly level: LogLevel.LogLevel["label"]
  readonly message: string
  readonly annotations: Record<string, unknown>
  readonly cause: string
}

/**
 * Capture every log line, debug included, written by `effect` and the fibers it
 * forks (workers started inside it inherit the logger).
 */
export const withCapturedLogs = <A, E, R>(
  effect: (logs: Effect.Effect<ReadonlyArray<CapturedLog>>) => Effect.Effect<A, E, R>
) =>
  Effect.gen(function* () {
    const lines = yield* Ref.make<ReadonlyArray<CapturedLog>>([])
    const logger = Logger.make(({ logLevel, message, annotations, cause }) => {
      const text = Array.isArray(message) ? message.map(String).join(" ") : String(message)
      const record: Record<string, unknown> = {}
      for (const [key, value] of annotations) record[key] = value
      const line = { level: logLevel.label, message: text, annotations: record, cause: String(cause) }
      Effect.runSync(Ref.update(lines, (all) => [...all, line]))
    })
    return yield* effect(Ref.get(lines)).pipe(
      Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
      Logger.withMinimumLogLevel(LogLevel.Debug)
    )
  })
