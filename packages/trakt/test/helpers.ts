import { EpisodeRef, MediaIds, MovieRef } from "@org/family-scrobble"
import { Redacted } from "effect"
import { Agent } from "undici"
import { makeTraktApi, resolveTraktConfig, type TraktConfig } from "../src/index.js"
import type { TraktSandbox } from "../src/sandbox.js"

export const REDIRECT_URI = "http://127.0.0.1:9/authorize/family/member"

export const configFor = (sandbox: TraktSandbox, overrides: Partial<TraktConfig> = {}): TraktConfig => ({
  clientId: sandbox.clientId,
  clientSecret: Redacted.make(sandbox.clientSecret),
  redirectUri: REDIRECT_URI,
  apiUrl: sandbox.url,
  authUrl: sandbox.url,
  userAgent: "org-media-sdk-tests/1.0",
  requestTimeout: "2 seconds",
  ...overrides
})

/** The adapter over its own agent, pointed at the sandbox. */
export const apiFor = (sandbox: TraktSandbox, overrides: Partial<TraktConfig> = {}) => {
  const agent = new Agent({ connections: 16 })
  return { api: makeTraktApi(resolveTraktConfig(configFor(sandbox, overrides)), agent), agent }
}

export const heat = new MovieRef({
  title: "Heat",
  year: 1995,
  ids: new MediaIds({ imdb: "tt0113277", tmdb: 949 })
})

export const sundae = new EpisodeRef({
  title: "Sundae",
  showTitle: "The Bear",
  season: 2,
  number: 3,
  ids: new MediaIds({ tvdb: 9374601, imdb: "tt14452776" }),
  showIds: new MediaIds({ tvdb: 403245 })
})

let counter = 0
/** A Trakt account name no other test uses (the sandbox paces and records per account). */
export const freshUser = (prefix = "user") => `${prefix}-${++counter}-${process.pid}`
