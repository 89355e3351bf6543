/**
 * The accounts part of the platform API over HTTP: the product's paths and
 * snake_case bodies, one error shape with stable codes, the policies (kids
 * sessions, PINs, the admin role) and what never appears in an answer.
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
  expect(typeof response.body.error.message).toBe("string")
  expect(Object.keys(response.body)).toEqual(["error"])
}

describe("auth", () => {
  it("signup answers a session and the user; login and refresh too; logout ends it", async () => {
    const session = await signUp(surface, "auth1@example.com")
    expect(session).toMatchObject({
      token_type: "Bearer",
      expires_in: 900,
      user: { email: "auth1@example.com", full_name: "John Doe", role: "user" }
    })
    expect(JSON.stringify(session)).not.toContain("securePass123")
    const login = await surface.call("POST", "/api/v1/auth/login", {
      body: { email: "AUTH1@example.com", password: "securePass123" }
    })
    expect(login.status).toBe(200)
    expect(login.headers.get("cache-control")).toBe("no-store")
    const me = await surface.call("GET", "/api/v1/auth/me", { token: login.body.access_token })
    expect(me.body).toMatchObject({
      user: { email: "auth1@example.com" },
      profile: null,
      plan: { name: "Free" },
      plan_source: "default"
    })
    const refreshed = await surface.call("POST", "/api/v1/auth/refresh", {
      body: { refresh_token: login.body.refresh_token }
    })
    expect(refreshed.status).toBe(200)
    expectError(
      await surface.call("POST", "/api/v1/auth/refresh", {
        body: { refresh_token: login.body.refresh_token }
      }),
      401,
      "refresh_token_reused"
    )
    const logout = await surface.call("POST", "/api/v1/auth/logout", { token: session.access_token })
    expect(logout.status).toBe(204)
    expectError(
      await surface.call("POST", "/api/v1/auth/refresh", { body: { refresh_token: session.refresh_token } }),
      401,
      "invalid_refresh_token"
    )
  })

  it("answers every failure as { error: { code, message } } with the status that fits", async () => {
    await signUp(surface, "auth2@example.com")
    expectError(
      await surface.call("POST", "/api/v1/auth/signup", {
        body: { email: "AUTH2@example.com", password: "securePass123", full_name: "X" }
      }),
      409,
      "email_taken"
    )
    const weak = await surface.call("POST", "/api/v1/auth/signup", {
      body: { email: "weak@example.com", password: "short", full_name: "X" }
    })
    expectError(weak, 400, "validation_error")
    expect(weak.body.error.message).toContain("at least 10 characters")
    const wrong = await surface.call("POST", "/api/v1/auth/login", {
      body: { email: "auth2@example.com", password: "wrongPass123" }
    })
    const unknown = await surface.call("POST", "/api/v1/auth/login", {
      body: { email: "nobody@example.com", password: "wrongPass123" }
    })
    expectError(wrong, 401, "invalid_credentials")
    expect(unknown.body).toEqual(wrong.body)
    expectError(
      await surface.call("POST", "/api/v1/auth/login", { body: { email: 1 } }),
      400,
      "validation_error"
    )
    expectError(
      await surface.call("POST", "/api/v1/auth/login", { body: "{not json" }),
      400,
      "validation_error"
    )
    expectError(
      await surface.call("POST", "/api/v1/auth/login", { body: { email: "a", password: "b", extra: 1 } }),
      400,
      "validation_error"
    )
    expectError(await surface.call("GET", "/api/v1/auth/me"), 401, "unauthorized")
    expectError(await surface.call("GET", "/api/v1/auth/me", { token: "garbage" }), 401, "unauthorized")
    expectError(await surface.call("GET", "/api/v1/nothing-here"), 404, "not_found")
    const big = await surface.call("POST", "/api/v1/auth/signup", {
      body: { email: "big@example.com", password: "securePass123", full_name: "x".repeat(1024 * 1024) }
    })
    expectError(big, 413, "payload_too_large")
    expect(
      (
        await surface.call("POST", "/api/v1/auth/login", {
          body: { email: "big@example.com", password: "securePass123" }
        })
      ).status
    ).toBe(401)
  })
})

describe("what clients send", () => {
  it("reads JSON without a content type, as fetch's text/plain or curl's form, and an empty body as {}", async () => {
    await signUp(surface, "lazy@example.com")
    const body = JSON.stringify({ email: "lazy@example.com", password: "securePass123" })
    for (const headers of [
      {},
      { "content-type": "text/plain;charset=UTF-8" },
      { "content-type": "application/x-www-form-urlencoded" }
    ]) {
      const response = await surface.request("/api/v1/auth/login", { method: "POST", headers, body })
      expect({ headers, status: response.status }).toEqual({ headers, status: 200 })
    }
    const login = (await (
      await surface.request("/api/v1/auth/login", { method: "POST", body })
    ).json()) as Json
    const profiles = await surface.call("GET", "/api/v1/profiles", { token: login.access_token })
    const select = await surface.request(`/api/v1/profiles/${profiles.body.profiles[0].id}/select`, {
      method: "POST",
      headers: { authorization: `Bearer ${login.access_token}` }
    })
    expect(select.status).toBe(200)
  })
})

describe("profiles", () => {
  it("scenarios 1 and 3: profiles, a kids profile with a PIN, a wrong PIN, a changed PIN", async () => {
    const { access_token: token } = await signUp(surface, "family@example.com")
    const listed = await surface.call("GET", "/api/v1/profiles", { token })
    expect(listed.body.profiles.map((p: Json) => [p.name, p.is_default])).toEqual([["John", true]])
    const sarah = await surface.call("POST", "/api/v1/profiles", {
      token,
      body: { name: "Sarah", avatar_url: "https://example.com/sarah.jpg" }
    })
    expect(sarah.status).toBe(201)
    expect(sarah.body).toMatchObject({
      name: "Sarah",
      avatar_url: "https://example.com/sarah.jpg",
      is_kids_profile: false,
      has_pin: false
    })
    const kids = await surface.call("POST", "/api/v1/profiles", {
      token,
      body: { name: "Kids", is_kids_profile: true, parental_pin: "1234" }
    })
    expect(kids.body).toMatchObject({ is_kids_profile: true, has_pin: true })
    expect(JSON.stringify(kids.body)).not.toContain("1234")
    expectError(
      await surface.call("POST", `/api/v1/profiles/${kids.body.id}/select`, { token, body: {} }),
      403,
      "pin_required"
    )
    const wrongPin = await surface.call("POST", `/api/v1/profiles/${kids.body.id}/select`, {
      token,
      body: { pin: "0000" }
    })
    expectError(wrongPin, 403, "invalid_pin")
    expect(wrongPin.body.error.message).toContain("Invalid PIN")
    const changed = await surface.call("PATCH", `/api/v1/profiles/${kids.body.id}`, {
      token,
      body: { parental_pin: "5555" }
    })
    expect(changed.body.has_pin).toBe(true)
    expectError(
      await surface.call("POST", `/api/v1/profiles/${kids.body.id}/select`, { token, body: { pin: "1234" } }),
      403,
      "invalid_pin"
    )
    const selected = await surface.call("POST", `/api/v1/profiles/${kids.body.id}/select`, {
      token,
      body: { pin: "5555" }
    })
    expect(selected.status).toBe(200)
    expect(selected.body).toMatchObject({ token_type: "Bearer", profile: { id: kids.body.id } })
    const kidsToken = selected.body.access_token
    // A kids session: no profile management, no PIN changes, no way to an adult profile without a PIN.
    expectError(
      await surface.call("POST", "/api/v1/profiles", { token: kidsToken, body: { name: "Mine" } }),
      403,
      "kids_profile_restricted"
    )
    expectError(
      await surface.call("PATCH", `/api/v1/profiles/${kids.body.id}`, {
        token: kidsToken,
        body: { parental_pin: null }
      }),
      403,
      "kids_profile_restricted"
    )
    expectError(
      await surface.call("DELETE", `/api/v1/profiles/${sarah.body.id}`, { token: kidsToken }),
      403,
      "kids_profile_restricted"
    )
    expectError(
      await surface.call("POST", `/api/v1/profiles/${sarah.body.id}/select`, { token: kidsToken, body: {} }),
      403,
      "kids_profile_restricted"
    )
    expect((await surface.call("GET", "/api/v1/auth/me", { token: kidsToken })).body.profile).toMatchObject({
      is_kids_profile: true
    })
  })

  it("five wrong PINs lock the profile: 429 with Retry-After", async () => {
    const { access_token: token } = await signUp(surface, "locked@example.com")
    const dad = await surface.call("POST", "/api/v1/profiles", {
      token,
      body: { name: "Dad", parental_pin: "4321" }
    })
    for (let i = 0; i < 4; i++)
      await surface.call("POST", `/api/v1/profiles/${dad.body.id}/select`, { token, body: { pin: "0000" } })
    const locked = await surface.call("POST", `/api/v1/profiles/${dad.body.id}/select`, {
      token,
      body: { pin: "0000" }
    })
    expectError(locked, 429, "pin_locked")
    expect(locked.headers.get("retry-after")).toBe("900")
  })

  it("another account's profile is 404, the limit is 422, names are 409, the last profile stays", async () => {
    const john = await signUp(surface, "p1@example.com")
    const mary = await signUp(surface, "p2@example.com", "Mary Major")
    const marys = (await surface.call("GET", "/api/v1/profiles", { token: mary.access_token })).body
      .profiles[0]
    expectError(
      await surface.call("PATCH", `/api/v1/profiles/${marys.id}`, {
        token: john.access_token,
        body: { name: "Mine" }
      }),
      404,
      "not_found"
    )
    expectError(
      await surface.call("POST", `/api/v1/profiles/${marys.id}/select`, {
        token: john.access_token,
        body: {}
      }),
      404,
      "not_found"
    )
    expectError(
      await surface.call("DELETE", `/api/v1/profiles/${marys.id}`, { token: john.access_token }),
      404,
      "not_found"
    )
    expectError(
      await surface.call("POST", "/api/v1/profiles", { token: john.access_token, body: { name: "john" } }),
      409,
      "profile_name_taken"
    )
    for (const name of ["A", "B", "C", "D"])
      await surface.call("POST", "/api/v1/profiles", { token: john.access_token, body: { name } })
    expectError(
      await surface.call("POST", "/api/v1/profiles", { token: john.access_token, body: { name: "E" } }),
      422,
      "plan_limit_reached"
    )
    expectError(
      await surface.call("DELETE", `/api/v1/profiles/${marys.id}`, { token: mary.access_token }),
      422,
      "last_profile"
    )
    expectError(
      await surface.call("POST", "/api/v1/profiles", {
        token: john.access_token,
        body: { name: "F", avatar_url: "javascript:alert(1)" }
      }),
      400,
      "validation_error"
    )
  })
})

describe("health", () => {
  it("answers ok while the store answers", async () => {
    expect(await surface.call("GET", "/api/v1/health")).toMatchObject({ status: 200, body: { status: "ok" } })
  })
})

describe("plans and the admin API", () => {
  it("an admin makes plans and changes roles; anyone else gets 403; a revoked admin at once", async () => {
    const adminSession = await signUp(surface, "boss@example.com", "Ada Boss")
    const user = await signUp(surface, "plain@example.com")
    expectError(
      await surface.call("GET", "/api/v1/admin/users", { token: user.access_token }),
      403,
      "forbidden"
    )
    expectError(await surface.call("GET", "/api/v1/admin/users"), 401, "unauthorized")
    // The first admin is made outside the API (the example's ADMIN_EMAIL); here through the domain's role change.
    await surface.makeAdmin(adminSession.user.id)
    const token = adminSession.access_token
    const plan = await surface.call("POST", "/api/v1/admin/plans", {
      token,
      body: {
        name: "Black Friday Special",
        stripe_price_id: "price_bf_2024",
        price_monthly: 7.99,
        max_profiles: 5,
        max_playlists: 10,
        max_favorites: 500,
        features: { ads: false, hd: true }
      }
    })
    expect(plan.status).toBe(201)
    expect(plan.body).toMatchObject({
      price_monthly: 7.99,
      currency: "usd",
      features: { ads: false, hd: true }
    })
    expectError(
      await surface.call("POST", "/api/v1/admin/plans", {
        token,
        body: { name: "x", price_monthly: 7.999, max_profiles: 1, max_playlists: 1, max_favorites: 1 }
      }),
      400,
      "validation_error"
    )
    const plans = await surface.call("GET", "/api/v1/subscriptions/plans")
    expect(plans.body.plans.map((p: Json) => p.name)).toContain("Black Friday Special")
    const page = await surface.call("GET", "/api/v1/admin/users?search=example.com&page=1&limit=2", { token })
    expect(page.body).toMatchObject({ page: 1, limit: 2 })
    expect(page.body.users).toHaveLength(2)
    expect(page.body.total).toBeGreaterThan(2)
    expectError(
      await surface.call("GET", "/api/v1/admin/users?limit=500", { token }),
      400,
      "validation_error"
    )
    expectError(await surface.call("GET", "/api/v1/admin/users?page=abc", { token }), 400, "validation_error")
    const role = await surface.call("PATCH", `/api/v1/admin/users/${user.user.id}/role`, {
      token,
      body: { role: "admin" }
    })
    expect(role.body.role).toBe("admin")
    expect((await surface.call("GET", "/api/v1/admin/users", { token: user.access_token })).status).toBe(200)
    await surface.call("PATCH", `/api/v1/admin/users/${user.user.id}/role`, { token, body: { role: "user" } })
    expectError(
      await surface.call("GET", "/api/v1/admin/users", { token: user.access_token }),
      403,
      "forbidden"
    )
    const assigned = await surface.call("PATCH", `/api/v1/admin/users/${user.user.id}/plan`, {
      token,
      body: { plan_id: plan.body.id }
    })
    expect(assigned.body.plan_id).toBe(plan.body.id)
    const details = await surface.call("GET", `/api/v1/admin/users/${user.user.id}`, { token })
    expect(details.body).toMatchObject({ plan: { name: "Black Friday Special" }, plan_source: "assigned" })
    expectError(
      await surface.call("GET", "/api/v1/admin/users/00000000-0000-4000-8000-00000000beef", { token }),
      404,
      "not_found"
    )
  })
})

describe("the document", () => {
  it("serves the OpenAPI document and a docs page rendering it, with the security headers", async () => {
    const doc = await surface.call("GET", "/api/v1/openapi.json")
    expect(doc.body.openapi).toMatch(/^3\.1/)
    expect(Object.keys(doc.body.paths)).toContain("/api/v1/profiles/{id}/select")
    expect(JSON.stringify(doc.body)).not.toContain("HttpApiDecodeError")
    const page = await surface.request("/api/v1/docs")
    expect(page.status).toBe(200)
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'")
    const html = await page.text()
    expect(html).toContain("/api/v1/profiles/{id}/select")
    expect(html).toContain('href="/api/v1/docs.css"')
    expect((await surface.request("/api/v1/docs.css")).headers.get("content-type")).toMatch(/^text\/css/)
  })
})
