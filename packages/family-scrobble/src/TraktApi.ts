/**
 * Port: what the domain asks of Trakt, in its own words.
 *
 * An adapter reports every non-2xx answer as `TraktHttpFailure` and every failure
 * to get an answer as `TraktNetworkFailure`; what they mean for a member (retry,
 * refresh, notify, drop) is decided here, in `classifyScrobbleFailure`, so that
 * every adapter behaves the same.
 */
import { Context, Duration, type Effect, Option, type Redacted, Schema } from "effect"
import type { TraktTokens } from "./GroupMember.js"
import type { OAuthState, TraktUsername } from "./Ids.js"
import type { MediaRef } from "./MediaRef.js"
import type { Progress, ScrobbleAction } from "./ScrobbleAction.js"

/** Trakt answered with a non-2xx status. */
export class TraktHttpFailure extends Schema.TaggedError<TraktHttpFailure>()("TraktHttpFailure", {
  status: Schema.Int,
  /** `Retry-After`, in seconds, when Trakt sent one. */
  retryAfterSeconds: Schema.OptionFromSelf(Schema.Number),
  /** The raw `X-Ratelimit` header, when present (absent when abuse protection answers). */
  rateLimit: Schema.OptionFromSelf(Schema.String),
  /** A short, secret-free description from the body (`error_description`, …). */
  detail: Schema.OptionFromSelf(Schema.String)
}) {
  override get message(): string {
    return `Trakt answered ${this.status}${Option.match(this.detail, { onNone: () => "", onSome: (d) => `: ${d}` })}`
  }
}

/** No answer from Trakt: the request timed out, or the connection failed. */
export class TraktNetworkFailure extends Schema.TaggedError<TraktNetworkFailure>()("TraktNetworkFailure", {
  reason: Schema.Literal("timeout", "connection"),
  detail: Schema.String
}) {
  override get message(): string {
    return this.reason === "timeout"
      ? `Trakt did not answer in time (${this.detail})`
      : `could not reach Trakt (${this.detail})`
  }
}

export type TraktFailure = TraktHttpFailure | TraktNetworkFailure

/** Trakt's answer to an accepted scrobble. `action` is `start`, `pause` or `scrobble` (a stop ≥ 80 %). */
export interface ScrobbleAccepted {
  readonly action: string
}

export interface ScrobbleRequest {
  readonly accessToken: Redacted.Redacted<string>
  readonly action: ScrobbleAction
  readonly media: MediaRef
  readonly progress: Progress
}

export interface TraktApiService {
  /** The page a member opens to authorize this app (a fresh login, bound to `state`). */
  readonly authorizeUrl: (state: OAuthState) => string
  /** Exchange an authorization code for the member's tokens. */
  readonly exchangeCode: (code: string) => Effect.Effect<TraktTokens, TraktFailure>
  /** Exchange a refresh token (single-use) for a new pair. */
  readonly refreshTokens: (
    refreshToken: Redacted.Redacted<string>
  ) => Effect.Effect<TraktTokens, TraktFailure>
  /** The username of the account the token belongs to. */
  readonly getUsername: (accessToken: Redacted.Redacted<string>) => Effect.Effect<TraktUsername, TraktFailure>
  readonly scrobble: (request: ScrobbleRequest) => Effect.Effect<ScrobbleAccepted, TraktFailure>
}

export class TraktApi extends Context.Tag("@org/family-scrobble/TraktApi")<TraktApi, TraktApiService>() {}

/** What a failed scrobble means for the member. */
export type FailureClass =
  /** 409: Trakt already has this scrobble. Success; never retried. */
  | { readonly _tag: "AlreadyScrobbled" }
  /** 429, 5xx, timeout, connection: try again later, not before `notBefore`. */
  | { readonly _tag: "Retryable"; readonly notBefore: Option.Option<Duration.Duration> }
  /** 401: the access token is not accepted; refresh it once. */
  | { readonly _tag: "Unauthorized" }
  /** 420 (account limit), 423 (locked), 426 (VIP only): a person must act. */
  | { readonly _tag: "NeedsAttention"; readonly status: number }
  /** 404, 422 and other 4xx: retrying cannot help. */
  | { readonly _tag: "Rejected"; readonly status: number }

export const classifyScrobbleFailure = (failure: TraktFailure): FailureClass => {
  if (failure._tag === "TraktNetworkFailure") return { _tag: "Retryable", notBefore: Option.none() }
  const { status } = failure
  if (status === 409) return { _tag: "AlreadyScrobbled" }
  if (status === 401) return { _tag: "Unauthorized" }
  if (status === 429 || status >= 500) {
    return {
      _tag: "Retryable",
      notBefore: Option.map(failure.retryAfterSeconds, (seconds) => Duration.seconds(Math.max(0, seconds)))
    }
  }
  if (status === 420 || status === 423 || status === 426) return { _tag: "NeedsAttention", status }
  return { _tag: "Rejected", status }
}

/** Whether a failed token refresh means the refresh token is dead (the member must authorize again). */
export const isRefreshTokenRejected = (failure: TraktFailure): boolean =>
  failure._tag === "TraktHttpFailure" &&
  (failure.status === 400 || failure.status === 401 || failure.status === 403)

/** Words for the member-needs-attention statuses. */
export const describeAttentionStatus = (status: number): string => {
  switch (status) {
    case 420:
      return "the Trakt account has reached a limit of its plan (Trakt 420)"
    case 423:
      return "the Trakt account is locked (Trakt 423)"
    case 426:
      return "Trakt requires a VIP account for this (Trakt 426)"
    default:
      return `Trakt refused the account (${status})`
  }
}

/** Build a `TraktHttpFailure` from what an answer carried. */
export const traktHttpFailure = (
  status: number,
  options: { readonly retryAfterSeconds?: number; readonly rateLimit?: string; readonly detail?: string } = {}
): TraktHttpFailure =>
  new TraktHttpFailure({
    status,
    retryAfterSeconds: Option.fromNullable(options.retryAfterSeconds),
    rateLimit: Option.fromNullable(options.rateLimit),
    detail: Option.fromNullable(options.detail)
  })
