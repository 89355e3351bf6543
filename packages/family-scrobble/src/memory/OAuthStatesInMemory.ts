/**
 * `OAuthStates` in a JavaScript Map; `consume` is atomic like a conditional UPDATE.
 */
import { Effect, Layer } from "effect"
import { OAuthStateInvalid } from "../Errors.js"
import { type OAuthStateRecord, OAuthStates, type OAuthStatesService } from "../OAuthStates.js"

interface Entry {
  readonly record: OAuthStateRecord
  consumed: boolean
  revoked: boolean
  abandonReported: boolean
}

export const makeOAuthStatesInMemory = (): OAuthStatesService => {
  const entries = new Map<string, Entry>()
  return {
    issue: (record) =>
      Effect.sync(
        () =>
          void entries.set(record.state, { record, consumed: false, revoked: false, abandonReported: false })
      ),
    consume: (state, now) =>
      Effect.suspend(() => {
        const entry = entries.get(state)
        if (entry === undefined) return Effect.fail(new OAuthStateInvalid({ reason: "unknown" }))
        if (entry.consumed || entry.revoked) return Effect.fail(new OAuthStateInvalid({ reason: "used" }))
        if (now.epochMillis >= entry.record.expiresAt.epochMillis) {
          return Effect.fail(new OAuthStateInvalid({ reason: "expired" }))
        }
        entry.consumed = true
        return Effect.succeed(entry.record)
      }),
    revokeForMember: (memberId) =>
      Effect.sync(() => {
        for (const entry of entries.values())
          if (entry.record.memberId === memberId && !entry.consumed) entry.revoked = true
      }),
    takeAbandoned: (startedBefore) =>
      Effect.sync(() => {
        const abandoned: Array<OAuthStateRecord> = []
        for (const entry of entries.values()) {
          if (entry.consumed || entry.revoked || entry.abandonReported) continue
          if (entry.record.createdAt.epochMillis >= startedBefore.epochMillis) continue
          entry.abandonReported = true
          abandoned.push(entry.record)
        }
        return abandoned
      }),
    purgeExpired: (before) =>
      Effect.sync(() => {
        let purged = 0
        for (const [state, entry] of entries) {
          const settled = entry.consumed || entry.revoked || entry.abandonReported
          if (settled && entry.record.expiresAt.epochMillis < before.epochMillis) {
            entries.delete(state)
            purged++
          }
        }
        return purged
      })
  }
}

export const OAuthStatesInMemory: Layer.Layer<OAuthStates> = Layer.sync(OAuthStates, makeOAuthStatesInMemory)
