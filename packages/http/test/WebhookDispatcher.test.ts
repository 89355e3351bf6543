import {
  acceptWebhook,
  completeAuthorization,
  createFamilyGroup,
  GroupStore,
  type PlexPlaybackEvent
} from "@org/family-scrobble"
import { FamilyScrobbleTest, TestTrakt } from "@org/family-scrobble/testing"
import { Effect, Layer } from "effect"
import { expect, it } from "vitest"
import { WebhookDispatcher } from "../src/family-scrobble/index.js"

const movie = {
  type: "movie",
  Guid: [{ id: "imdb://tt0113277" }],
  title: "Heat",
  year: 1995,
  duration: 10_000_000
}
const event = (name: string, viewOffset: number): PlexPlaybackEvent => ({
  event: name,
  Account: { id: 1, title: "tv" },
  Player: { uuid: "player-1" },
  Metadata: { ...movie, viewOffset }
})

it("broadcasts one group's events in the order they were accepted, whatever their timing", async () => {
  const program = Effect.gen(function* () {
    const trakt = yield* TestTrakt
    const created = yield* createFamilyGroup({ plexUsername: "tv", labels: ["Mum"] })
    const state = new URL(created.members[0]?.authorizeUrl ?? "").searchParams.get("state") ?? ""
    yield* completeAuthorization({ code: trakt.codeFor("mum"), state })
    const dispatcher = yield* WebhookDispatcher
    // Accepted one after the other, dispatched at once: each broadcast finds the
    // group and queues for its lock, so without ordering a later one could pass.
    const entries = []
    for (const [name, offset] of [
      ["media.play", 0],
      ["media.pause", 4_000_000],
      ["media.resume", 4_000_000],
      ["media.stop", 9_700_000]
    ] as const) {
      const accepted = yield* acceptWebhook(created.group.id, event(name, offset))
      if (accepted._tag === "Accepted") entries.push(accepted.entry)
    }
    slowNextLookup = true
    for (const entry of entries) yield* dispatcher.dispatch(entry)
    for (let i = 0; i < 200; i++) {
      if ((yield* trakt.scrobbles("mum")).length >= 4) break
      yield* Effect.sleep("10 millis")
    }
    return (yield* trakt.scrobbles("mum")).map((s) => `${s.action}@${s.progress}`)
  })
  const domain = FamilyScrobbleTest({ settings: { minPostInterval: 0, duplicateWindow: 0 } })
  // The store is slow to find the group for the first broadcast only (a slow
  // query, a busy pool): the next ones would reach the group lock first.
  let slowNextLookup = false
  const slowFirstLookup = Layer.effect(
    GroupStore,
    Effect.map(GroupStore, (store) => ({
      ...store,
      findGroup: (id: Parameters<typeof store.findGroup>[0]) =>
        Effect.suspend(() => {
          const slow = slowNextLookup
          slowNextLookup = false
          return slow ? Effect.zipRight(Effect.sleep("100 millis"), store.findGroup(id)) : store.findGroup(id)
        })
    }))
  )
  const stores = Layer.provideMerge(slowFirstLookup, domain)
  const result = await Effect.runPromise(
    program.pipe(Effect.provide(Layer.provideMerge(WebhookDispatcher.layer(), stores)))
  )
  expect(result).toEqual(["start@0", "stop@40", "start@40", "stop@97"])
})
