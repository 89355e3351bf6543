/**
 * Keeping members' Trakt tokens valid.
 *
 * Refresh tokens are single-use: a refresh kills the old refresh token, so two
 * concurrent refreshes of one member would lock them out. Every refresh of a
 * member runs under that member's token lock, re-reads the stored pair first
 * (someone may have refreshed already), and stores the new pair with a
 * compare-and-set on the refresh token it used.
 */
import { DateTime, Effect, Option, Redacted, Schema } from "effect"
import { FamilyScrobbleConfig } from "./Config.js"
import type { GroupMember, TraktTokens } from "./GroupMember.js"
import { GroupStore } from "./GroupStore.js"
import { GroupMemberId } from "./Ids.js"
import { withMemberTokenLock } from "./Locks.js"
import { raiseNotification } from "./Notifications.js"
import { isExpired, needsRefresh } from "./TokenPolicy.js"
import { isRefreshTokenRejected, TraktApi, type TraktFailure } from "./TraktApi.js"

/** The member cannot be scrobbled for until they authorize Trakt again. */
export class MemberTokenExpired extends Schema.TaggedError<MemberTokenExpired>()("MemberTokenExpired", {
  memberId: GroupMemberId,
  reason: Schema.String
}) {
  override get message(): string {
    return `the member's Trakt authorization is no longer valid: ${this.reason}`
  }
}

/** Trakt could not refresh the token right now (network, 5xx, 429); try again later. */
export class TokenRefreshUnavailable extends Schema.TaggedError<TokenRefreshUnavailable>()(
  "TokenRefreshUnavailable",
  { memberId: GroupMemberId, reason: Schema.String }
) {
  override get message(): string {
    return `the Trakt token could not be refreshed now: ${this.reason}`
  }
}

/** Mark a member `expired`, drop their tokens, and tell the admin (once). */
export const expireMember = (member: GroupMember, reason: string) =>
  Effect.gen(function* () {
    const store = yield* GroupStore
    yield* store.setMemberStatus(member.id, "expired", Option.some(reason))
    yield* raiseNotification({
      groupId: member.groupId,
      memberId: member.id,
      kind: "token_expired",
      message: `${member.label}'s Trakt sign-in has expired (${reason}). Ask ${member.label} to authorize Trakt again.`,
      once: true
    })
    yield* Effect.logWarning("member's Trakt token expired").pipe(Effect.annotateLogs({ error: reason }))
  })

const describeFailure = (failure: TraktFailure): string => failure.message

/**
 * Refresh a member's tokens. Without `force`, a pair that is not due is returned
 * as is; with `force` (after a 401), a pair that differs from `rejectedAccessToken`
 * was refreshed by someone else meanwhile and is returned as is.
 */
export const refreshMemberTokens = (
  memberId: GroupMemberId,
  options: { readonly force: boolean; readonly rejectedAccessToken?: Redacted.Redacted<string> }
) =>
  withMemberTokenLock(memberId)(
    Effect.gen(function* () {
      const store = yield* GroupStore
      const trakt = yield* TraktApi
      const settings = yield* FamilyScrobbleConfig
      const member = yield* store.findMember(memberId)
      if (Option.isNone(member))
        return yield* new MemberTokenExpired({ memberId, reason: "the member was removed" })
      const current = member.value
      if (current.status !== "authorized" || Option.isNone(current.tokens)) {
        return yield* new MemberTokenExpired({ memberId, reason: `the member is ${current.status}` })
      }
      const tokens = current.tokens.value
      const now = yield* DateTime.now
      if (!options.force && !needsRefresh(tokens, now, settings)) return tokens
      if (
        options.force &&
        options.rejectedAccessToken !== undefined &&
        Redacted.value(tokens.accessToken) !== Redacted.value(options.rejectedAccessToken)
      ) {
        return tokens
      }

      const refreshed = yield* Effect.either(trakt.refreshTokens(tokens.refreshToken))
      if (refreshed._tag === "Left") {
        const reason = describeFailure(refreshed.left)
        if (isRefreshTokenRejected(refreshed.left)) {
          yield* expireMember(current, `Trakt refused the refresh token: ${reason}`)
          return yield* new MemberTokenExpired({ memberId, reason })
        }
        return yield* new TokenRefreshUnavailable({ memberId, reason })
      }
      const stored = yield* store.replaceTokens(
        memberId,
        refreshed.right,
        Redacted.value(tokens.refreshToken)
      )
      if (!stored) {
        // Another process replaced the pair first; theirs is the live one.
        const latest = yield* store.findMember(memberId)
        return yield* Option.match(
          Option.flatMap(latest, (m) => m.tokens),
          {
            onNone: () =>
              new MemberTokenExpired({ memberId, reason: "the tokens were withdrawn during a refresh" }),
            onSome: Effect.succeed
          }
        )
      }
      yield* Effect.logInfo("refreshed member's Trakt token")
      return refreshed.right
    })
  ).pipe(Effect.annotateLogs({ member_id: memberId }))

/**
 * Tokens a request can use now: the stored pair, refreshed first when due. When
 * Trakt cannot refresh right now, a pair that has not expired yet is still used.
 */
export const usableTokens = (member: GroupMember) =>
  Effect.gen(function* () {
    const settings = yield* FamilyScrobbleConfig
    if (member.status !== "authorized" || Option.isNone(member.tokens)) {
      return yield* new MemberTokenExpired({ memberId: member.id, reason: `the member is ${member.status}` })
    }
    const tokens: TraktTokens = member.tokens.value
    const now = yield* DateTime.now
    if (!needsRefresh(tokens, now, settings)) return tokens
    return yield* refreshMemberTokens(member.id, { force: false }).pipe(
      Effect.catchTag("TokenRefreshUnavailable", (error) =>
        isExpired(tokens, now) ? Effect.fail(error) : Effect.succeed(tokens)
      )
    )
  })

/** What a run of the token refresher did. */
export interface TokenRefreshReport {
  readonly checked: number
  readonly refreshed: number
  readonly expired: number
  readonly unavailable: number
}

/**
 * Refresh every authorized member whose token is due. Meant to run periodically
 * (every few minutes), so tokens are fresh before a webhook needs them.
 */
export const refreshDueTokens = Effect.gen(function* () {
  const store = yield* GroupStore
  const settings = yield* FamilyScrobbleConfig
  const now = yield* DateTime.now
  const candidates = yield* store.listMembersExpiringBefore(
    DateTime.addDuration(now, settings.tokenRefreshMaxMargin)
  )
  const due = candidates.filter((m) => Option.exists(m.tokens, (t) => needsRefresh(t, now, settings)))
  const results = yield* Effect.forEach(
    due,
    (member) =>
      refreshMemberTokens(member.id, { force: false }).pipe(
        Effect.as("refreshed" as const),
        Effect.catchTags({
          MemberTokenExpired: () => Effect.succeed("expired" as const),
          TokenRefreshUnavailable: (error) =>
            Effect.logWarning("token refresh deferred").pipe(
              Effect.annotateLogs({ error: error.reason }),
              Effect.as("unavailable" as const)
            )
        }),
        Effect.annotateLogs({ member_username: member.displayName })
      ),
    { concurrency: 4 }
  )
  const count = (kind: string) => results.filter((r) => r === kind).length
  const report: TokenRefreshReport = {
    checked: due.length,
    refreshed: count("refreshed"),
    expired: count("expired"),
    unavailable: count("unavailable")
  }
  return report
})
