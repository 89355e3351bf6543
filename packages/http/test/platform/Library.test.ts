/**
 * The library part of the platform API over HTTP: playlists whose credentials
 * only an adult session of the owner reads, favorites and progress per profile
 * from one device to another.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Json, type PlatformSurface, platformSurface, signUp } from "./helpers.js"

let surface: PlatformSurface

beforeAll(async () => {
  surface = await platformSurface()
})
afterAll(async () => {
  await surface?.close()
})

const expectError = (response: { status: number; body: Json }, status: number, code: string) => {
  expect({ status: response.status, code: response.body?.error?.code }).toEqual({ status, code })
}

const premium = {
  name: "Premium IPTV Service",
  url: "http://iptv-provider.com/get.php",
  username: "john_iptv",
  password: "iptv_pass_2024"
}

describe("playlists", () => {
  it("scenario 1 and 12: saved as the product sends it; credentials only in GET by id, for an adult", async () => {
    const { access_token: token } = await signUp(surface, "lists@example.com")
    const created = await surface.call("POST", "/api/v1/playlists", { token, body: premium })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({
      name: "Premium IPTV Service",
      kind: "xtream",
      host: "iptv-provider.com"
    })
    expect(JSON.stringify(created.body)).not.toContain("iptv_pass_2024")
    const listed = await surface.call("GET", "/api/v1/playlists", { token })
    expect(listed.body).toMatchObject({ total: 1, page: 1, limit: 20 })
    expect(JSON.stringify(listed.body)).not.toContain("iptv_pass_2024")
    expect(JSON.stringify(listed.body)).not.toContain("get.php")
    const one = await surface.call("GET", `/api/v1/playlists/${created.body.id}`, { token })
    expect(one.body).toMatchObject({ url: premium.url, username: "john_iptv", password: "iptv_pass_2024" })
    expect(one.headers.get("cache-control")).toBe("no-store")
    // A kids session sees the playlist, not what opens it, and cannot change it.
    const kids = await surface.call("POST", "/api/v1/profiles", {
      token,
      body: { name: "Kids", is_kids_profile: true }
    })
    const kidsToken = (
      await surface.call("POST", `/api/v1/profiles/${kids.body.id}/select`, { token, body: {} })
    ).body.access_token
    const seenByKids = await surface.call("GET", `/api/v1/playlists/${created.body.id}`, { token: kidsToken })
    expect(seenByKids.status).toBe(200)
    expect(seenByKids.body.password).toBeUndefined()
    expect(seenByKids.body.url).toBeUndefined()
    expect(JSON.stringify(seenByKids.body)).not.toContain("iptv_pass_2024")
    expectError(
      await surface.call("POST", "/api/v1/playlists", { token: kidsToken, body: premium }),
      403,
      "kids_profile_restricted"
    )
    expectError(
      await surface.call("DELETE", `/api/v1/playlists/${created.body.id}`, { token: kidsToken }),
      403,
      "kids_profile_restricted"
    )
    // Another account's playlist is not found, for every operation.
    const other = await signUp(surface, "other-lists@example.com")
    for (const [method, body] of [
      ["GET", undefined],
      ["PATCH", { name: "x" }],
      ["DELETE", undefined]
    ] as const)
      expectError(
        await surface.call(method, `/api/v1/playlists/${created.body.id}`, {
          token: other.access_token,
          body
        }),
        404,
        "not_found"
      )
    const renamed = await surface.call("PATCH", `/api/v1/playlists/${created.body.id}`, {
      token,
      body: { name: "Renamed" }
    })
    expect(renamed.body.name).toBe("Renamed")
    expect((await surface.call("DELETE", `/api/v1/playlists/${created.body.id}`, { token })).status).toBe(204)
  })

  it("refuses a bad URL (400) and more than the plan allows (422)", async () => {
    const { access_token: token } = await signUp(surface, "limits@example.com")
    expectError(
      await surface.call("POST", "/api/v1/playlists", {
        token,
        body: { name: "x", url: "javascript:alert(1)" }
      }),
      400,
      "validation_error"
    )
    for (const name of ["a", "b", "c"])
      await surface.call("POST", "/api/v1/playlists", { token, body: { ...premium, name } })
    expectError(
      await surface.call("POST", "/api/v1/playlists", { token, body: { ...premium, name: "d" } }),
      422,
      "plan_limit_reached"
    )
  })
})

describe("favorites and progress across devices", () => {
  it("scenario 2: the TV, the phone and the tablet of one profile share favorites and progress", async () => {
    const { access_token: token } = await signUp(surface, "maria@example.com", "Maria Lopez")
    const maria = (await surface.call("GET", "/api/v1/profiles", { token })).body.profiles[0]
    const device = async () => {
      const login = await surface.call("POST", "/api/v1/auth/login", {
        body: { email: "maria@example.com", password: "securePass123" }
      })
      return (
        await surface.call("POST", `/api/v1/profiles/${maria.id}/select`, {
          token: login.body.access_token,
          body: {}
        })
      ).body.access_token as string
    }
    const tv = await device()
    const phone = await device()
    const tablet = await device()
    const espn = {
      item_id: "espn_hd",
      item_type: "channel",
      item_name: "ESPN HD",
      item_logo: "https://cdn.example.com/espn.png"
    }
    const added = await surface.call("POST", "/api/v1/favorites", { token: tv, body: espn })
    expect(added.status).toBe(201)
    const again = await surface.call("POST", "/api/v1/favorites", { token: phone, body: espn })
    expect(again.status).toBe(200)
    expect(again.body.id).toBe(added.body.id)
    await surface.call("POST", "/api/v1/favorites", {
      token: tablet,
      body: { item_id: "movie_inception", item_type: "movie", item_name: "Inception" }
    })
    expect(
      (await surface.call("GET", "/api/v1/favorites?type=channel", { token: tablet })).body.favorites.map(
        (f: Json) => f.item_id
      )
    ).toEqual(["espn_hd"])
    expect((await surface.call("GET", "/api/v1/favorites", { token: phone })).body.total).toBe(2)
    expectError(
      await surface.call("GET", "/api/v1/favorites?type=song", { token: phone }),
      400,
      "validation_error"
    )

    const now = Date.now()
    const written = await surface.call("PUT", "/api/v1/progress", {
      token: phone,
      body: {
        item_id: "series_got_s01e05",
        item_type: "episode",
        progress_seconds: 1200,
        duration_seconds: 3600,
        observed_at: new Date(now - 5_000).toISOString()
      }
    })
    expect(written.body).toMatchObject({
      applied: true,
      progress: { progress_seconds: 1200, percent: 33.3, finished: false }
    })
    // The TV syncs late an observation from before: it does not rewind the phone's.
    const late = await surface.call("PUT", "/api/v1/progress", {
      token: tv,
      body: {
        item_id: "series_got_s01e05",
        progress_seconds: 200,
        observed_at: new Date(now - 60_000).toISOString()
      }
    })
    expect(late.body).toMatchObject({ applied: false, progress: { progress_seconds: 1200 } })
    const resumed = await surface.call("GET", "/api/v1/progress/series_got_s01e05", { token: tablet })
    expect(resumed.body).toMatchObject({
      item_id: "series_got_s01e05",
      progress_seconds: 1200,
      duration_seconds: 3600
    })
    // Scenario 11: the mobile app's periodic update names only the item and the position.
    const periodic = await surface.call("PUT", "/api/v1/progress", {
      token: phone,
      body: { item_id: "current_watching", progress_seconds: 1800 }
    })
    expect(periodic.body).toMatchObject({
      applied: true,
      progress: { item_type: null, duration_seconds: null, percent: null }
    })
    const list = await surface.call("GET", "/api/v1/progress", { token: tablet })
    expect(list.body.progress.map((p: Json) => p.item_id)).toEqual(["current_watching", "series_got_s01e05"])
    expectError(await surface.call("GET", "/api/v1/progress/never_seen", { token: tablet }), 404, "not_found")
    expectError(
      await surface.call("PUT", "/api/v1/progress", {
        token: tablet,
        body: { item_id: "x", progress_seconds: 10, duration_seconds: 5 }
      }),
      400,
      "validation_error"
    )
    expectError(
      await surface.call("PUT", "/api/v1/progress", { token: tablet, body: { item_id: "x" } }),
      400,
      "validation_error"
    )
    // The account's other profile sees none of it.
    const sarah = await surface.call("POST", "/api/v1/profiles", { token, body: { name: "Sarah" } })
    const sarahToken = (
      await surface.call("POST", `/api/v1/profiles/${sarah.body.id}/select`, { token, body: {} })
    ).body.access_token
    expect((await surface.call("GET", "/api/v1/favorites", { token: sarahToken })).body.total).toBe(0)
    expectError(
      await surface.call("GET", "/api/v1/progress/series_got_s01e05", { token: sarahToken }),
      404,
      "not_found"
    )
    expectError(
      await surface.call("DELETE", `/api/v1/favorites/${added.body.id}`, { token: sarahToken }),
      404,
      "not_found"
    )
    expect((await surface.call("DELETE", `/api/v1/favorites/${added.body.id}`, { token: tv })).status).toBe(
      204
    )
  })
})
