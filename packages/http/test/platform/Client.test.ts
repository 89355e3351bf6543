/**
 * The typed client an app derives from the declaration
 * (`HttpApiClient.make(PlatformApi, { baseUrl })`): scenario 11, the mobile
 * app, driven through it; a refusal arrives as the API's error class.
 */
import { FetchHttpClient, HttpApiClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { afterAll, beforeAll } from "vitest"
import { PlatformApi } from "../../src/platform/index.js"
import { BASE, type PlatformSurface, platformSurface } from "./helpers.js"

let surface: PlatformSurface

beforeAll(async () => {
  surface = await platformSurface()
})
afterAll(async () => {
  await surface?.close()
})

/** The client's fetch, answered by the in-process handler. */
const inProcess = Layer.suspend(() =>
  FetchHttpClient.layer.pipe(
    Layer.provide(
      Layer.succeed(FetchHttpClient.Fetch, (input, init) => {
        const url = new URL(input instanceof Request ? input.url : String(input))
        return surface.request(`${url.pathname}${url.search}`, init)
      })
    )
  )
)

/** The client of a signed-in app: every request carries its bearer token. */
const signedIn = (token: string) =>
  HttpApiClient.make(PlatformApi, {
    baseUrl: BASE,
    transformClient: HttpClient.mapRequest(HttpClientRequest.bearerToken(token))
  })

describe("the typed client", () => {
  it.effect(
    "scenario 11: health, sign-in, profiles, a PIN, sync, a periodic progress update, a typed refusal",
    () =>
      Effect.gen(function* () {
        const client = yield* HttpApiClient.make(PlatformApi, { baseUrl: BASE })
        expect(yield* client.system.health()).toEqual({ status: "ok" })
        yield* client.auth.signup({
          payload: { email: "mobile@example.com", password: "securePass123", full_name: "Mo Bile" }
        })
        const session = yield* client.auth.login({
          payload: { email: "mobile@example.com", password: "securePass123" }
        })
        const app = yield* signedIn(session.access_token)
        const kids = yield* app.profiles.create({
          payload: { name: "Kids", is_kids_profile: true, parental_pin: "1234" }
        })
        const { profiles } = yield* app.profiles.list()
        expect(profiles.map((p) => p.name)).toEqual(["Mo", "Kids"])

        const refused = yield* Effect.flip(
          app.profiles.select({ path: { id: kids.id }, payload: { pin: "0000" } })
        )
        expect(refused._tag).toBe("Forbidden")
        expect(refused._tag === "Forbidden" ? refused.error.code : "").toBe("invalid_pin")

        const selected = yield* app.profiles.select({ path: { id: kids.id }, payload: { pin: "1234" } })
        const device = yield* signedIn(selected.access_token)
        expect((yield* device.playlists.list({ urlParams: {} })).total).toBe(0)
        expect((yield* device.favorites.list({ urlParams: {} })).total).toBe(0)
        const update = yield* device.progress.record({
          payload: { item_id: "current_watching", progress_seconds: 1800 }
        })
        expect(update).toMatchObject({
          applied: true,
          progress: { item_id: "current_watching", progress_seconds: 1800 }
        })
        expect((yield* device.progress.list({ urlParams: {} })).progress.map((p) => p.item_id)).toEqual([
          "current_watching"
        ])
        const me = yield* device.auth.me()
        expect(me.profile?.is_kids_profile).toBe(true)
      }).pipe(Effect.provide(inProcess))
  )
})
