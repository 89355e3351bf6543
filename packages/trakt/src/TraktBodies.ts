/**
 * What goes over the wire: scrobble bodies built from a `MediaRef`, and the
 * schemas of Trakt's answers (decoded leniently: Trakt adds fields over time).
 */
import { type MediaIds, type MediaRef, type Progress, TraktTokens, tokenExpiry } from "@org/family-scrobble"
import { DateTime, Redacted, Schema } from "effect"

type IdsBody = { imdb?: string; tmdb?: number; tvdb?: number; trakt?: number }

const idsBody = (ids: MediaIds): IdsBody => ({
  ...(ids.trakt !== undefined ? { trakt: ids.trakt } : {}),
  ...(ids.tvdb !== undefined ? { tvdb: ids.tvdb } : {}),
  ...(ids.imdb !== undefined ? { imdb: ids.imdb } : {}),
  ...(ids.tmdb !== undefined ? { tmdb: ids.tmdb } : {})
})

/**
 * The ways Trakt can be asked to match an item, best first. A movie has one; an
 * episode is matched by its own ids (TVDB preferred) and, failing that (404), by
 * the show's ids with season and number.
 */
export const itemForms = (media: MediaRef): ReadonlyArray<Record<string, unknown>> => {
  if (media._tag === "Movie") {
    return [
      {
        movie: {
          title: media.title,
          ...(media.year !== undefined ? { year: media.year } : {}),
          ids: idsBody(media.ids)
        }
      }
    ]
  }
  const forms: Array<Record<string, unknown>> = []
  if (!media.ids.isEmpty) forms.push({ episode: { ids: idsBody(media.ids) } })
  if (!media.showIds.isEmpty && media.season !== undefined && media.number !== undefined) {
    forms.push({
      show: { ...(media.showTitle !== "" ? { title: media.showTitle } : {}), ids: idsBody(media.showIds) },
      episode: { season: media.season, number: media.number }
    })
  }
  return forms
}

export const scrobbleBody = (
  item: Record<string, unknown>,
  progress: Progress,
  app: { readonly appVersion: string; readonly appDate: string }
) => ({ ...item, progress, app_version: app.appVersion, app_date: app.appDate })

/** `/oauth/token`'s answer. */
export const TokenResponse = Schema.Struct({
  access_token: Schema.String.pipe(Schema.minLength(1)),
  refresh_token: Schema.String.pipe(Schema.minLength(1)),
  expires_in: Schema.Number.pipe(Schema.positive()),
  created_at: Schema.Number
})

export const toTraktTokens = (response: typeof TokenResponse.Type): TraktTokens =>
  new TraktTokens({
    accessToken: Redacted.make(response.access_token),
    refreshToken: Redacted.make(response.refresh_token),
    createdAt: DateTime.unsafeMake(response.created_at * 1000),
    expiresAt: tokenExpiry(response.created_at, response.expires_in)
  })

/** `/users/settings`: only the username matters here. */
export const SettingsResponse = Schema.Struct({
  user: Schema.Struct({ username: Schema.String.pipe(Schema.minLength(1)) })
})

/** `/scrobble/*`'s answer; `action` is read, never required (Trakt answers `scrobble` to a stop ≥ 80 %). */
export const ScrobbleResponse = Schema.Struct({ action: Schema.optional(Schema.String) })
