/**
 * One contract for the `WebhookInbox` port, run against the in-memory store, the
 * Postgres server and embedded PGlite.
 */
import { randomUUID } from "node:crypto"
import { expect, layer } from "@effect/vitest"
import { EventId, GroupStore, InboxEntry, type PlexPlaybackEvent, WebhookInbox } from "@org/family-scrobble"
import { Effect } from "effect"
import { at, family, newGroup } from "./fixtures.js"
import { storeTargets } from "./harness.js"

const playEvent = (title: string): PlexPlaybackEvent => ({
  event: "media.play",
  Account: { id: 1, title: "living-room" },
  Metadata: { type: "movie", title, year: 1999, Guid: [{ id: "imdb://tt0133093" }], viewOffset: 0 }
})

const entryFor = (groupId: InboxEntry["groupId"], seconds: number, title = "The Matrix") =>
  new InboxEntry({
    id: EventId.make(randomUUID()),
    groupId,
    event: playEvent(title),
    receivedAt: at(seconds)
  })

for (const target of storeTargets()) {
  layer(target.layer, { timeout: 60_000 })(`WebhookInbox contract: ${target.name}`, (it) => {
    it.effect("an entry recorded under a lease is not stale before the lease ends", () =>
      Effect.gen(function* () {
        const inbox = yield* WebhookInbox
        const { group } = yield* family(1)
        const entry = entryFor(group.id, 0)
        expect(yield* inbox.record(entry, at(300))).toBe(true)
        const early = yield* inbox.claimStale(at(299), 100, at(600))
        expect(early.map((e) => e.id)).not.toContain(entry.id)
        const late = (yield* inbox.claimStale(at(301), 100, at(601))).filter((e) => e.groupId === group.id)
        expect(late).toEqual([entry])
        // Claimed: leased again, so a second claimer does not get it.
        const again = (yield* inbox.claimStale(at(302), 100, at(602))).filter((e) => e.groupId === group.id)
        expect(again).toEqual([])
      })
    )

    it.effect("a renewed lease keeps the entry with its holder; once renewals stop, it comes back", () =>
      Effect.gen(function* () {
        const inbox = yield* WebhookInbox
        const { group } = yield* family(1)
        const entry = entryFor(group.id, 0)
        const other = entryFor(group.id, 1)
        yield* inbox.record(entry, at(10))
        yield* inbox.record(other, at(10))
        yield* inbox.extendLeases([entry.id], at(20))
        const mine = (claimed: ReadonlyArray<InboxEntry>) => claimed.filter((e) => e.groupId === group.id)
        // Past the first lease: only the entry that was not renewed is stale.
        expect(mine(yield* inbox.claimStale(at(15), 100, at(100)))).toEqual([other])
        expect(mine(yield* inbox.claimStale(at(21), 100, at(100)))).toEqual([entry])
        // A completed entry is not brought back by a late renewal.
        yield* inbox.complete(entry.id)
        yield* inbox.extendLeases([entry.id], at(500))
        expect(mine(yield* inbox.claimStale(at(1_000), 100, at(2_000)))).toEqual([other])
      })
    )

    it.effect("stale entries come back oldest first, with the event as received", () =>
      Effect.gen(function* () {
        const inbox = yield* WebhookInbox
        const { group } = yield* family(1)
        const entries = [entryFor(group.id, 5, "B"), entryFor(group.id, 1, "A"), entryFor(group.id, 5, "C")]
        for (const entry of entries) yield* inbox.record(entry, at(10))
        const claimed = (yield* inbox.claimStale(at(20), 100, at(50))).filter((e) => e.groupId === group.id)
        expect(claimed.map((e) => e.event.Metadata?.title)).toEqual(["A", "B", "C"])
        expect(claimed[0]).toEqual(entries[1])
      })
    )

    it.effect("a completed entry is gone; the limit bounds a claim", () =>
      Effect.gen(function* () {
        const inbox = yield* WebhookInbox
        const { group } = yield* family(1)
        const [done, second, third] = [entryFor(group.id, 1), entryFor(group.id, 2), entryFor(group.id, 3)]
        for (const entry of [done, second, third]) yield* inbox.record(entry, at(4))
        yield* inbox.complete(done.id)
        const mine = (list: ReadonlyArray<InboxEntry>) => list.filter((e) => e.groupId === group.id)
        const first = mine(yield* inbox.claimStale(at(10), 1, at(100)))
        const rest = mine(yield* inbox.claimStale(at(10), 100, at(100)))
        expect([...first, ...rest].map((e) => e.id)).toEqual([second.id, third.id])
      })
    )

    it.effect("concurrent claimers never share an entry", () =>
      Effect.gen(function* () {
        const inbox = yield* WebhookInbox
        const { group } = yield* family(1)
        const entries = Array.from({ length: 40 }, (_, i) => entryFor(group.id, i))
        yield* Effect.forEach(entries, (entry) => inbox.record(entry, at(0)), { discard: true })
        const claims = yield* Effect.all(
          Array.from({ length: 4 }, () => inbox.claimStale(at(1000), 15, at(2000))),
          { concurrency: "unbounded" }
        )
        const ids = claims
          .flat()
          .filter((e) => e.groupId === group.id)
          .map((e) => e.id)
        expect(new Set(ids).size).toBe(ids.length)
        expect(new Set(ids)).toEqual(new Set(entries.map((e) => e.id)))
      })
    )

    it.effect("concurrent recordings are all kept; one for a missing group is refused alone", () =>
      Effect.gen(function* () {
        const inbox = yield* WebhookInbox
        const { group } = yield* family(1)
        const entries = Array.from({ length: 60 }, (_, i) => entryFor(group.id, i))
        const orphan = entryFor(newGroup().id, 30)
        const results = yield* Effect.all(
          [...entries.slice(0, 30), orphan, ...entries.slice(30)].map((entry) => inbox.record(entry, at(0))),
          { concurrency: "unbounded" }
        )
        expect(results.filter((ok) => !ok)).toHaveLength(target.postgres ? 1 : 0)
        expect(results[30]).toBe(!target.postgres)
        const claimed = (yield* inbox.claimStale(at(1000), 500, at(2000))).filter(
          (e) => e.groupId === group.id
        )
        expect(new Set(claimed.map((e) => e.id))).toEqual(new Set(entries.map((e) => e.id)))
      })
    )

    if (target.postgres) {
      it.effect(
        "an entry for a group that no longer exists is refused, and deleting a group empties its inbox",
        () =>
          Effect.gen(function* () {
            const inbox = yield* WebhookInbox
            const store = yield* GroupStore
            expect(yield* inbox.record(entryFor(newGroup().id, 0), at(10))).toBe(false)
            const { group } = yield* family(1)
            yield* inbox.record(entryFor(group.id, 0), at(10))
            const before = yield* inbox.size()
            yield* store.deleteGroup(group.id)
            expect(yield* inbox.size()).toBe(before - 1)
          })
      )
    }
  })
}
