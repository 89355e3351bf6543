/**
 * One contract for the `Notifications` port, run against the in-memory store,
 * the Postgres server and embedded PGlite: what the domain relies on of any store.
 */
import { randomBytes, randomUUID } from "node:crypto"
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { SecureRandom } from "@org/core"
import {
  FamilyGroupId,
  type GroupMemberId,
  GroupStore,
  Notification,
  NotificationId,
  type NotificationKind,
  Notifications,
  raiseNotification
} from "@org/family-scrobble"
import { Effect, Option } from "effect"
import { PgStoreConfig } from "../src/PgStoreConfig.js"
import { at, family } from "./fixtures.js"
import { storeTargets } from "./harness.js"

const notice = (
  groupId: FamilyGroupId,
  seconds: number,
  fields: {
    readonly memberId?: GroupMemberId | undefined
    readonly kind?: NotificationKind
    readonly message?: string
  } = {}
) =>
  new Notification({
    id: NotificationId.make(randomUUID()),
    groupId,
    memberId: Option.fromNullable(fields.memberId),
    kind: fields.kind ?? "permanent_failure",
    message: fields.message ?? `notice at ${seconds}`,
    createdAt: at(seconds),
    dismissedAt: Option.none()
  })

const CryptoRandom = SecureRandom.of({
  bytes: (size) => Effect.sync(() => new Uint8Array(randomBytes(size)))
})

for (const target of storeTargets()) {
  layer(target.layer, { timeout: 60_000 })(`Notifications contract: ${target.name}`, (it) => {
    it.effect("lists a group's notifications newest first, as they were added", () =>
      Effect.gen(function* () {
        const notifications = yield* Notifications
        const { group, members } = yield* family()
        const other = yield* family()
        const [first, second, third] = [
          notice(group.id, 1, { memberId: members[0]?.id, kind: "member_added" }),
          notice(group.id, 2),
          notice(group.id, 3, { kind: "token_expired", memberId: members[1]?.id })
        ]
        yield* notifications.add(first)
        yield* notifications.add(notice(other.group.id, 4))
        yield* notifications.add(second)
        yield* notifications.add(third)
        expect(yield* notifications.list(group.id)).toEqual([third, second, first])
        expect((yield* notifications.list(other.group.id)).map((n) => n.createdAt)).toEqual([at(4)])
        expect(yield* notifications.list(FamilyGroupId.make(randomUUID()))).toEqual([])
      })
    )

    it.effect("notifications of the same instant come last added first", () =>
      Effect.gen(function* () {
        const notifications = yield* Notifications
        const { group } = yield* family()
        const batch = Array.from({ length: 5 }, (_, i) => notice(group.id, 7, { message: `same ${i}` }))
        yield* Effect.forEach(batch, (n) => notifications.add(n), { discard: true })
        expect((yield* notifications.list(group.id)).map((n) => n.message)).toEqual([
          "same 4",
          "same 3",
          "same 2",
          "same 1",
          "same 0"
        ])
      })
    )

    it.effect("dismissed notifications are listed only when asked, with the first dismissal time", () =>
      Effect.gen(function* () {
        const notifications = yield* Notifications
        const { group } = yield* family()
        const [a, b] = [notice(group.id, 1), notice(group.id, 2)]
        yield* notifications.add(a)
        yield* notifications.add(b)
        expect(yield* notifications.dismiss(group.id, a.id, at(10))).toBe(true)
        expect((yield* notifications.list(group.id)).map((n) => n.id)).toEqual([b.id])
        // Dismissing twice is harmless, and the first time stays.
        expect(yield* notifications.dismiss(group.id, a.id, at(20))).toBe(true)
        const all = yield* notifications.list(group.id, { includeDismissed: true })
        expect(all.map((n) => [n.id, n.dismissedAt])).toEqual([
          [b.id, Option.none()],
          [a.id, Option.some(at(10))]
        ])
        expect((yield* notifications.list(group.id, { includeDismissed: false })).map((n) => n.id)).toEqual([
          b.id
        ])
      })
    )

    it.effect("dismiss finds no notification of another group, nor an unknown one", () =>
      Effect.gen(function* () {
        const notifications = yield* Notifications
        const { group } = yield* family()
        const other = yield* family()
        const n = notice(group.id, 1)
        yield* notifications.add(n)
        expect(yield* notifications.dismiss(other.group.id, n.id, at(5))).toBe(false)
        expect(yield* notifications.dismiss(group.id, NotificationId.make(randomUUID()), at(5))).toBe(false)
        expect((yield* notifications.list(group.id)).map((x) => [x.id, x.dismissedAt])).toEqual([
          [n.id, Option.none()]
        ])
      })
    )

    it.effect("removeForGroup removes the group's notifications only", () =>
      Effect.gen(function* () {
        const notifications = yield* Notifications
        const { group } = yield* family()
        const other = yield* family()
        yield* notifications.add(notice(group.id, 1))
        yield* notifications.add(notice(group.id, 2))
        const kept = notice(other.group.id, 3)
        yield* notifications.add(kept)
        yield* notifications.dismiss(group.id, (yield* notifications.list(group.id))[0]?.id ?? kept.id, at(4))
        yield* notifications.removeForGroup(group.id)
        expect(yield* notifications.list(group.id, { includeDismissed: true })).toEqual([])
        expect(yield* notifications.list(other.group.id)).toEqual([kept])
        // Nothing to remove is no failure.
        yield* notifications.removeForGroup(group.id)
      })
    )

    it.effect("raising once adds nothing while the same kind for the same member is undismissed", () =>
      Effect.gen(function* () {
        const notifications = yield* Notifications
        const { group, members } = yield* family()
        const [mum, dad] = [members[0]?.id, members[1]?.id]
        const raise = (kind: NotificationKind, memberId: GroupMemberId | undefined, once = true) =>
          raiseNotification({ groupId: group.id, memberId, kind, message: `${kind} ${memberId}`, once })
        yield* raise("token_expired", mum)
        yield* raise("token_expired", mum)
        yield* raise("token_expired", dad)
        yield* raise("member_needs_attention", mum)
        yield* raise("member_removed", undefined)
        yield* raise("member_removed", undefined)
        const count = (kind: NotificationKind, memberId: GroupMemberId | undefined) =>
          notifications
            .list(group.id)
            .pipe(
              Effect.map(
                (list) =>
                  list.filter((n) => n.kind === kind && Option.getOrUndefined(n.memberId) === memberId).length
              )
            )
        expect(yield* count("token_expired", mum)).toBe(1)
        expect(yield* count("token_expired", dad)).toBe(1)
        expect(yield* count("member_needs_attention", mum)).toBe(1)
        expect(yield* count("member_removed", undefined)).toBe(1)

        // Once dismissed, the same notice is raised again.
        const open = (yield* notifications.list(group.id)).find(
          (n) => n.kind === "token_expired" && Option.getOrUndefined(n.memberId) === mum
        )
        yield* notifications.dismiss(group.id, open?.id ?? NotificationId.make(randomUUID()), at(9))
        yield* raise("token_expired", mum)
        expect(yield* count("token_expired", mum)).toBe(1)
        expect((yield* notifications.list(group.id, { includeDismissed: true })).length).toBe(5)

        // Without `once`, every raise adds one.
        yield* raise("permanent_failure", mum, false)
        yield* raise("permanent_failure", mum, false)
        expect(yield* count("permanent_failure", mum)).toBe(2)
      }).pipe(Effect.provideService(SecureRandom, CryptoRandom))
    )

    it.effect("adding a notification again replaces it in place", () =>
      Effect.gen(function* () {
        const notifications = yield* Notifications
        const { group } = yield* family()
        const [a, b] = [notice(group.id, 1), notice(group.id, 2)]
        yield* notifications.add(a)
        yield* notifications.add(b)
        const edited = new Notification({ ...a, message: "edited", dismissedAt: Option.some(at(3)) })
        yield* notifications.add(edited)
        expect(yield* notifications.list(group.id, { includeDismissed: true })).toEqual([b, edited])
      })
    )

    if (target.postgres) {
      it.effect("stores one row per notification, dismissal time and missing member as such", () =>
        Effect.gen(function* () {
          const notifications = yield* Notifications
          const sql = yield* SqlClient.SqlClient
          const { schema } = yield* PgStoreConfig
          const { group, members } = yield* family()
          const withMember = notice(group.id, 1, { memberId: members[0]?.id, kind: "token_expired" })
          const withoutMember = notice(group.id, 2, { kind: "member_removed" })
          yield* notifications.add(withMember)
          yield* notifications.add(withoutMember)
          yield* notifications.dismiss(group.id, withMember.id, at(5))
          const rows = yield* sql<{
            id: string
            member_id: string | null
            kind: string
            created_at: Date
            dismissed_at: Date | null
            position: string
          }>`
            SELECT id, member_id, kind, created_at, dismissed_at, position
            FROM ${sql(`${schema}.notifications`)} WHERE group_id = ${group.id} ORDER BY position`
          expect(rows.map((r) => [r.id, r.member_id, r.kind])).toEqual([
            [withMember.id, members[0]?.id, "token_expired"],
            [withoutMember.id, null, "member_removed"]
          ])
          expect(rows.map((r) => r.created_at.getTime())).toEqual([at(1).epochMillis, at(2).epochMillis])
          expect(rows.map((r) => r.dismissed_at?.getTime() ?? null)).toEqual([at(5).epochMillis, null])
          expect(BigInt(rows[0]?.position ?? 0) < BigInt(rows[1]?.position ?? 0)).toBe(true)

          // Deleting the group takes its notifications with it.
          yield* (yield* GroupStore).deleteGroup(group.id)
          const [left] = yield* sql<{ n: string }>`
            SELECT count(*) AS n FROM ${sql(`${schema}.notifications`)} WHERE group_id = ${group.id}`
          expect(Number(left?.n)).toBe(0)
        })
      )
    }
  })
}
