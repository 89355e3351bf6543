/**
 * The `TraktApi` port of `@org/family-scrobble`, over HTTP with undici: OAuth
 * code exchange and refresh on the auth host, `/users/settings` and
 * `/scrobble/*` on the API host, through one keep-alive pool per host.
 *
 * Pacing (one POST per second per member) is the domain's `MemberPacer`, so
 * every implementation of the port gets it; this layer adds none of its own.
 */
import {
  type OAuthState,
  type ScrobbleAccepted,
  TraktApi,
  type TraktFailure,
  TraktUsername,
  traktHttpFailure
} from "@org/family-scrobble"
import { type Config, type ConfigError, Effect, Layer, Redacted, Schema } from "effect"
import { Agent, type Dispatcher } from "undici"
import {
  itemForms,
  ScrobbleResponse,
  SettingsResponse,
  scrobbleBody,
  TokenResponse,
  toTraktTokens
} from "./TraktBodies.js"
import {
  type ResolvedTraktConfig,
  resolveTraktConfig,
  type TraktConfig,
  traktConfigFromEnv
} from "./TraktConfig.js"
import { traktRequest } from "./TraktHttp.js"

/** A 2xx whose body is not what Trakt documents: reported like a bad gateway (retryable). */
const unexpectedBody = (what: string) => traktHttpFailure(502, { detail: `unexpected ${what} from Trakt` })

const decodeBody =
  <A, I>(schema: Schema.Schema<A, I>, what: string) =>
  (json: unknown): Effect.Effect<A, TraktFailure> =>
    Schema.decodeUnknown(schema)(json).pipe(Effect.mapError(() => unexpectedBody(what)))

/** Build the port over a dispatcher (an undici `Agent`, or any `Dispatcher` in tests). */
export const makeTraktApi = (config: ResolvedTraktConfig, dispatcher: Dispatcher) => {
  const request = (req: Parameters<typeof traktRequest>[2]) => traktRequest(dispatcher, config, req)

  const tokenGrant = (grant: Record<string, string>) =>
    request({
      method: "POST",
      url: `${config.authUrl}/oauth/token`,
      body: {
        ...grant,
        client_id: config.clientId,
        client_secret: Redacted.value(config.clientSecret),
        redirect_uri: config.redirectUri
      }
    }).pipe(
      Effect.flatMap((response) => decodeBody(TokenResponse, "token response")(response.json)),
      Effect.map(toTraktTokens)
    )

  return TraktApi.of({
    authorizeUrl: (state: OAuthState) => {
      const url = new URL(`${config.authUrl}/oauth/authorize`)
      url.searchParams.set("response_type", "code")
      url.searchParams.set("client_id", config.clientId)
      url.searchParams.set("redirect_uri", config.redirectUri)
      url.searchParams.set("state", state)
      // A fresh login: the family shares one browser, and each member must sign in as themselves.
      url.searchParams.set("prompt", "login")
      return url.toString()
    },
    exchangeCode: (code) => tokenGrant({ code, grant_type: "authorization_code" }),
    refreshTokens: (refreshToken) =>
      tokenGrant({ refresh_token: Redacted.value(refreshToken), grant_type: "refresh_token" }),
    getUsername: (accessToken) =>
      request({ method: "GET", url: `${config.apiUrl}/users/settings`, accessToken }).pipe(
        Effect.flatMap((response) => decodeBody(SettingsResponse, "settings")(response.json)),
        Effect.map((settings) => TraktUsername.make(settings.user.username))
      ),
    scrobble: ({ accessToken, action, media, progress }) => {
      const send = (item: Record<string, unknown>) =>
        request({
          method: "POST",
          url: `${config.apiUrl}/scrobble/${action}`,
          accessToken,
          body: scrobbleBody(item, progress, config)
        }).pipe(
          Effect.map((response): ScrobbleAccepted => {
            const decoded = Schema.decodeUnknownOption(ScrobbleResponse)(response.json)
            return { action: decoded._tag === "Some" ? (decoded.value.action ?? action) : action }
          })
        )
      // Try each way of matching the item; move to the next only when Trakt did not find it.
      const [first, ...rest] = itemForms(media)
      if (first === undefined)
        return Effect.fail(traktHttpFailure(404, { detail: "the item has no ids to match" }))
      return rest.reduce<Effect.Effect<ScrobbleAccepted, TraktFailure>>(
        (attempt, form) =>
          attempt.pipe(
            Effect.catchIf(
              (failure) => failure._tag === "TraktHttpFailure" && failure.status === 404,
              // Trakt counted the 404 against the member's one-POST-per-second limit.
              () => Effect.zipRight(Effect.sleep(config.postInterval), send(form))
            )
          ),
        send(first)
      )
    }
  })
}

/** A keep-alive undici agent sized for a broadcast, closed with the scope. */
const scopedAgent = (config: ResolvedTraktConfig) =>
  Effect.acquireRelease(
    Effect.sync(
      () =>
        new Agent({
          connections: config.connectionsPerHost,
          pipelining: 1,
          keepAliveTimeout: 30_000,
          keepAliveMaxTimeout: 600_000,
          connect: { timeout: 5_000 }
        })
    ),
    (agent) => Effect.promise(() => agent.close().catch(() => agent.destroy()))
  )

/** The `TraktApi` port over HTTP. */
export const TraktApiLive = {
  layer: (config: TraktConfig): Layer.Layer<TraktApi> =>
    Layer.scoped(
      TraktApi,
      Effect.gen(function* () {
        const resolved = resolveTraktConfig(config)
        return makeTraktApi(resolved, yield* scopedAgent(resolved))
      })
    ),
  /** Configured from `effect/Config`; see `traktConfigFromEnv` for the variable names. */
  layerConfig: (
    config: Config.Config<TraktConfig> = traktConfigFromEnv
  ): Layer.Layer<TraktApi, ConfigError.ConfigError> =>
    Layer.unwrapEffect(Effect.map(config, TraktApiLive.layer))
}
