/**
 * `PlaybackSessions` in JavaScript Maps: the default for one process. Sessions
 * are soft state: losing them on restart costs at most a duplicate that Trakt
 * answers with 409.
 */
import { Effect, Layer, Option } from "effect"
import { PlaybackSessions, type PlaybackSessionsService, type SessionState } from "../PlaybackSession.js"

export const makePlaybackSessionsInMemory = (): PlaybackSessionsService => {
  const sessions = new Map<string, SessionState>()
  const finishes = new Map<string, number>()
  return {
    getSession: (key) => Effect.sync(() => Option.fromNullable(sessions.get(key))),
    putSession: (key, state) => Effect.sync(() => void sessions.set(key, state)),
    lastFinish: (key) => Effect.sync(() => Option.fromNullable(finishes.get(key))),
    recordFinish: (key, at) => Effect.sync(() => void finishes.set(key, at)),
    evictBefore: (before) =>
      Effect.sync(() => {
        for (const [key, state] of sessions) if (state.lastEventAt < before) sessions.delete(key)
        for (const [key, at] of finishes) if (at < before) finishes.delete(key)
      })
  }
}

export const PlaybackSessionsInMemory: Layer.Layer<PlaybackSessions> = Layer.sync(
  PlaybackSessions,
  makePlaybackSessionsInMemory
)
