/**
 * The Plex webhook through the web handler over the in-memory domain: a play of
 * the group's Plex account is answered `accepted` once it is in the inbox, then
 * broadcast to every authorized member; other accounts and other events are
 * answered `ignored`; every malformed request is a 4xx with a reason, and
 * records nothing and sends nothing.
 */
import { describe, expect, it } from "@effect/vitest"
import { encodeJsonWebhook, encodeMultipartWebhook, samplePayloads } from "@org/plex/testing"
import { Effect } from "effect"
import { afterAll, beforeAll } from "vitest"
import {
  createGroup,
  expectError,
  expectSecurityHeaders,
  type InMemorySurface,
  inMemorySurface,
  postWebhook,
  stateOf,
  waitFor
} from "./helpers.js"

const MAX_WEBHOOK_BYTES = 16 * 1024

let surface: InMemorySurface
/** A group of the samples' Plex account ("LivingRoom") with two authorized members and a pending one. */
let group: Awaited<ReturnType<typeof createGroup>>
const authorized = [`mum-${process.pid}`, `dad-${process.pid}`]

beforeAll(async () => {
  surface = await inMemorySurface({ maxWebhookBytes: MAX_WEBHOOK_BYTES })
  group = await createGroup(surface, "LivingRoom", ["Mum", "Dad", "Sam"])
  for (const [index, username] of authorized.entries()) {
    const member = group.members[index]
    if (member === undefined) throw new Error("member expected")
    const page = await surface.request(
      `/authorize/family/member?code=${surface.trakt.codeFor(username)}&state=${stateOf(member.authorizeUrl)}`
    )
    expect(page.status).toBe(200)
  }
})
afterAll(async () => {
  await surface?.close()
})

const webhookPath = () => `/api?id=${group.groupId}`

const scrobbles = () => Effect.runPromise(surface.trakt.scrobbles())
const scrobbleCount = async () => (await scrobbles()).length

/** Every broadcast under way has finished: nothing is left in the inbox. */
const settled = () => waitFor("the inbox to drain", async () => (await surface.inboxSize()) === 0)

describe("a playback event of the group's Plex account", () => {
  it("is answered 200 accepted, then every authorized member gets the scrobble", async () => {
    await settled()
    const before = await scrobbleCount()
    const response = await surface.request(
      webhookPath(),
      postWebhook(encodeMultipartWebhook(samplePayloads.moviePlayNewAgent))
    )
    expect(response.status).toBe(200)
    expectSecurityHeaders(response)
    const answer = (await response.json()) as { eventId: string; status: string; reason?: string }
    expect(answer.status).toBe("accepted")
    expect(answer.eventId).toMatch(/^[0-9a-f-]{36}$/)
    expect(answer.reason).toBeUndefined()

    await waitFor("both members to get the scrobble", async () => (await scrobbleCount()) >= before + 2)
    await settled()
    const delivered = (await scrobbles()).slice(before)
    expect(delivered.map((s) => [s.username, s.action, s.title, s.outcome]).sort()).toEqual(
      authorized.map((username) => [username, "start", "Heat (1995)", "start"]).sort()
    )
  })

  it("with a poster thumbnail attached is accepted too", async () => {
    await settled()
    const before = await scrobbleCount()
    const webhook = encodeMultipartWebhook(samplePayloads.episodePause, {
      thumb: new Uint8Array(4096).fill(0xff)
    })
    const response = await surface.request(webhookPath(), postWebhook(webhook))
    expect(((await response.json()) as { status: string }).status).toBe("accepted")
    await waitFor("both members to get the pause", async () => (await scrobbleCount()) >= before + 2)
    const delivered = (await scrobbles()).slice(before)
    expect(delivered.map((s) => s.title)).toEqual(["The Bear S02E03", "The Bear S02E03"])
  })
})

describe("events that are not for the group", () => {
  it("another Plex account's play, and a non-playback event, are answered 200 ignored with the reason", async () => {
    await settled()
    const before = await scrobbleCount()
    const other = await surface.request(
      webhookPath(),
      postWebhook(encodeMultipartWebhook(samplePayloads.otherUserPlay))
    )
    expect(other.status).toBe(200)
    const otherAnswer = (await other.json()) as { status: string; reason: string }
    expect(otherAnswer).toMatchObject({ status: "ignored" })
    expect(otherAnswer.reason).toMatch(/not LivingRoom/)

    const library = await surface.request(
      webhookPath(),
      postWebhook(encodeMultipartWebhook(samplePayloads.libraryNew))
    )
    expect(library.status).toBe(200)
    const libraryAnswer = (await library.json()) as { status: string; reason: string }
    expect(libraryAnswer).toMatchObject({ status: "ignored" })
    expect(libraryAnswer.reason).toMatch(/library\.new is not a playback event/)

    expect(await surface.inboxSize()).toBe(0)
    expect(await scrobbleCount()).toBe(before)
  })
})

describe("requests that are refused: a 4xx with a reason, nothing recorded, nothing sent", () => {
  const play = () => encodeMultipartWebhook(samplePayloads.moviePlayNewAgent)
  const multipart = (body: string, boundary = "b0undary") => ({
    body: new TextEncoder().encode(body),
    contentType: `multipart/form-data; boundary=${boundary}`
  })

  const cases: ReadonlyArray<{
    readonly name: string
    readonly path?: () => string
    readonly request: () => RequestInit
    readonly status: number
    readonly tag: string
    readonly message: RegExp
  }> = [
    {
      name: "an unknown group id",
      path: () => "/api?id=00000000-0000-4000-8000-000000000000",
      request: () => postWebhook(play()),
      status: 404,
      tag: "NotFound",
      message: /No family group has the id 00000000-0000-4000-8000-000000000000/
    },
    {
      name: "no group id at all",
      path: () => "/api",
      request: () => postWebhook(play()),
      status: 400,
      tag: "HttpApiDecodeError",
      message: /id[\s\S]*is missing/
    },
    {
      name: "a truncated multipart body",
      request: () =>
        postWebhook(multipart('--b0undary\r\nContent-Disposition: form-data; name="payload"\r\n\r\n{"ev')),
      status: 400,
      tag: "BadRequest",
      message: /multipart webhook body is malformed/
    },
    {
      name: "a multipart body without a payload part",
      request: () =>
        postWebhook(
          multipart(
            '--b0undary\r\nContent-Disposition: form-data; name="other"\r\n\r\nhi\r\n--b0undary--\r\n'
          )
        ),
      status: 400,
      tag: "BadRequest",
      message: /no `payload` field/
    },
    {
      name: "a payload part that is not JSON",
      request: () => postWebhook(encodeMultipartWebhook("{ event: media.play")),
      status: 400,
      tag: "BadRequest",
      message: /not a valid Plex event: Not valid JSON/
    },
    {
      name: "a JSON body that is not JSON",
      request: () => postWebhook(encodeJsonWebhook("{ event: media.play")),
      status: 400,
      tag: "BadRequest",
      message: /not a valid Plex event: Not valid JSON/
    },
    {
      name: "JSON that is not a Plex event",
      request: () => postWebhook(encodeJsonWebhook({ hello: "world" })),
      status: 400,
      tag: "BadRequest",
      message: /not a valid Plex event/
    },
    {
      name: "a content type Plex never sends",
      request: () => ({ method: "POST", headers: { "content-type": "text/plain" }, body: "media.play" }),
      status: 415,
      tag: "UnsupportedMediaType",
      message: /"text\/plain" is not a Plex webhook's: Plex sends multipart\/form-data/
    },
    {
      name: "a body over maxWebhookBytes",
      request: () =>
        postWebhook(
          encodeMultipartWebhook(samplePayloads.moviePlayNewAgent, {
            thumb: new Uint8Array(MAX_WEBHOOK_BYTES)
          })
        ),
      status: 413,
      tag: "PayloadTooLarge",
      message: new RegExp(`${MAX_WEBHOOK_BYTES} bytes`)
    },
    {
      name: "a body over maxWebhookBytes sent without a Content-Length (streamed)",
      request: () => {
        const { body, contentType } = encodeMultipartWebhook(samplePayloads.moviePlayNewAgent, {
          thumb: new Uint8Array(MAX_WEBHOOK_BYTES * 2)
        })
        const stream = new ReadableStream<Uint8Array>({
          start(controller) {
            for (let offset = 0; offset < body.length; offset += 4096) {
              controller.enqueue(body.slice(offset, offset + 4096))
            }
            controller.close()
          }
        })
        return {
          method: "POST",
          headers: { "content-type": contentType },
          body: stream,
          duplex: "half"
        } as RequestInit
      },
      status: 413,
      tag: "PayloadTooLarge",
      message: new RegExp(`${MAX_WEBHOOK_BYTES} bytes`)
    }
  ]

  for (const c of cases) {
    it(`${c.name}: ${c.status}`, async () => {
      await settled()
      const before = await scrobbleCount()
      const response = await surface.request(c.path?.() ?? webhookPath(), c.request())
      expectSecurityHeaders(response)
      const body = await expectError(response, c.status, c.tag, c.message)
      if (c.status === 413) expect(body.limit).toBe(MAX_WEBHOOK_BYTES)
      expect(await surface.inboxSize()).toBe(0)
      const health = (await (await surface.request("/healthz")).json()) as { inbox: number }
      expect(health.inbox).toBe(0)
      expect(await scrobbleCount()).toBe(before)
    })
  }

  it("after the refusals, an accepted event is the only one broadcast", async () => {
    await settled()
    const before = await scrobbleCount()
    const scrobble = encodeMultipartWebhook(samplePayloads.episodeScrobble)
    const response = await surface.request(webhookPath(), postWebhook(scrobble))
    expect(((await response.json()) as { status: string }).status).toBe("accepted")
    await waitFor("both members to get the scrobble", async () => (await scrobbleCount()) >= before + 2)
    await settled()
    const delivered = (await scrobbles()).slice(before)
    expect(delivered.map((s) => [s.username, s.action]).sort()).toEqual(
      authorized.map((username) => [username, "stop"]).sort()
    )
  })
})
