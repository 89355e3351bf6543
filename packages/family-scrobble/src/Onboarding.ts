/**
 * Onboarding members: each member authorizes their own Trakt account through a
 * single-use, expiring link, and the callback turns the code into tokens.
 *
 * Telemetry follows each authorization: `onboarding_start` when a link is issued,
 * `onboarding_complete` (with its duration) when the callback succeeds, and
 * `onboarding_abandon` when a link is still unused `onboardingAbandonAfter`
 * (15 minutes) after it was issued.
 */

import { randomToken } from "@org/core"
import { DateTime, Effect, Option, Schema } from "effect"
import { FamilyScrobbleConfig } from "./Config.js"
import { decodeInput, MemberNotFound, TraktAuthorizationFailed } from "./Errors.js"
import type { GroupMember } from "./GroupMember.js"
import { GroupStore } from "./GroupStore.js"
import { OAuthState } from "./Ids.js"
import { withMemberTokenLock } from "./Locks.js"
import { OAuthStateRecord, OAuthStates } from "./OAuthStates.js"
import { Telemetry, TelemetryEvent } from "./Telemetry.js"
import { TraktApi } from "./TraktApi.js"

/** A member's way in: the Trakt page to open and until when it works. */
export interface MemberInvitation {
  readonly member: GroupMember
  readonly authorizeUrl: string
  readonly expiresAt: DateTime.Utc
}

/**
 * Issue a fresh authorization link for a member (new members, and members whose
 * authorization expired). Earlier unused links stay valid until they expire or
 * one of them is used.
 */
export const issueAuthorization = (member: GroupMember) =>
  Effect.gen(function* () {
    const states = yield* OAuthStates
    const trakt = yield* TraktApi
    const telemetry = yield* Telemetry
    const settings = yield* FamilyScrobbleConfig
    const now = yield* DateTime.now
    const state = OAuthState.make(yield* randomToken(32))
    const expiresAt = DateTime.addDuration(now, settings.oauthStateTtl)
    yield* states.issue(
      new OAuthStateRecord({ state, groupId: member.groupId, memberId: member.id, createdAt: now, expiresAt })
    )
    yield* telemetry.record(
      TelemetryEvent.of({ name: "onboarding_start", groupId: member.groupId, memberId: member.id, at: now })
    )
    const invitation: MemberInvitation = { member, authorizeUrl: trakt.authorizeUrl(state), expiresAt }
    return invitation
  })

const CallbackInput = Schema.Struct({
  code: Schema.String.pipe(Schema.minLength(1, { message: () => "the Trakt authorization code is missing" })),
  state: Schema.String.pipe(Schema.minLength(1, { message: () => "the authorization state is missing" }))
})

/**
 * The Trakt OAuth callback: check the state (single-use, not expired), exchange
 * the code, read the Trakt username, refuse an account already in the group, and
 * mark the member authorized.
 */
export const completeAuthorization = (input: { readonly code: string; readonly state: string }) =>
  Effect.gen(function* () {
    const { code, state } = yield* decodeInput(CallbackInput)(input)
    const states = yield* OAuthStates
    const store = yield* GroupStore
    const trakt = yield* TraktApi
    const telemetry = yield* Telemetry
    const now = yield* DateTime.now
    const record = yield* states.consume(state, now)

    return yield* withMemberTokenLock(record.memberId)(
      Effect.gen(function* () {
        const found = yield* store.findMember(record.memberId)
        if (Option.isNone(found))
          return yield* new MemberNotFound({ groupId: record.groupId, memberId: record.memberId })
        const member = found.value
        const refuse = (reason: string) =>
          Effect.gen(function* () {
            // A member who is authorized keeps working; only an unfinished one is marked failed.
            if (member.status !== "authorized") {
              yield* store.setMemberStatus(member.id, "failed", Option.some(reason))
            }
            yield* Effect.logWarning("member authorization refused").pipe(
              Effect.annotateLogs({ error: reason })
            )
          })

        const tokens = yield* trakt.exchangeCode(code).pipe(
          Effect.tapError((failure) => refuse(failure.message)),
          Effect.mapError((failure) => new TraktAuthorizationFailed({ reason: failure.message }))
        )
        const username = yield* trakt.getUsername(tokens.accessToken).pipe(
          Effect.tapError((failure) => refuse(failure.message)),
          Effect.mapError((failure) => new TraktAuthorizationFailed({ reason: failure.message }))
        )
        yield* store
          .authorizeMember(member.id, username, tokens, now)
          .pipe(Effect.tapErrorTag("DuplicateTraktAccount", (error) => refuse(error.message)))
        yield* states.revokeForMember(member.id)
        const durationMs = DateTime.toEpochMillis(now) - DateTime.toEpochMillis(record.createdAt)
        yield* telemetry.record(
          TelemetryEvent.of({
            name: "onboarding_complete",
            groupId: member.groupId,
            memberId: member.id,
            at: now,
            durationMs
          })
        )
        const authorized = yield* store.findMember(member.id)
        yield* Effect.logInfo("member authorized Trakt").pipe(
          Effect.annotateLogs({ member_username: username })
        )
        return Option.getOrElse(authorized, () => member)
      })
    ).pipe(Effect.annotateLogs({ member_id: record.memberId }))
  })

/** What a run of the abandoned-onboarding detector did. */
export interface AbandonedOnboardingReport {
  /** Onboardings reported abandoned by this run (each is reported once). */
  readonly abandoned: number
}

/**
 * Report onboardings not completed `onboardingAbandonAfter` after they started,
 * each once. Meant to run every minute or so. Expired links are forgotten by
 * `expireOAuthStates`, which keeps every link until it has been reported.
 */
export const detectAbandonedOnboarding = Effect.gen(function* () {
  const states = yield* OAuthStates
  const telemetry = yield* Telemetry
  const settings = yield* FamilyScrobbleConfig
  const now = yield* DateTime.now
  const abandoned = yield* states.takeAbandoned(
    DateTime.subtractDuration(now, settings.onboardingAbandonAfter)
  )
  yield* Effect.forEach(abandoned, (record) =>
    telemetry.record(
      TelemetryEvent.of({
        name: "onboarding_abandon",
        groupId: record.groupId,
        memberId: record.memberId,
        at: now,
        durationMs: DateTime.toEpochMillis(now) - DateTime.toEpochMillis(record.createdAt)
      })
    )
  )
  const report: AbandonedOnboardingReport = { abandoned: abandoned.length }
  return report
})

/**
 * Forget authorization links that have expired and need no more reporting (used,
 * withdrawn, or already reported abandoned); an unused link is kept until
 * `detectAbandonedOnboarding` has reported it. Returns how many were forgotten.
 * Meant to run every few minutes.
 */
export const expireOAuthStates = Effect.gen(function* () {
  const states = yield* OAuthStates
  const now = yield* DateTime.now
  const forgotten = yield* states.purgeExpired(now)
  yield* Effect.logDebug("forgot expired OAuth states").pipe(
    Effect.annotateLogs({ oauth_states_forgotten: forgotten })
  )
  return forgotten
})
