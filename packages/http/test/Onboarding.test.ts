/**
 * Onboarding through the web handler over the in-memory domain: a group is
 * created with one link per member, a member is added, the status is polled,
 * the Trakt callback authorizes, and every refusal is a JSON `{ _tag, message }`
 * with the right status that says what to fix.
 */
import { describe, expect, it } from "@effect/vitest"
import { afterAll, beforeAll } from "vitest"
import {
  createGroup,
  expectError,
  expectSecurityHeaders,
  freshPlexUser,
  type InMemorySurface,
  inMemorySurface,
  PUBLIC_URL,
  postJson,
  stateOf
} from "./helpers.js"

let surface: InMemorySurface

beforeAll(async () => {
  surface = await inMemorySurface()
})
afterAll(async () => {
  await surface?.close()
})

const groupCount = async () => {
  const response = await surface.request("/admin/api/family-groups", {
    headers: { authorization: "Bearer admin-token-0123456789abcdef" }
  })
  expect(response.status).toBe(200)
  return ((await response.json()) as { groups: ReadonlyArray<unknown> }).groups.length
}

const status = async (groupId: string) => {
  const response = await surface.request(`/oauth/family/${groupId}/status`)
  expect(response.status).toBe(200)
  return (await response.json()) as {
    groupId: string
    plexUsername: string
    webhookUrl: string
    complete: boolean
    members: ReadonlyArray<{ id: string; label: string; status: string; traktUsername: string | null }>
  }
}

describe("creating a group", () => {
  it("answers 201 with the webhook URL and one pending invitation per label", async () => {
    const plexUsername = freshPlexUser("living-room")
    const response = await surface.request(
      "/oauth/family/state",
      postJson({ plexUsername, labels: ["Mum", "Dad"] })
    )
    expect(response.status).toBe(201)
    expectSecurityHeaders(response)
    expect(response.headers.get("cache-control")).toBe("no-store")
    const body = (await response.json()) as Awaited<ReturnType<typeof createGroup>>
    expect(body.webhookUrl).toBe(`${PUBLIC_URL}/api?id=${body.groupId}`)
    expect(body.members.map((m) => [m.label, m.status])).toEqual([
      ["Mum", "pending"],
      ["Dad", "pending"]
    ])
    for (const member of body.members) {
      expect(member.id).toMatch(/^[0-9a-f-]{36}$/)
      expect(stateOf(member.authorizeUrl).length).toBeGreaterThanOrEqual(32)
      expect(Date.parse(member.expiresAt)).toBeGreaterThan(Date.now())
    }
    expect(new Set(body.members.map((m) => stateOf(m.authorizeUrl))).size).toBe(2)

    const view = await status(body.groupId)
    expect(view).toMatchObject({
      groupId: body.groupId,
      plexUsername,
      complete: false,
      webhookUrl: body.webhookUrl
    })
    expect(view.members.map((m) => [m.id, m.status])).toEqual(body.members.map((m) => [m.id, "pending"]))
  })

  it("adds one member to an existing group with { groupId, label }", async () => {
    const group = await createGroup(surface, freshPlexUser(), ["Mum"])
    const response = await surface.request(
      "/oauth/family/state",
      postJson({ groupId: group.groupId, label: "Sam" })
    )
    expect(response.status).toBe(201)
    const body = (await response.json()) as Awaited<ReturnType<typeof createGroup>>
    expect(body.groupId).toBe(group.groupId)
    expect(body.webhookUrl).toBe(group.webhookUrl)
    expect(body.members).toHaveLength(1)
    expect(body.members[0]).toMatchObject({ label: "Sam", status: "pending" })
    expect((await status(group.groupId)).members.map((m) => m.label)).toEqual(["Mum", "Sam"])
  })
})

describe("the Trakt callback", () => {
  it("authorizes the member, names them on the page, and the status follows", async () => {
    const group = await createGroup(surface, freshPlexUser(), ["Mum", "Dad"])
    const [mum, dad] = group.members
    if (mum === undefined || dad === undefined) throw new Error("two members expected")
    const mumUser = `mum-${group.groupId.slice(0, 8)}`

    const page = await surface.request(
      `/authorize/family/member?code=${surface.trakt.codeFor(mumUser)}&state=${stateOf(mum.authorizeUrl)}`
    )
    expect(page.status).toBe(200)
    expect(page.headers.get("content-type")).toMatch(/^text\/html/)
    expectSecurityHeaders(page)
    const html = await page.text()
    expect(html).toContain("<strong>Mum</strong> is connected as <strong>")
    expect(html).toContain(mumUser)

    let view = await status(group.groupId)
    expect(view.members.map((m) => [m.label, m.status, m.traktUsername])).toEqual([
      ["Mum", "authorized", mumUser],
      ["Dad", "pending", null]
    ])
    expect(view.complete).toBe(false)

    await surface.request(
      `/authorize/family/member?code=${surface.trakt.codeFor(`dad-${group.groupId.slice(0, 8)}`)}&state=${stateOf(dad.authorizeUrl)}`
    )
    view = await status(group.groupId)
    expect(view.complete).toBe(true)
  })

  it("answers a 400 page when Trakt reports the member declined", async () => {
    const group = await createGroup(surface, freshPlexUser(), ["Mum"])
    const page = await surface.request(
      `/authorize/family/member?error=access_denied&state=${stateOf(group.members[0]?.authorizeUrl ?? "")}`
    )
    expect(page.status).toBe(400)
    expect(await page.text()).toContain("You declined the authorization on Trakt.")
    expect((await status(group.groupId)).members[0]?.status).toBe("pending")
  })

  it("a member who is pending gets a new link; an authorized one is refused with 409", async () => {
    const group = await createGroup(surface, freshPlexUser(), ["Mum"])
    const mum = group.members[0]
    if (mum === undefined) throw new Error("one member expected")
    const path = `/oauth/family/${group.groupId}/members/${mum.id}/authorization`

    const fresh = await surface.request(path, { method: "POST" })
    expect(fresh.status).toBe(201)
    const invitation = (await fresh.json()) as { id: string; status: string; authorizeUrl: string }
    expect(invitation).toMatchObject({ id: mum.id, status: "pending" })
    expect(stateOf(invitation.authorizeUrl)).not.toBe(stateOf(mum.authorizeUrl))

    const authorized = await surface.request(
      `/authorize/family/member?code=${surface.trakt.codeFor(`mum-${group.groupId}`)}&state=${stateOf(invitation.authorizeUrl)}`
    )
    expect(authorized.status).toBe(200)
    const refused = await surface.request(path, { method: "POST" })
    const body = await expectError(refused, 409, "Conflict", /Mum is already authorized/)
    expect(body.reason).toBe("AlreadyAuthorized")
    expect((await status(group.groupId)).members[0]?.status).toBe("authorized")
  })
})

describe("refusals", () => {
  it("labels that are missing, empty or too many: 400 / 409, and no group is created", async () => {
    const before = await groupCount()
    await expectError(
      await surface.request("/oauth/family/state", postJson({ plexUsername: freshPlexUser(), labels: [] })),
      400,
      "BadRequest",
      /at least one member label/
    )
    await expectError(
      await surface.request(
        "/oauth/family/state",
        postJson({ plexUsername: freshPlexUser(), labels: ["Mum", " "] })
      ),
      400,
      "BadRequest",
      /label/i
    )
    const tooMany = await expectError(
      await surface.request(
        "/oauth/family/state",
        postJson({
          plexUsername: freshPlexUser(),
          labels: Array.from({ length: 11 }, (_, i) => `Member ${i}`)
        })
      ),
      409,
      "Conflict",
      /at most 10 members; this would make 11/
    )
    expect(tooMany.reason).toBe("MemberLimitReached")
    const duplicate = await expectError(
      await surface.request(
        "/oauth/family/state",
        postJson({ plexUsername: freshPlexUser(), labels: ["Sam", "Sam"] })
      ),
      409,
      "Conflict",
      /cannot share the label "Sam"/
    )
    expect(duplicate.reason).toBe("DuplicateMemberLabel")
    expect(await groupCount()).toBe(before)
  })

  it("a Plex account that already has a group: 409 PlexUsernameTaken", async () => {
    const plexUsername = freshPlexUser()
    await createGroup(surface, plexUsername, ["Mum"])
    const before = await groupCount()
    const body = await expectError(
      await surface.request("/oauth/family/state", postJson({ plexUsername, labels: ["Dad"] })),
      409,
      "Conflict",
      new RegExp(`Plex username "${plexUsername}" already belongs to a family group`)
    )
    expect(body.reason).toBe("PlexUsernameTaken")
    expect(await groupCount()).toBe(before)
  })

  it("adding a label the group has: 409; to an unknown group: 404", async () => {
    const group = await createGroup(surface, freshPlexUser(), ["Mum"])
    await expectError(
      await surface.request("/oauth/family/state", postJson({ groupId: group.groupId, label: "Mum" })),
      409,
      "Conflict",
      /cannot share the label "Mum"/
    )
    const unknown = await expectError(
      await surface.request(
        "/oauth/family/state",
        postJson({ groupId: "00000000-0000-4000-8000-000000000000", label: "Sam" })
      ),
      404,
      "NotFound",
      /No family group has the id 00000000-0000-4000-8000-000000000000/
    )
    expect(unknown.resource).toBe("group")
    expect((await status(group.groupId)).members).toHaveLength(1)
  })

  it("missing fields and a body that is not JSON: 400 that names what is wrong", async () => {
    const before = await groupCount()
    const missing = await expectError(
      await surface.request("/oauth/family/state", postJson({ plexUsername: freshPlexUser() })),
      400,
      "HttpApiDecodeError",
      /labels/
    )
    expect(missing.message).toMatch(/is missing/)
    await expectError(
      await surface.request("/oauth/family/state", postJson({ plexUsername: 42, labels: ["Mum"] })),
      400,
      "HttpApiDecodeError",
      /plexUsername/
    )
    const notJson = await surface.request("/oauth/family/state", postJson("{ plexUsername: nope"))
    expectSecurityHeaders(notJson)
    await expectError(notJson, 400, "BadRequest", /not valid JSON/)
    expect(await groupCount()).toBe(before)
  })

  it("unknown group or member on status and reauthorization: 404 naming the resource", async () => {
    const group = await createGroup(surface, freshPlexUser(), ["Mum"])
    const unknownGroup = await expectError(
      await surface.request("/oauth/family/9b7a4bd6-0a4e-4d71-9d6f-1f1f1f1f1f1f/status"),
      404,
      "NotFound",
      /No family group has the id 9b7a4bd6-0a4e-4d71-9d6f-1f1f1f1f1f1f/
    )
    expect(unknownGroup.resource).toBe("group")
    const unknownMember = await expectError(
      await surface.request(`/oauth/family/${group.groupId}/members/no-such-member/authorization`, {
        method: "POST"
      }),
      404,
      "NotFound",
      /has no member with the id no-such-member/
    )
    expect(unknownMember.resource).toBe("member")
  })

  it("an unknown route: 404 JSON with the security headers", async () => {
    const response = await surface.request("/oauth/family/nowhere")
    expectSecurityHeaders(response)
    await expectError(response, 404, "RouteNotFound", /GET \/oauth\/family\/nowhere/)
  })
})

describe("telemetry and health", () => {
  it("records an onboarding page event and answers 202", async () => {
    const group = await createGroup(surface, freshPlexUser(), ["Mum"])
    const response = await surface.request(
      "/api/telemetry",
      postJson({ name: "webhook_copied", groupId: group.groupId })
    )
    expect(response.status).toBe(202)
    expectSecurityHeaders(response)
    const events = await surface.telemetry()
    expect(events.filter((e) => e.name === "webhook_copied" && e.groupId === group.groupId)).toHaveLength(1)
  })

  it("refuses an event name it does not know, and records nothing", async () => {
    const group = await createGroup(surface, freshPlexUser(), ["Mum"])
    const before = (await surface.telemetry()).length
    await expectError(
      await surface.request(
        "/api/telemetry",
        postJson({ name: "clicked_everything", groupId: group.groupId })
      ),
      400,
      "HttpApiDecodeError",
      /name/
    )
    expect(await surface.telemetry()).toHaveLength(before)
  })

  it("/healthz answers 200 with the inbox depth", async () => {
    const response = await surface.request("/healthz")
    expect(response.status).toBe(200)
    expectSecurityHeaders(response)
    expect(await response.json()).toEqual({ status: "ok", inbox: 0 })
  })
})
