/**
 * One contract for the `RetryQueue` port, run against the in-memory queue, the
 * Postgres server and embedded PGlite.
 */
import { randomUUID } from "node:crypto"
import { expect, layer } from "@effect/vitest"
import {
  EpisodeRef,
  EventId,
  type GroupMember,
  GroupStore,
  MediaIds,
  MovieRef,
  mediaKey,
  RetryItem,
  RetryItemId,
  RetryQueue,
  type ScrobbleAction,
  toProgress
} from "@org/family-scrobble"
import { Effect, Option } from "effect"
import { at, family } from "./fixtures.js"
import { storeTargets } from "./harness.js"

const heat = new MovieRef({ title: "Heat", year: 1995, ids: new MediaIds({ imdb: "tt0113277", tmdb: 949 }) })
const sundae = new EpisodeRef({
  title: "Sundae",
  showTitle: "The Bear",
  season: 2,
  number: 3,
  ids: new MediaIds({ tvdb: 9374601 }),
  showIds: new MediaIds({ tvdb: 403245 })
})

const item = (
  member: GroupMember,
  options: {
    readonly action?: ScrobbleAction
    readonly progress?: number
    readonly eventAt?: number
    readonly due?: number
    readonly media?: MovieRef | EpisodeRef
  } = {}
) => {
  const media = options.media ?? heat
  return new RetryItem({
    id: RetryItemId.make(randomUUID()),
    groupId: member.groupId,
    memberId: member.id,
    eventId: EventId.make(`evt-${randomUUID().slice(0, 8)}`),
    action: options.action ?? "start",
    media,
    mediaKey: mediaKey(media),
    progress: toProgress(options.progress ?? 0),
    attempts: 0,
    status: "queued",
    eventAt: at(options.eventAt ?? 0),
    nextAttemptAt: at(options.due ?? 30),
    lastError: "Trakt answered 503",
    createdAt: at(options.eventAt ?? 0),
    updatedAt: at(options.eventAt ?? 0)
  })
}

const ids = (items: ReadonlyArray<RetryItem>) => items.map((i) => i.id)

for (const target of storeTargets()) {
  layer(target.layer, { timeout: 60_000 })(`RetryQueue contract: ${target.name}`, (it) => {
    it.effect("keeps items with their media intact, oldest event first, counted by status", () =>
      Effect.gen(function* () {
        const queue = yield* RetryQueue
        const { group, members } = yield* family()
        const [a, b] = members as [GroupMember, GroupMember]
        const second = item(a, { eventAt: 5, media: sundae, action: "stop", progress: 40 })
        const first = item(b, { eventAt: 1 })
        yield* queue.enqueue(second)
        yield* queue.enqueue(first)
        const listed = yield* queue.list(group.id)
        expect(listed).toEqual([first, second])
        expect(yield* queue.depth(group.id)).toEqual({ queued: 2, retrying: 0, permanentFailure: 0 })
      })
    )

    it.effect("claims only due items, oldest event first, up to the limit, each under a lease", () =>
      Effect.gen(function* () {
        const queue = yield* RetryQueue
        const { group, members } = yield* family(3)
        const [a, b, c] = members as [GroupMember, GroupMember, GroupMember]
        const late = item(a, { eventAt: 3, due: 1_000_000 })
        const i1 = item(b, { eventAt: 2, due: 30 })
        const i2 = item(c, { eventAt: 1, due: 30 })
        for (const i of [late, i1, i2]) yield* queue.enqueue(i)
        // Other tests' items are due too: look at this group's only.
        const mine = (claimed: ReadonlyArray<RetryItem>) => claimed.filter((i) => i.groupId === group.id)
        const claimed = mine(yield* queue.claimDue(at(40), 1000, at(100)))
        expect(ids(claimed)).toEqual([i2.id, i1.id])
        // Leased: nobody else gets them before the lease has passed...
        expect(mine(yield* queue.claimDue(at(50), 1000, at(150)))).toEqual([])
        // ...and after it, they come back (the worker that held them died).
        expect(ids(mine(yield* queue.claimDue(at(101), 1000, at(200))))).toEqual([i2.id, i1.id])
      })
    )

    it.effect(
      "a renewed lease keeps claimed items with their worker; items no longer claimed are left alone",
      () =>
        Effect.gen(function* () {
          const queue = yield* RetryQueue
          const { group, members } = yield* family(2)
          const [a, b] = members as [GroupMember, GroupMember]
          const kept = item(a, { eventAt: 1, due: 30 })
          const released = item(b, { eventAt: 2, due: 30 })
          for (const i of [kept, released]) yield* queue.enqueue(i)
          const mine = (claimed: ReadonlyArray<RetryItem>) => claimed.filter((i) => i.groupId === group.id)
          expect(ids(mine(yield* queue.claimDue(at(40), 1000, at(100))))).toEqual([kept.id, released.id])
          yield* queue.release(released.id)
          yield* queue.extendLeases([kept.id, released.id], at(300))
          // Past the first lease the renewed item stays claimed; the released one was claimable all along.
          expect(ids(mine(yield* queue.claimDue(at(150), 1000, at(160))))).toEqual([released.id])
          expect(ids(mine(yield* queue.claimDue(at(301), 1000, at(400))))).toEqual([kept.id, released.id])
        })
    )

    it.effect("remembers the latest action each member got for an item, never going back", () =>
      Effect.gen(function* () {
        const queue = yield* RetryQueue
        const { members } = yield* family(2)
        const [a, b] = members as [GroupMember, GroupMember]
        const first = { eventId: EventId.make(randomUUID()), eventAt: at(10) }
        const later = { eventId: EventId.make(randomUUID()), eventAt: at(20) }
        expect((yield* queue.lastDelivered([a.id, b.id], "movie:heat")).size).toBe(0)
        yield* queue.recordDelivered([a.id, b.id], "movie:heat", first)
        yield* queue.recordDelivered([a.id], "movie:heat", later)
        // An older one arriving late does not replace the later one.
        yield* queue.recordDelivered([a.id], "movie:heat", first)
        const last = yield* queue.lastDelivered([a.id, b.id], "movie:heat")
        expect(last.get(a.id)).toEqual(later)
        expect(last.get(b.id)).toEqual(first)
        // Per item: another item knows nothing of these.
        expect((yield* queue.lastDelivered([a.id], "movie:other")).size).toBe(0)
        // A removed member's record goes with them.
        yield* queue.removeForMember(b.id)
        expect((yield* queue.lastDelivered([b.id], "movie:heat")).size).toBe(0)
      })
    )

    it.effect("concurrent claims never hand out the same item twice", () =>
      Effect.gen(function* () {
        const queue = yield* RetryQueue
        const { group, members } = yield* family(4)
        const mine: Array<RetryItem> = []
        for (const [index, member] of members.entries()) {
          for (let k = 0; k < 10; k++) {
            const i = item(member, { eventAt: 2_000 + index * 10 + k, due: 2_000, media: heat })
            mine.push(i)
            // Different media keys per item: nothing supersedes anything here.
            yield* queue.enqueue(new RetryItem({ ...i, mediaKey: `${i.mediaKey}-${k}` }))
          }
        }
        const batches = yield* Effect.forEach(
          Array.from({ length: 6 }),
          () => queue.claimDue(at(3_000), 7, at(4_000)),
          { concurrency: "unbounded" }
        )
        const claimed = batches.flat().filter((i) => i.groupId === group.id)
        expect(new Set(ids(claimed)).size).toBe(claimed.length)
        expect(claimed.length).toBeGreaterThan(0)
      })
    )

    it.effect("reschedule, permanent failure and release", () =>
      Effect.gen(function* () {
        const queue = yield* RetryQueue
        const { group, members } = yield* family(3)
        const [a, b, c] = members as [GroupMember, GroupMember, GroupMember]
        const [x, y, z] = [item(a, { eventAt: 1 }), item(b, { eventAt: 2 }), item(c, { eventAt: 3 })]
        for (const i of [x, y, z]) yield* queue.enqueue(i)
        const mine = (claimed: ReadonlyArray<RetryItem>) => claimed.filter((i) => i.groupId === group.id)
        expect(mine(yield* queue.claimDue(at(30), 1000, at(1_000)))).toHaveLength(3)
        yield* queue.reschedule(x.id, 1, at(90), "Trakt answered 502", at(31))
        yield* queue.markPermanentFailure(y.id, 5, "Trakt answered 500", at(32))
        yield* queue.release(z.id)
        // The released item is claimable at once; the rescheduled one when due; the failed one never.
        expect(ids(mine(yield* queue.claimDue(at(40), 1000, at(1_000))))).toEqual([z.id])
        expect(ids(mine(yield* queue.claimDue(at(90), 1000, at(1_000))))).toEqual([x.id])
        const listed = yield* queue.list(group.id)
        expect(listed.find((i) => i.id === x.id)).toMatchObject({
          status: "retrying",
          attempts: 1,
          lastError: "Trakt answered 502"
        })
        expect(listed.find((i) => i.id === y.id)).toMatchObject({ status: "permanent_failure", attempts: 5 })
        expect(yield* queue.depth(group.id)).toEqual({ queued: 1, retrying: 1, permanentFailure: 1 })
      })
    )

    it.effect("a newer action supersedes older pending ones of the pair; a play only by a play", () =>
      Effect.gen(function* () {
        const queue = yield* RetryQueue
        const { group, members } = yield* family(2)
        const [a, b] = members as [GroupMember, GroupMember]
        const oldStart = item(a, { eventAt: 1 })
        const oldPlay = item(a, { eventAt: 2, action: "stop", progress: 95 })
        const otherMember = item(b, { eventAt: 1 })
        const otherMedia = item(a, { eventAt: 1, media: sundae })
        for (const i of [oldStart, oldPlay, otherMember, otherMedia]) yield* queue.enqueue(i)
        // A pause (not a play) replaces the start but keeps the play.
        const pause = item(a, { eventAt: 3, action: "stop", progress: 40 })
        yield* queue.enqueue(pause)
        expect(ids(yield* queue.list(group.id)).sort()).toEqual(
          [oldPlay.id, otherMember.id, otherMedia.id, pause.id].sort()
        )
        // A delivered play drops every older pending item of the pair.
        expect(yield* queue.dropSuperseded([a.id], mediaKey(heat), at(4), true)).toBe(2)
        expect(ids(yield* queue.list(group.id)).sort()).toEqual([otherMember.id, otherMedia.id].sort())
        // Permanent failures stay for the admin (enqueueing `failed` already replaced b's start).
        const failed = item(b, { eventAt: 10 })
        yield* queue.enqueue(failed)
        yield* queue.markPermanentFailure(failed.id, 5, "gave up", at(11))
        expect(yield* queue.dropSuperseded([b.id], mediaKey(heat), at(20), true)).toBe(0)
        expect(ids(yield* queue.list(group.id)).sort()).toEqual([otherMedia.id, failed.id].sort())
      })
    )

    it.effect("a broadcast drops what it supersedes for all its members in one call", () =>
      Effect.gen(function* () {
        const queue = yield* RetryQueue
        const { group, members } = yield* family(3)
        const [a, b, c] = members as [GroupMember, GroupMember, GroupMember]
        const stale = [item(a, { eventAt: 1 }), item(b, { eventAt: 1 }), item(c, { eventAt: 1 })]
        for (const i of stale) yield* queue.enqueue(i)
        // Delivered to a and b; c's start stays queued.
        expect(yield* queue.dropSuperseded([a.id, b.id], mediaKey(heat), at(2), false)).toBe(2)
        expect(ids(yield* queue.list(group.id))).toEqual([stale[2]?.id])
        expect(yield* queue.dropSuperseded([], mediaKey(heat), at(2), false)).toBe(0)
      })
    )

    it.effect("fails many items in one call: rescheduled or failed for good", () =>
      Effect.gen(function* () {
        const queue = yield* RetryQueue
        const { group, members } = yield* family(2)
        const [a, b] = members as [GroupMember, GroupMember]
        const [x, y] = [item(a, { eventAt: 1 }), item(b, { eventAt: 2 })]
        for (const i of [x, y]) yield* queue.enqueue(i)
        const mine = (claimed: ReadonlyArray<RetryItem>) => claimed.filter((i) => i.groupId === group.id)
        expect(mine(yield* queue.claimDue(at(30), 1000, at(1_000)))).toHaveLength(2)
        yield* queue.failMany(
          [
            { id: x.id, attempts: 1, lastError: "Trakt answered 502", nextAttemptAt: Option.some(at(90)) },
            { id: y.id, attempts: 5, lastError: "Trakt answered 500", nextAttemptAt: Option.none() }
          ],
          at(31)
        )
        yield* queue.failMany([], at(31))
        const listed = yield* queue.list(group.id)
        expect(listed.find((i) => i.id === x.id)).toMatchObject({
          status: "retrying",
          attempts: 1,
          lastError: "Trakt answered 502",
          nextAttemptAt: at(90),
          updatedAt: at(31)
        })
        expect(listed.find((i) => i.id === y.id)).toMatchObject({ status: "permanent_failure", attempts: 5 })
        // The lease is gone with the failure: x is claimable when due, y never.
        expect(ids(mine(yield* queue.claimDue(at(90), 1000, at(2_000))))).toEqual([x.id])
      })
    )

    it.effect("completes many items in one call", () =>
      Effect.gen(function* () {
        const queue = yield* RetryQueue
        const { group, members } = yield* family(2)
        const [a, b] = members as [GroupMember, GroupMember]
        const [x, y, z] = [
          item(a, { eventAt: 1 }),
          item(b, { eventAt: 2 }),
          item(a, { eventAt: 3, media: sundae })
        ]
        for (const i of [x, y, z]) yield* queue.enqueue(i)
        yield* queue.completeMany([x.id, z.id])
        yield* queue.completeMany([])
        expect(ids(yield* queue.list(group.id))).toEqual([y.id])
      })
    )

    it.effect("a removed member's items and a deleted group's items disappear", () =>
      Effect.gen(function* () {
        const queue = yield* RetryQueue
        const { group, members } = yield* family(2)
        const [a, b] = members as [GroupMember, GroupMember]
        yield* queue.enqueue(item(a, { eventAt: 1 }))
        yield* queue.enqueue(item(a, { eventAt: 2, media: sundae }))
        yield* queue.enqueue(item(b, { eventAt: 3 }))
        expect(yield* queue.removeForMember(a.id)).toBe(2)
        expect(yield* queue.removeForGroup(group.id)).toBe(1)
        expect(yield* queue.list(group.id)).toEqual([])
      })
    )

    if (target.postgres) {
      it.effect("the database cascades: deleting a member or a group deletes their queued items", () =>
        Effect.gen(function* () {
          const queue = yield* RetryQueue
          const store = yield* GroupStore
          const { group, members } = yield* family(2)
          const [a, b] = members as [GroupMember, GroupMember]
          yield* queue.enqueue(item(a, { eventAt: 1 }))
          yield* queue.enqueue(item(b, { eventAt: 2 }))
          yield* store.removeMember(group.id, a.id)
          expect((yield* queue.list(group.id)).map((i) => i.memberId)).toEqual([b.id])
          yield* store.deleteGroup(group.id)
          expect(yield* queue.list(group.id)).toEqual([])
        })
      )
    }
  })
}
