/**
 * Configuration of the Trakt adapter.
 */
import { Config, Duration, type Redacted } from "effect"

export interface TraktConfig {
  /** The app's client id (also sent as `trakt-api-key`). */
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  /** Where Trakt sends members back after they authorize: your OAuth callback URL. */
  readonly redirectUri: string
  /** API host for `/scrobble/*` and `/users/settings`. Default `https://api.trakt.tv`. */
  readonly apiUrl?: string
  /**
   * Auth host for `/oauth/authorize` and `/oauth/token`. Default
   * `https://auth.trakt.tv`, where Trakt's current docs send login and token calls.
   */
  readonly authUrl?: string
  /** Names your app to Trakt, as its docs ask. Default `org-media-sdk/0.1`. */
  readonly userAgent?: string
  /** Sent as `app_version` with scrobbles. */
  readonly appVersion?: string
  /** Sent as `app_date` (YYYY-MM-DD) with scrobbles. */
  readonly appDate?: string
  /** Longest a request may take, connection included. Default 10 s. */
  readonly requestTimeout?: Duration.DurationInput
  /** Keep-alive connections per host: one per member of the largest broadcast. Default 128. */
  readonly connectionsPerHost?: number
  /**
   * Wait before sending an episode again in another form after a 404: Trakt
   * counts every POST against a user's one-per-second limit. Default 1 s.
   */
  readonly postInterval?: Duration.DurationInput
}

export interface ResolvedTraktConfig {
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  readonly redirectUri: string
  readonly apiUrl: string
  readonly authUrl: string
  readonly userAgent: string
  readonly appVersion: string
  readonly appDate: string
  readonly requestTimeout: Duration.Duration
  readonly connectionsPerHost: number
  readonly postInterval: Duration.Duration
}

const trimSlash = (url: string) => url.replace(/\/+$/, "")

export const resolveTraktConfig = (config: TraktConfig): ResolvedTraktConfig => ({
  clientId: config.clientId,
  clientSecret: config.clientSecret,
  redirectUri: config.redirectUri,
  apiUrl: trimSlash(config.apiUrl ?? "https://api.trakt.tv"),
  authUrl: trimSlash(config.authUrl ?? "https://auth.trakt.tv"),
  userAgent: config.userAgent ?? "org-media-sdk/0.1",
  appVersion: config.appVersion ?? "0.1.0",
  appDate: config.appDate ?? "2026-11-22",
  requestTimeout: Duration.decode(config.requestTimeout ?? Duration.seconds(10)),
  connectionsPerHost: config.connectionsPerHost ?? 128,
  postInterval: Duration.decode(config.postInterval ?? Duration.seconds(1))
})

/**
 * Read the configuration from `effect/Config` (environment variables by default):
 * `TRAKT_CLIENT_ID`, `TRAKT_CLIENT_SECRET`, `TRAKT_REDIRECT_URI`, and optionally
 * `TRAKT_API_URL`, `TRAKT_AUTHORIZE_URL` (the auth host), `TRAKT_USER_AGENT`,
 * `TRAKT_TIMEOUT_MS`.
 */
export const traktConfigFromEnv: Config.Config<TraktConfig> = Config.all({
  clientId: Config.nonEmptyString("TRAKT_CLIENT_ID"),
  clientSecret: Config.redacted("TRAKT_CLIENT_SECRET"),
  redirectUri: Config.url("TRAKT_REDIRECT_URI").pipe(Config.map(String)),
  apiUrl: Config.option(Config.url("TRAKT_API_URL").pipe(Config.map(String))),
  authUrl: Config.option(Config.url("TRAKT_AUTHORIZE_URL").pipe(Config.map(String))),
  userAgent: Config.option(Config.nonEmptyString("TRAKT_USER_AGENT")),
  timeoutMs: Config.option(
    Config.integer("TRAKT_TIMEOUT_MS").pipe(
      Config.validate({
        message: "TRAKT_TIMEOUT_MS must be a positive number of milliseconds",
        validation: (n) => n > 0
      })
    )
  )
}).pipe(
  Config.map(
    ({ clientId, clientSecret, redirectUri, apiUrl, authUrl, userAgent, timeoutMs }): TraktConfig => ({
      clientId,
      clientSecret,
      redirectUri,
      ...(apiUrl._tag === "Some" ? { apiUrl: apiUrl.value } : {}),
      ...(authUrl._tag === "Some" ? { authUrl: authUrl.value } : {}),
      ...(userAgent._tag === "Some" ? { userAgent: userAgent.value } : {}),
      ...(timeoutMs._tag === "Some" ? { requestTimeout: Duration.millis(timeoutMs.value) } : {})
    })
  )
)
