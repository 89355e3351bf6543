/**
 * The admin API's bearer check (401 with `WWW-Authenticate`, 403 when no token
 * is configured), the admin endpoints behind it, and the OAuth state: single
 * use, unforgeable, expiring.
 */
import { describe, expect, it } from "@effect/vitest"
import { afterAll, beforeAll } from "vitest"
import { constantTimeEqual } from "../src/index.js"
import {
  ADMIN_TOKEN,
  createGroup,
  expectError,
  expectSecurityHeaders,
  freshPlexUser,
  type InMemorySurface,
  inMemorySurface,
  postJson,
  stateOf
} from "./helpers.js"

let surface: InMemorySurface
/** The same surface with no admin token configured. */
let closed: InMemorySurface
/** Authorization links that live 200 ms. */
let shortLived: InMemorySurface

beforeAll(async () => {
  ;[surface, closed, shortLived] = await Promise.all([
    inMemorySurface(),
    inMemorySurface({ adminToken: undefined }),
    inMemorySurface({}, { settings: { oauthStateTtl: "200 millis" } })
  ])
})
afterAll(async () => {
  await Promise.all([surface?.close(), closed?.close(), shortLived?.close()])
})

const admin = (token?: string): RequestInit =>
  token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }

const memberView = async (s: InMemorySurface, groupId: string) => {
  const response = await s.request(`/oauth/family/${groupId}/status`)
  return (
    (await response.json()) as { members: ReadonlyArray<{ status: string; traktUsername: string | null }> }
  ).members
}

describe("the admin API", () => {
  const refusedTokens: ReadonlyArray<readonly [name: string, init: RequestInit]> = [
    ["no Authorization header", {}],
    ["an empty bearer token", { headers: { authorization: "Bearer " } }],
    ["a wrong token of the same length", admin(ADMIN_TOKEN.replace(/.$/, "X"))],
    ["a prefix of the token", admin(ADMIN_TOKEN.slice(0, 8))],
    ["the token with a suffix", admin(`${ADMIN_TOKEN}0`)],
    ["the token in another scheme", { headers: { authorization: `Basic ${ADMIN_TOKEN}` } }]
  ]
  for (const [name, init] of refusedTokens) {
    it(`${name}: 401 with WWW-Authenticate: Bearer`, async () => {
      const response = await surface.request("/admin/api/family-groups", init)
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer\b/)
      expectSecurityHeaders(response)
      expect(response.headers.get("cache-control")).toBe("no-store")
      await expectError(response, 401, "Unauthorized", /Authorization: Bearer <token>/)
    })
  }

  it("a write without the token changes nothing", async () => {
    const group = await createGroup(surface, freshPlexUser(), ["Mum"])
    const response = await surface.request(`/admin/api/family-groups/${group.groupId}`, {
      method: "DELETE",
      headers: { authorization: "Bearer wrong" }
    })
    expect(response.status).toBe(401)
    expect((await surface.request(`/oauth/family/${group.groupId}/status`)).status).toBe(200)
  })

  it("with no admin token configured: 403 whatever is sent", async () => {
    for (const init of [
      {},
      admin(ADMIN_TOKEN),
      admin("anything"),
      { headers: { authorization: "Bearer " } }
    ]) {
      const response = await closed.request("/admin/api/family-groups", init)
      expect(response.headers.get("www-authenticate")).toBeNull()
      await expectError(
        response,
        403,
        "Forbidden",
        /admin API is closed: this server has no admin token configured/
      )
    }
  })

  it("with the right token: the groups, a group's details without any token, and its changes", async () => {
    const group = await createGroup(surface, freshPlexUser(), ["Mum", "Dad"])
    const [mum, dad] = group.members
    if (mum === undefined || dad === undefined) throw new Error("two members expected")
    const mumUser = `mum-admin-${process.pid}`
    await surface.request(
      `/authorize/family/member?code=${surface.trakt.codeFor(mumUser)}&state=${stateOf(mum.authorizeUrl)}`
    )

    const list = await surface.request("/admin/api/family-groups", admin(ADMIN_TOKEN))
    expect(list.status).toBe(200)
    const groups = ((await list.json()) as { groups: ReadonlyArray<Record<string, unknown>> }).groups
    expect(groups.find((g) => g.id === group.groupId)).toMatchObject({
      memberCount: 2,
      authorizedCount: 1,
      webhookUrl: group.webhookUrl
    })

    const details = await surface.request(`/admin/api/family-groups/${group.groupId}`, admin(ADMIN_TOKEN))
    expect(details.status).toBe(200)
    const text = await details.text()
    // The in-memory Trakt's tokens are `access-<user>-<n>` / `refresh-<user>-<n>`.
    expect(text).not.toMatch(/(access|refresh)-mum-admin/)
    const body = JSON.parse(text) as { members: ReadonlyArray<Record<string, unknown>>; queue: unknown }
    expect(body.members.map((m) => [m.label, m.status, m.traktUsername])).toEqual([
      ["Mum", "authorized", mumUser],
      ["Dad", "pending", null]
    ])
    expect(body.members[0]?.tokenExpiresAt).toEqual(expect.any(String))
    expect(body.queue).toEqual({ queued: 0, retrying: 0, permanentFailure: 0 })

    const added = await surface.request(
      `/admin/api/family-groups/${group.groupId}/members`,
      postJson({ label: "Sam" }, { authorization: `Bearer ${ADMIN_TOKEN}` })
    )
    expect(added.status).toBe(201)
    const sam = (await added.json()) as { id: string; label: string; status: string }
    expect(sam).toMatchObject({ label: "Sam", status: "pending" })

    // The admin may issue a new link even for an authorized member (the public endpoint refuses).
    const relink = await surface.request(
      `/admin/api/family-groups/${group.groupId}/members/${mum.id}/authorization`,
      {
        method: "POST",
        ...admin(ADMIN_TOKEN)
      }
    )
    expect(relink.status).toBe(201)

    const removed = await surface.request(`/admin/api/family-groups/${group.groupId}/members/${sam.id}`, {
      method: "DELETE",
      ...admin(ADMIN_TOKEN)
    })
    expect(removed.status).toBe(200)
    expect(await removed.json()).toEqual({ droppedRetries: 0 })
    expect((await memberView(surface, group.groupId)).length).toBe(2)

    await expectError(
      await surface.request(`/admin/api/family-groups/${group.groupId}/notifications/nope/dismiss`, {
        method: "POST",
        ...admin(ADMIN_TOKEN)
      }),
      404,
      "NotFound",
      /no notification with the id nope/
    )

    const deleted = await surface.request(`/admin/api/family-groups/${group.groupId}`, {
      method: "DELETE",
      ...admin(ADMIN_TOKEN)
    })
    expect(deleted.status).toBe(204)
    expect((await surface.request(`/oauth/family/${group.groupId}/status`)).status).toBe(404)
  })

  it("compares tokens whatever their lengths", () => {
    expect(constantTimeEqual(ADMIN_TOKEN, ADMIN_TOKEN)).toBe(true)
    expect(constantTimeEqual(ADMIN_TOKEN, `${ADMIN_TOKEN}x`)).toBe(false)
    expect(constantTimeEqual("", ADMIN_TOKEN)).toBe(false)
  })
})

describe("the OAuth state", () => {
  it("is single use: a replayed callback is a 400 page saying the link was used, and changes nothing", async () => {
    const group = await createGroup(surface, freshPlexUser(), ["Mum"])
    const state = stateOf(group.members[0]?.authorizeUrl ?? "")
    const first = await surface.request(
      `/authorize/family/member?code=${surface.trakt.codeFor(`first-${process.pid}`)}&state=${state}`
    )
    expect(first.status).toBe(200)

    // The replay carries a valid code of another account: it must not switch the member.
    const replay = await surface.request(
      `/authorize/family/member?code=${surface.trakt.codeFor(`intruder-${process.pid}`)}&state=${state}`
    )
    expect(replay.status).toBe(400)
    expect(replay.headers.get("content-type")).toMatch(/^text\/html/)
    expectSecurityHeaders(replay)
    expect(await replay.text()).toContain("This authorization link was already used.")
    expect(await memberView(surface, group.groupId)).toEqual([
      expect.objectContaining({ status: "authorized", traktUsername: `first-${process.pid}` })
    ])
  })

  it("cannot be forged: an unknown state is a 400 page and the member stays pending", async () => {
    const group = await createGroup(surface, freshPlexUser(), ["Mum"])
    const forged = await surface.request(
      `/authorize/family/member?code=${surface.trakt.codeFor(`forger-${process.pid}`)}&state=${"A".repeat(43)}`
    )
    expect(forged.status).toBe(400)
    expect(await forged.text()).toContain("This authorization link is not valid.")
    const missing = await surface.request(
      `/authorize/family/member?state=${stateOf(group.members[0]?.authorizeUrl ?? "")}`
    )
    expect(missing.status).toBe(400)
    expect(await missing.text()).toContain("authorization code is missing")
    expect(await memberView(surface, group.groupId)).toEqual([expect.objectContaining({ status: "pending" })])
  })

  it("expires after oauthStateTtl: a late callback is a 400 page saying so", async () => {
    const group = await createGroup(shortLived, freshPlexUser(), ["Mum"])
    const member = group.members[0]
    if (member === undefined) throw new Error("one member expected")
    const expiresAt = Date.parse(member.expiresAt)
    // Wait until the link is past its expiry (a bounded wait: the TTL is 200 ms).
    while (Date.now() <= expiresAt + 50) await new Promise((resolve) => setTimeout(resolve, 50))
    const late = await shortLived.request(
      `/authorize/family/member?code=${shortLived.trakt.codeFor(`late-${process.pid}`)}&state=${stateOf(member.authorizeUrl)}`
    )
    expect(late.status).toBe(400)
    expect(await late.text()).toContain("This authorization link has expired.")
    expect(await memberView(shortLived, group.groupId)).toEqual([
      expect.objectContaining({ status: "pending" })
    ])
  })
})
