/** The sandbox's own protocol, as a client that is not our adapter sees it. */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTraktSandbox, type TraktSandbox } from "../src/sandbox.js"

let sandbox: TraktSandbox
beforeAll(async () => {
  sandbox = await startTraktSandbox({ postIntervalMs: 0, tokenLifetimeSeconds: 86_400 })
})
afterAll(async () => {
  await sandbox.close()
})

const redirectUri = "http://127.0.0.1:9/callback"

const api = (path: string, init: RequestInit & { token?: string } = {}) =>
  fetch(`${sandbox.url}${path}`, {
    ...init,
    headers: {
      "content-type": "application/json",
      "trakt-api-version": "2",
      "trakt-api-key": sandbox.clientId,
      ...(init.token === undefined ? {} : { authorization: `Bearer ${init.token}` }),
      ...(init.headers as Record<string, string> | undefined)
    }
  })

describe("Trakt sandbox", () => {
  it("serves a sign-in form that redirects back with a code and the state", async () => {
    const query = new URLSearchParams({
      response_type: "code",
      client_id: sandbox.clientId,
      redirect_uri: redirectUri,
      state: "abc<script>"
    })
    const page = await fetch(`${sandbox.url}/oauth/authorize?${query}`)
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('<form method="post" action="/oauth/authorize">')
    // The state is escaped, never echoed as markup.
    expect(html).toContain("abc&lt;script&gt;")
    const submitted = await fetch(`${sandbox.url}/oauth/authorize`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        client_id: sandbox.clientId,
        redirect_uri: redirectUri,
        state: "abc<script>",
        username: "Mum"
      })
    })
    expect(submitted.status).toBe(302)
    const location = new URL(submitted.headers.get("location") ?? "")
    expect(location.origin + location.pathname).toBe(redirectUri)
    expect(location.searchParams.get("state")).toBe("abc<script>")

    const token = await fetch(`${sandbox.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        code: location.searchParams.get("code"),
        client_id: sandbox.clientId,
        client_secret: sandbox.clientSecret,
        redirect_uri: redirectUri,
        grant_type: "authorization_code"
      })
    })
    expect(token.status).toBe(200)
    const body = (await token.json()) as Record<string, unknown>
    expect(body).toMatchObject({ token_type: "bearer", expires_in: 86_400, scope: "public" })
    expect(typeof body.created_at).toBe("number")
  })

  it("rejects an unknown client on the authorize page", async () => {
    const query = new URLSearchParams({ response_type: "code", client_id: "nope", redirect_uri: redirectUri })
    expect((await fetch(`${sandbox.url}/oauth/authorize?${query}`)).status).toBe(401)
  })

  it("a code bound to one redirect URI does not exchange with another", async () => {
    const { code } = sandbox.authorize({ username: "x", redirectUri })
    const response = await fetch(`${sandbox.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        code,
        client_id: sandbox.clientId,
        client_secret: sandbox.clientSecret,
        redirect_uri: "http://127.0.0.1:9/elsewhere",
        grant_type: "authorization_code"
      })
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: "invalid_grant" })
  })

  it("requires the API key, the API version and a bearer token", async () => {
    const { access_token } = sandbox.issueTokens("keys")
    expect(
      (await api("/users/settings", { headers: { "trakt-api-key": "wrong" }, token: access_token })).status
    ).toBe(403)
    expect(
      (await api("/users/settings", { headers: { "trakt-api-version": "1" }, token: access_token })).status
    ).toBe(400)
    expect((await api("/users/settings")).status).toBe(401)
    expect((await api("/users/settings", { token: access_token })).status).toBe(200)
  })

  it("answers malformed and oversized bodies, unknown paths and wrong methods with 4xx", async () => {
    const { access_token } = sandbox.issueTokens("robust")
    expect(
      (await api("/scrobble/start", { method: "POST", body: "{not json", token: access_token })).status
    ).toBe(400)
    expect((await api("/scrobble/start", { method: "POST", body: "{}", token: access_token })).status).toBe(
      400
    )
    const huge = JSON.stringify({ movie: { ids: { imdb: "tt1" } }, progress: 1, pad: "x".repeat(100_000) })
    expect((await api("/scrobble/start", { method: "POST", body: huge, token: access_token })).status).toBe(
      413
    )
    expect((await api("/scrobble/rewind", { method: "POST", body: "{}", token: access_token })).status).toBe(
      404
    )
    expect((await api("/scrobble/start", { method: "GET", token: access_token })).status).toBe(405)
    expect(sandbox.scrobbles("robust")).toHaveLength(0)
  })

  it("takes faults, latency and resets over its HTTP control surface", async () => {
    const { access_token } = sandbox.issueTokens("remote")
    const control = (action: string, body: unknown) =>
      fetch(`${sandbox.url}/_sandbox/${action}`, { method: "POST", body: JSON.stringify(body) })
    expect(
      (await control("faults", { username: "remote", fault: { status: 502 }, options: { times: 1 } })).status
    ).toBe(204)
    const body = JSON.stringify({ movie: { title: "Heat", ids: { imdb: "tt0113277" } }, progress: 10 })
    expect((await api("/scrobble/start", { method: "POST", body, token: access_token })).status).toBe(502)
    expect((await api("/scrobble/start", { method: "POST", body, token: access_token })).status).toBe(201)
    const listed = (await (
      await fetch(`${sandbox.url}/_sandbox/scrobbles?username=remote`)
    ).json()) as Array<unknown>
    expect(listed).toHaveLength(1)
    expect((await fetch(`${sandbox.url}/_sandbox/nothing`)).status).toBe(404)
    expect((await fetch(`${sandbox.url}/_sandbox/reset`)).status).toBe(405)
    expect((await control("reset", {})).status).toBe(204)
    expect(sandbox.scrobbles()).toHaveLength(0)
    // Reset forgets tokens too.
    expect((await api("/users/settings", { token: access_token })).status).toBe(401)
  })

  it("records requests without their authorization header", async () => {
    const { access_token } = sandbox.issueTokens("private")
    await api("/users/settings", { token: access_token })
    const recorded = sandbox.requests("private")
    expect(recorded).toHaveLength(1)
    expect(JSON.stringify(recorded)).not.toContain(access_token)
  })
})
