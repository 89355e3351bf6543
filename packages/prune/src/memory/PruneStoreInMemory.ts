/**
 * The prune store in memory: the reference implementation of the contract, for tests
 * and for trying the engine. State is lost when the process ends.
 */
import { DateTime, Effect, Layer, Option, Ref } from "effect"
import type { AuditEntry } from "../AuditEntry.js"
import { PruneStore, type PruneStoreService } from "../PruneStore.js"
import type { NewUser, UserRecord } from "../UserRecord.js"

interface State {
  readonly initializedAt: Option.Option<DateTime.Utc>
  readonly users: ReadonlyMap<string, UserRecord>
  /** Welcome claims: user id → lease end. */
  readonly welcomeLeases: ReadonlyMap<string, DateTime.Utc>
  readonly audit: ReadonlyArray<AuditEntry>
  readonly leases: ReadonlyMap<string, { readonly holder: string; readonly until: DateTime.Utc }>
  readonly alerts: ReadonlyMap<string, DateTime.Utc>
}

const newRecord = (user: NewUser, at: DateTime.Utc, welcome: boolean): UserRecord => ({
  userId: user.userId,
  username: user.username,
  email: user.email,
  kind: user.kind,
  firstSeenAt: at,
  joinedAt: user.joinedAt,
  welcome: welcome ? "pending" : "not-needed",
  welcomedAt: Option.none(),
  warnedAt: Option.none(),
  removedAt: Option.none(),
  removalFailure: Option.none()
})

export const makePruneStoreInMemory: Effect.Effect<PruneStoreService> = Effect.gen(function* () {
  const ref = yield* Ref.make<State>({
    initializedAt: Option.none(),
    users: new Map(),
    welcomeLeases: new Map(),
    audit: [],
    leases: new Map(),
    alerts: new Map()
  })
  const updateUser = <A>(
    userId: string,
    f: (record: UserRecord) => readonly [A, UserRecord | undefined],
    missing: A
  ) =>
    Ref.modify(ref, (state): readonly [A, State] => {
      const record = state.users.get(userId)
      if (record === undefined) return [missing, state]
      const [result, next] = f(record)
      if (next === undefined) return [result, state]
      const users = new Map(state.users)
      users.set(userId, next)
      return [result, { ...state, users }]
    })

  return {
    initializedAt: Ref.get(ref).pipe(Effect.map((state) => state.initializedAt)),
    initialize: (users, at) =>
      Ref.modify(ref, (state): readonly [boolean, State] => {
        if (Option.isSome(state.initializedAt)) return [false, state]
        const next = new Map(state.users)
        for (const user of users)
          if (!next.has(user.userId)) next.set(user.userId, newRecord(user, at, false))
        return [true, { ...state, initializedAt: Option.some(at), users: next }]
      }),
    users: Ref.get(ref).pipe(Effect.map((state) => state.users)),
    recordNewUsers: (users, at, welcome) =>
      Ref.modify(ref, (state): readonly [ReadonlyArray<string>, State] => {
        const next = new Map(state.users)
        const inserted: Array<string> = []
        for (const user of users) {
          if (next.has(user.userId)) continue
          next.set(user.userId, newRecord(user, at, welcome))
          inserted.push(user.userId)
        }
        return [inserted, inserted.length === 0 ? state : { ...state, users: next }]
      }),
    reinstate: (user, at) =>
      updateUser(
        user.userId,
        (record) =>
          Option.isNone(record.removedAt)
            ? [false, undefined]
            : [true, newRecord({ ...user, joinedAt: Option.some(at) }, at, true)],
        false
      ),
    claimWelcomes: (now, leaseUntil, limit) =>
      Ref.modify(ref, (state): readonly [ReadonlyArray<UserRecord>, State] => {
        const claimed: Array<UserRecord> = []
        const leases = new Map(state.welcomeLeases)
        const due = [...state.users.values()]
          .filter((record) => record.welcome === "pending")
          .sort((a, b) => DateTime.toEpochMillis(a.firstSeenAt) - DateTime.toEpochMillis(b.firstSeenAt))
        for (const record of due) {
          if (claimed.length >= limit) break
          const lease = leases.get(record.userId)
          if (lease !== undefined && DateTime.greaterThan(lease, now)) continue
          leases.set(record.userId, leaseUntil)
          claimed.push(record)
        }
        return [claimed, { ...state, welcomeLeases: leases }]
      }),
    completeWelcome: (userId, at) =>
      updateUser(
        userId,
        (record) =>
          record.welcome === "pending"
            ? [undefined, { ...record, welcome: "sent", welcomedAt: Option.some(at) }]
            : [undefined, undefined],
        undefined
      ),
    markWarned: (userId, at) =>
      updateUser(
        userId,
        (record) =>
          Option.isSome(record.warnedAt) || Option.isSome(record.removedAt)
            ? [false, undefined]
            : [true, { ...record, warnedAt: Option.some(at) }],
        false
      ),
    clearWarning: (userId, warnedAt) =>
      updateUser(
        userId,
        (record) =>
          Option.isSome(record.warnedAt) && DateTime.Equivalence(record.warnedAt.value, warnedAt)
            ? [true, { ...record, warnedAt: Option.none(), removalFailure: Option.none() }]
            : [false, undefined],
        false
      ),
    markRemoved: (userId, at) =>
      updateUser(
        userId,
        (record) =>
          Option.isSome(record.removedAt)
            ? [undefined, undefined]
            : [undefined, { ...record, removedAt: Option.some(at), removalFailure: Option.none() }],
        undefined
      ),
    recordRemovalFailure: (userId, failure) =>
      updateUser(
        userId,
        (record) =>
          Option.isSome(record.removedAt) ||
          (Option.isSome(record.removalFailure) && record.removalFailure.value.attempts > failure.attempts)
            ? [undefined, undefined]
            : [undefined, { ...record, removalFailure: Option.some(failure) }],
        undefined
      ),
    acquireLease: (name, holder, now, until) =>
      Ref.modify(ref, (state): readonly [boolean, State] => {
        const current = state.leases.get(name)
        if (current !== undefined && current.holder !== holder && DateTime.greaterThan(current.until, now))
          return [false, state]
        const leases = new Map(state.leases)
        leases.set(name, { holder, until })
        return [true, { ...state, leases }]
      }),
    releaseLease: (name, holder) =>
      Ref.update(ref, (state) => {
        if (state.leases.get(name)?.holder !== holder) return state
        const leases = new Map(state.leases)
        leases.delete(name)
        return { ...state, leases }
      }),
    raiseAlert: (key, at) =>
      Ref.modify(ref, (state): readonly [boolean, State] => {
        if (state.alerts.has(key)) return [false, state]
        const alerts = new Map(state.alerts)
        alerts.set(key, at)
        return [true, { ...state, alerts }]
      }),
    clearAlert: (key) =>
      Ref.modify(ref, (state): readonly [boolean, State] => {
        if (!state.alerts.has(key)) return [false, state]
        const alerts = new Map(state.alerts)
        alerts.delete(key)
        return [true, { ...state, alerts }]
      }),
    appendAudit: (entries) =>
      entries.length === 0
        ? Effect.void
        : Ref.update(ref, (state) => ({ ...state, audit: [...state.audit, ...entries] })),
    auditLog: (options = {}) =>
      Ref.get(ref).pipe(
        Effect.map((state) => {
          const entries = state.audit
            .filter((entry) => options.userId === undefined || entry.userId === options.userId)
            .slice()
            .reverse()
          return options.limit === undefined ? entries : entries.slice(0, options.limit)
        })
      )
  }
})

/** The prune store in memory. */
export const PruneStoreInMemory: Layer.Layer<PruneStore> = Layer.effect(PruneStore, makePruneStoreInMemory)
