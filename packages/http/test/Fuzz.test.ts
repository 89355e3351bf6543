/**
 * Generated bodies against every public endpoint the OpenAPI document lists:
 * random JSON (wrong types, unknown fields, text Postgres cannot store, deep
 * nesting), mutations of valid requests, raw bytes under any content type, and
 * odd path and query values. None may answer 5xx, and a refused request writes
 * nothing. Seeded and bounded: `FUZZ_SEED` and `FUZZ_BODIES` replay or widen a
 * run, and a failure prints the seed and the request.
 */
import { encodeMultipartWebhook, samplePayloads } from "@org/plex/testing"
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest"
import { ADMIN_TOKEN, createGroup, type InMemorySurface, inMemorySurface, stateOf } from "./helpers.js"

const SEED = Number(process.env.FUZZ_SEED ?? 20261207)
const BODIES_PER_OPERATION = Number(process.env.FUZZ_BODIES ?? 600)
/** Creations tried on a server whose onboarding is `invite`. */
const INVITE_BODIES = Math.ceil(BODIES_PER_OPERATION / 2)

/** mulberry32: a small seeded generator, enough to vary bodies reproducibly. */
const generator = (seed: number) => {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number) => Math.floor(next() * n)
  const pick = <A>(items: ReadonlyArray<A>): A => items[int(items.length)] as A
  return { next, int, pick }
}

type Random = ReturnType<typeof generator>

const oddStrings = [
  "",
  "a",
  "Mum",
  "\u0000",
  "nul\u0000inside",
  "\ud800",
  "lone \udfff end",
  "😀👨‍👩‍👧",
  "' OR 1=1 --",
  "<script>alert(1)</script>",
  "../../etc/passwd",
  "%00",
  "\\",
  '"',
  " ",
  "\n\r\t",
  "0",
  "-1",
  "1e309",
  "null",
  "true",
  "00000000-0000-0000-0000-000000000000",
  "x".repeat(300),
  "y".repeat(5000)
]

const fieldNames = [
  "plexUsername",
  "labels",
  "inviteCode",
  "groupId",
  "label",
  "name",
  "memberId",
  "event",
  "payload",
  "Account",
  "Metadata",
  "__proto__",
  "constructor",
  "isAdmin"
]

const randomString = (r: Random) =>
  r.next() < 0.6
    ? r.pick(oddStrings)
    : Array.from({ length: r.int(40) }, () => String.fromCharCode(r.int(0x10000))).join("")

const randomJson = (r: Random, depth = 0): unknown => {
  const kind = r.int(depth > 4 ? 6 : 9)
  switch (kind) {
    case 0:
      return null
    case 1:
      return r.next() < 0.5
    case 2:
      return r.pick([0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, 10, 11])
    case 3:
    case 4:
    case 5:
      return randomString(r)
    case 6:
      return Array.from({ length: r.int(12) }, () => randomJson(r, depth + 1))
    default:
      return Object.fromEntries(
        Array.from({ length: r.int(6) }, () => [
          r.next() < 0.7 ? r.pick(fieldNames) : randomString(r),
          randomJson(r, depth + 1)
        ])
      )
  }
}

/** A valid body changed in one way: a field dropped, retyped, added, or made hostile. */
const mutate = (r: Random, valid: Record<string, unknown>): unknown => {
  const body: Record<string, unknown> = { ...valid }
  const keys = Object.keys(body)
  switch (r.int(5)) {
    case 0:
      delete body[r.pick(keys)]
      return body
    case 1:
      body[r.pick(keys)] = randomJson(r)
      return body
    case 2:
      body[r.pick(fieldNames)] = randomJson(r)
      return body
    case 3:
      body[r.pick(keys)] = r.pick(["\u0000", "\ud800", "a\udc00b"])
      return body
    default:
      return [body]
  }
}

const contentTypes = [
  "application/json",
  "application/json; charset=utf-8",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=fuzz",
  "multipart/form-data",
  "text/plain",
  "application/octet-stream",
  "image/jpeg",
  undefined
]

interface FuzzRequest {
  readonly method: string
  readonly path: string
  readonly contentType: string | undefined
  readonly body: Uint8Array | string | undefined
}

const encodeBody = (
  r: Random,
  value: unknown
): { contentType: string | undefined; body: Uint8Array | string } => {
  const style = r.int(10)
  if (style < 6) return { contentType: "application/json", body: JSON.stringify(value) ?? "null" }
  if (style < 7) return { contentType: r.pick(contentTypes), body: JSON.stringify(value) ?? "" }
  if (style < 8) {
    const deep = r.int(6000)
    return { contentType: "application/json", body: `${"[".repeat(deep)}${"]".repeat(deep)}` }
  }
  if (style < 9)
    return {
      contentType: "application/x-www-form-urlencoded",
      body: new URLSearchParams({
        payload: JSON.stringify(value) ?? "",
        [randomString(r)]: randomString(r)
      }).toString()
    }
  return {
    contentType: r.pick(contentTypes),
    body: Uint8Array.from({ length: r.int(2048) }, () => r.int(256))
  }
}

/** Percent-encoding that also sends what a URL cannot hold: a lone surrogate goes as the bytes of one (invalid UTF-8). */
const encodeLoose = (text: string) =>
  encodeURIComponent(text.replace(/[\ud800-\udfff]/g, "\u0001")).replace(/%01/g, "%ED%A0%80")

let surface: InMemorySurface
let groupId: string
let pendingMemberId: string

beforeAll(async () => {
  surface = await inMemorySurface()
  const group = await createGroup(surface, "LivingRoom", ["Mum", "Dad"])
  groupId = group.groupId
  const mum = group.members[0]
  const dad = group.members[1]
  if (mum === undefined || dad === undefined) throw new Error("members expected")
  const page = await surface.request(
    `/authorize/family/member?code=${surface.trakt.codeFor(`fuzz-mum-${process.pid}`)}&state=${stateOf(mum.authorizeUrl)}`
  )
  expect(page.status).toBe(200)
  pendingMemberId = dad.id
})
afterAll(async () => {
  await surface?.close()
})

/** What a refused request must leave as it was: groups, members, telemetry, the inbox, scrobbles. */
const fingerprint = async () => {
  const groups = (await (
    await surface.request("/admin/api/family-groups", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  ).json()) as { groups: ReadonlyArray<{ id: string; memberCount: number }> }
  return JSON.stringify({
    groups: groups.groups.map((g) => [g.id, g.memberCount]).sort(),
    telemetry: (await surface.telemetry()).length,
    inbox: await surface.inboxSize()
  })
}

describe(`fuzzing the public endpoints (seed ${SEED})`, () => {
  it("answers every generated request below 500, and a refused one writes nothing", async () => {
    const r = generator(SEED)
    let current: FuzzRequest | undefined
    onTestFailed(() => {
      process.stderr.write(
        `fuzz failed with FUZZ_SEED=${SEED}; last request: ${JSON.stringify(current, (_, v) =>
          v instanceof Uint8Array
            ? `<${v.length} bytes>`
            : typeof v === "string" && v.length > 300
              ? `${v.slice(0, 300)}…`
              : v
        )}\n`
      )
    })
    const doc = (await (await surface.request("/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>
    }
    const operations = Object.entries(doc.paths)
      .filter(([path]) => !path.startsWith("/admin"))
      .flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => ({ path, method: method.toUpperCase() }))
      )
    // Every public operation is fuzzed; a new one joins by being in the document.
    expect(operations.length).toBeGreaterThanOrEqual(6)

    const valid: Record<string, Record<string, unknown>> = {
      "/oauth/family/state": { plexUsername: "Fuzzed", labels: ["A", "B"] },
      "/api/telemetry": { name: "webhook_copied", groupId },
      "/api": samplePayloads.moviePlayNewAgent as unknown as Record<string, unknown>
    }
    const fillPath = (path: string) =>
      path.replace(/\{(\w+)\}/g, (_, name: string) =>
        encodeLoose(
          r.next() < 0.5
            ? name === "groupId"
              ? groupId
              : name === "memberId"
                ? pendingMemberId
                : randomString(r)
            : randomString(r)
        )
      )

    let sent = 0
    for (const operation of operations) {
      for (let i = 0; i < BODIES_PER_OPERATION; i++) {
        const query =
          operation.path === "/api"
            ? `?id=${encodeLoose(r.next() < 0.8 ? groupId : randomString(r))}`
            : operation.path === "/authorize/family/member"
              ? `?code=${encodeLoose(randomString(r))}&state=${encodeLoose(randomString(r))}`
              : ""
        let contentType: string | undefined
        let body: Uint8Array | string | undefined
        if (operation.method !== "GET") {
          const base = valid[operation.path]
          if (operation.path === "/api" && r.next() < 0.2) {
            const webhook = encodeMultipartWebhook(mutate(r, base ?? {}) as never)
            contentType = webhook.contentType
            body = webhook.body
          } else {
            const value = base !== undefined && r.next() < 0.5 ? mutate(r, base) : randomJson(r)
            ;({ contentType, body } = encodeBody(r, value))
          }
        }
        current = { method: operation.method, path: `${fillPath(operation.path)}${query}`, contentType, body }
        const before = await fingerprint()
        const response = await surface.request(current.path, {
          method: current.method,
          ...(contentType === undefined ? {} : { headers: { "content-type": contentType } }),
          ...(body === undefined ? {} : { body })
        })
        sent++
        expect(response.status, await response.clone().text()).toBeLessThan(500)
        await response.arrayBuffer()
        if (response.status >= 400) expect(await fingerprint()).toBe(before)
      }
    }
    process.stdout.write(`fuzz: ${sent} requests over ${operations.length} public operations, seed ${SEED}\n`)
  }, 300_000)

  it("with onboarding by invite, a refused creation neither creates a group nor uses an invite", async () => {
    const r = generator(SEED + 1)
    const invited = await inMemorySurface({}, { settings: { onboarding: "invite" } })
    let current: FuzzRequest | undefined
    onTestFailed(() => {
      process.stderr.write(
        `invite fuzz failed with FUZZ_SEED=${SEED}; last request: ${JSON.stringify(current)}\n`
      )
    })
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }
    const adminJson = async <A>(path: string, init: RequestInit = {}) =>
      (await (
        await invited.request(path, { ...init, headers: { ...admin, "content-type": "application/json" } })
      ).json()) as A
    const makeCode = async () =>
      (await adminJson<{ code: string }>("/admin/api/invites", { method: "POST", body: "{}" })).code
    const state = async () =>
      JSON.stringify({
        groups: (
          await adminJson<{ groups: ReadonlyArray<{ id: string }> }>("/admin/api/family-groups")
        ).groups
          .map((g) => g.id)
          .sort(),
        invites: (
          await adminJson<{ invites: ReadonlyArray<{ id: string; state: string }> }>("/admin/api/invites")
        ).invites.map((i) => [i.id, i.state])
      })
    try {
      let code = await makeCode()
      let usedCode = "A".repeat(22)
      let created = 0
      for (let i = 0; i < INVITE_BODIES; i++) {
        const inviteCode = r.next() < 0.6 ? code : r.next() < 0.5 ? usedCode : randomString(r)
        const valid = { plexUsername: `Fuzzed-${i}`, labels: ["A"], inviteCode }
        const value = r.next() < 0.3 ? valid : mutate(r, valid)
        const { contentType, body } =
          r.next() < 0.8
            ? { contentType: "application/json", body: JSON.stringify(value) }
            : encodeBody(r, value)
        current = { method: "POST", path: "/oauth/family/state", contentType, body }
        const before = await state()
        const response = await invited.request(current.path, {
          method: "POST",
          ...(contentType === undefined ? {} : { headers: { "content-type": contentType } }),
          body
        })
        expect(response.status, await response.clone().text()).toBeLessThan(500)
        await response.arrayBuffer()
        if (response.status >= 400) expect(await state()).toBe(before)
        else {
          created++
          usedCode = code
          code = await makeCode()
        }
      }
      // The run reached the success path too, or it would say little.
      expect(created).toBeGreaterThan(0)
      process.stdout.write(`invite fuzz: ${INVITE_BODIES} creations, ${created} accepted, seed ${SEED}\n`)
    } finally {
      await invited.close()
    }
  }, 300_000)
})
