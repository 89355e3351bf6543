/**
 * The API's own OpenAPI document run against its behaviour, so the two cannot
 * drift apart: a scripted walk through every operation the document lists (a
 * new one fails this test until it is walked), successes and failures alike.
 * Each answer's status must be one the document lists for the operation, and a
 * JSON answer must validate against the schema documented for that status; each
 * request body that succeeds must validate against the documented request
 * schema, and one with a field the schema does not allow must be refused.
 */
import { encodeJsonWebhook, encodeMultipartWebhook, samplePayloads } from "@org/plex/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ADMIN_TOKEN, freshPlexUser, type InMemorySurface, inMemorySurface, stateOf } from "./helpers.js"

type Json = Record<string, unknown>

interface Doc {
  readonly paths: Record<string, Record<string, Json>>
  readonly components: { readonly schemas: Record<string, Json> }
}

/** Validates `value` against the JSON Schema subset the generator emits; answers what does not match. */
const validate = (doc: Doc, schema: Json, value: unknown, at = "$"): Array<string> => {
  const ref = schema.$ref
  if (typeof ref === "string") {
    const target = doc.components.schemas[ref.slice("#/components/schemas/".length)]
    if (target === undefined) return [`${at}: unresolved ${ref}`]
    return validate(doc, target, value, at)
  }
  for (const key of ["anyOf", "oneOf"] as const) {
    const options = schema[key] as ReadonlyArray<Json> | undefined
    if (options !== undefined && !options.some((option) => validate(doc, option, value, at).length === 0))
      return [`${at}: ${JSON.stringify(value)?.slice(0, 80)} matches none of its ${key}`]
  }
  const all = schema.allOf as ReadonlyArray<Json> | undefined
  const problems: Array<string> = all?.flatMap((part) => validate(doc, part, value, at)) ?? []
  if ("const" in schema && value !== schema.const)
    problems.push(`${at}: expected ${JSON.stringify(schema.const)}`)
  const allowed = schema.enum as ReadonlyArray<unknown> | undefined
  if (allowed !== undefined && !allowed.includes(value))
    problems.push(`${at}: ${JSON.stringify(value)} not in enum`)
  const types = schema.type === undefined ? [] : ([] as Array<unknown>).concat(schema.type)
  const typeOf = (v: unknown) =>
    v === null
      ? "null"
      : Array.isArray(v)
        ? "array"
        : typeof v === "number" && Number.isInteger(v)
          ? "integer"
          : typeof v
  if (types.length > 0) {
    const actual = typeOf(value)
    const ok = types.some((t) => t === actual || (t === "number" && actual === "integer"))
    if (!ok) return [...problems, `${at}: expected ${types.join("|")}, got ${actual}`]
  }
  if (
    typeof value === "string" &&
    typeof schema.pattern === "string" &&
    !new RegExp(schema.pattern).test(value)
  )
    problems.push(`${at}: "${value}" does not match ${schema.pattern}`)
  if (Array.isArray(value) && schema.items !== undefined)
    for (const [index, item] of value.entries())
      problems.push(...validate(doc, schema.items as Json, item, `${at}[${index}]`))
  if (typeOf(value) === "object") {
    const object = value as Record<string, unknown>
    const properties = (schema.properties ?? {}) as Record<string, Json>
    for (const name of (schema.required ?? []) as ReadonlyArray<string>)
      if (!(name in object)) problems.push(`${at}.${name}: required, missing`)
    for (const [name, field] of Object.entries(object)) {
      const declared = properties[name]
      if (declared !== undefined) problems.push(...validate(doc, declared, field, `${at}.${name}`))
      else if (schema.additionalProperties === false) problems.push(`${at}.${name}: not allowed`)
      else if (typeof schema.additionalProperties === "object")
        problems.push(...validate(doc, schema.additionalProperties as Json, field, `${at}.${name}`))
    }
  }
  return problems
}

let surface: InMemorySurface
let closed: InMemorySurface
let inviteOnly: InMemorySurface
let adminOnly: InMemorySurface
let doc: Doc
const walked = new Set<string>()

/** The documented path a concrete path is an instance of (`/oauth/family/{groupId}/status`). */
const operationOf = (method: string, path: string): string => {
  const bare = path.split("?")[0] ?? path
  for (const template of Object.keys(doc.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{\w+\}/g, "[^/]+")}$`)
    if (pattern.test(bare) && doc.paths[template]?.[method.toLowerCase()] !== undefined)
      return `${method.toUpperCase()} ${template}`
  }
  throw new Error(`${method} ${bare} is served but not in the document`)
}

/**
 * Send a request and hold its answer to the document: a documented status, and
 * a JSON body valid against the schema of that status. Answers the status and body.
 */
const call = async (
  method: string,
  path: string,
  options: {
    readonly json?: unknown
    readonly body?: string | Uint8Array
    readonly contentType?: string
    readonly admin?: boolean
    readonly on?: InMemorySurface
  } = {}
) => {
  const operationKey = operationOf(method, path)
  walked.add(operationKey)
  const [verb, template] = operationKey.split(" ") as [string, string]
  const operation = doc.paths[template]?.[verb.toLowerCase()] as Json
  const headers: Record<string, string> = {}
  if (options.admin === true) headers.authorization = `Bearer ${ADMIN_TOKEN}`
  let body: string | Uint8Array | undefined = options.body
  if (options.json !== undefined) {
    headers["content-type"] = "application/json"
    body = JSON.stringify(options.json)
  } else if (options.contentType !== undefined) headers["content-type"] = options.contentType
  const response = await (options.on ?? surface).request(path, {
    method,
    headers,
    ...(body === undefined ? {} : { body })
  })
  const text = await response.text()
  const responses = operation.responses as Record<string, Json>
  const documented = responses[String(response.status)]
  expect(
    documented,
    `${operationKey} answered ${response.status}, which the document does not list: ${text}`
  ).toBeDefined()
  const contentType = (response.headers.get("content-type") ?? "").split(";")[0] ?? ""
  const content = (documented?.content ?? {}) as Record<string, { schema?: Json }>
  if (text.length > 0)
    expect(Object.keys(content), `${operationKey} ${response.status} answered ${contentType}`).toContain(
      contentType
    )
  const schema = content[contentType]?.schema
  let parsed: unknown = text
  if (contentType === "application/json") {
    parsed = JSON.parse(text)
    if (schema !== undefined)
      expect(
        validate(doc, schema, parsed),
        `${operationKey} ${response.status}: ${text.slice(0, 300)}`
      ).toEqual([])
  }
  // A request body that succeeded is one the document accepts.
  if (options.json !== undefined && response.status < 300) {
    const requestSchema = (
      (operation.requestBody as Json | undefined)?.content as Record<string, { schema: Json }>
    )?.["application/json"]?.schema
    expect(requestSchema, `${operationKey} takes a JSON body the document does not describe`).toBeDefined()
    if (requestSchema !== undefined) expect(validate(doc, requestSchema, options.json)).toEqual([])
  }
  return { status: response.status, body: parsed as Json }
}

beforeAll(async () => {
  surface = await inMemorySurface()
  closed = await inMemorySurface({ adminToken: undefined })
  inviteOnly = await inMemorySurface({}, { settings: { onboarding: "invite" } })
  adminOnly = await inMemorySurface({}, { settings: { onboarding: "admin" } })
  doc = (await (await surface.request("/openapi.json")).json()) as Doc
})
afterAll(async () => {
  await surface?.close()
  await closed?.close()
  await inviteOnly?.close()
  await adminOnly?.close()
})

describe("the OpenAPI document and the behaviour agree", () => {
  it("on every operation it lists, for successes and failures", async () => {
    const unknownId = "00000000-0000-4000-8000-000000000000"
    // Onboarding.
    const plexUsername = freshPlexUser("LivingRoom")
    const created = await call("POST", "/oauth/family/state", {
      json: { plexUsername, labels: ["Mum", "Dad"] }
    })
    expect(created.status).toBe(201)
    const groupId = created.body.groupId as string
    const members = created.body.members as ReadonlyArray<{ id: string; authorizeUrl: string }>
    const [mum, dad] = members as [{ id: string; authorizeUrl: string }, { id: string; authorizeUrl: string }]
    expect(
      (await call("POST", "/oauth/family/state", { json: { plexUsername, labels: ["X"] } })).status
    ).toBe(409)
    expect(
      (await call("POST", "/oauth/family/state", { json: { groupId: unknownId, label: "X" } })).status
    ).toBe(404)
    expect((await call("POST", "/oauth/family/state", { json: {} })).status).toBe(400)
    expect(
      (await call("POST", "/oauth/family/state", { json: { plexUsername: "p", labels: ["a"], x: 1 } })).status
    ).toBe(400)
    expect(
      (await call("POST", "/oauth/family/state", { json: { plexUsername: "p\u0000", labels: ["a"] } })).status
    ).toBe(400)
    expect(
      (
        await call("POST", "/oauth/family/state", {
          json: { plexUsername: "p", labels: ["a".repeat(70_000)] }
        })
      ).status
    ).toBe(413)
    expect((await call("POST", "/oauth/family/state", { json: { groupId, label: "Sam" } })).status).toBe(201)
    expect((await call("GET", `/oauth/family/${groupId}/status`)).status).toBe(200)
    expect((await call("GET", `/oauth/family/${unknownId}/status`)).status).toBe(404)
    expect((await call("POST", `/oauth/family/${groupId}/members/${dad.id}/authorization`)).status).toBe(201)
    expect((await call("POST", `/oauth/family/${groupId}/members/${unknownId}/authorization`)).status).toBe(
      404
    )
    const code = surface.trakt.codeFor(`agree-${process.pid}`)
    expect(
      (await call("GET", `/authorize/family/member?code=${code}&state=${stateOf(mum.authorizeUrl)}`)).status
    ).toBe(200)
    expect((await call("GET", `/authorize/family/member?code=${code}&state=forged`)).status).toBe(400)
    expect((await call("POST", `/oauth/family/${groupId}/members/${mum.id}/authorization`)).status).toBe(409)
    expect((await call("POST", "/api/telemetry", { json: { name: "webhook_copied", groupId } })).status).toBe(
      202
    )
    expect((await call("POST", "/api/telemetry", { json: { name: "nope", groupId } })).status).toBe(400)

    // The webhook, in each body the document lists, and refused ones.
    const webhook = `/api?id=${groupId}`
    const multipart = encodeMultipartWebhook(samplePayloads.moviePlayNewAgent)
    expect(
      (await call("POST", webhook, { body: multipart.body, contentType: multipart.contentType })).status
    ).toBe(200)
    const json = encodeJsonWebhook(samplePayloads.episodePause)
    expect((await call("POST", webhook, { body: json.body, contentType: json.contentType })).status).toBe(200)
    const form = new URLSearchParams({ payload: JSON.stringify(samplePayloads.moviePlayNewAgent) }).toString()
    expect(
      (await call("POST", webhook, { body: form, contentType: "application/x-www-form-urlencoded" })).status
    ).toBe(200)
    expect(
      (
        await call("POST", `/api?id=${unknownId}`, {
          body: multipart.body,
          contentType: multipart.contentType
        })
      ).status
    ).toBe(404)
    expect((await call("POST", webhook, { body: "hello", contentType: "text/plain" })).status).toBe(415)
    expect((await call("POST", webhook, { body: "{", contentType: "application/json" })).status).toBe(400)

    // The admin API, open and closed.
    expect((await call("GET", "/admin/api/family-groups", { admin: true })).status).toBe(200)
    expect((await call("GET", "/admin/api/family-groups")).status).toBe(401)
    expect((await call("GET", "/admin/api/family-groups", { admin: true, on: closed })).status).toBe(403)
    expect((await call("GET", `/admin/api/family-groups/${groupId}`, { admin: true })).status).toBe(200)
    expect((await call("GET", `/admin/api/family-groups/${unknownId}`, { admin: true })).status).toBe(404)
    const added = await call("POST", `/admin/api/family-groups/${groupId}/members`, {
      admin: true,
      json: { label: "Gran" }
    })
    expect(added.status).toBe(201)
    expect(
      (
        await call("POST", `/admin/api/family-groups/${groupId}/members`, {
          admin: true,
          json: { label: "Gran" }
        })
      ).status
    ).toBe(409)
    expect(
      (
        await call("POST", `/admin/api/family-groups/${groupId}/members`, {
          admin: true,
          json: { label: "Al", x: 1 }
        })
      ).status
    ).toBe(400)
    expect(
      (
        await call("POST", `/admin/api/family-groups/${groupId}/members/${mum.id}/authorization`, {
          admin: true
        })
      ).status
    ).toBe(201)
    expect(
      (await call("GET", `/admin/api/family-groups/${groupId}/notifications`, { admin: true })).status
    ).toBe(200)
    expect(
      (
        await call("POST", `/admin/api/family-groups/${groupId}/notifications/${unknownId}/dismiss`, {
          admin: true
        })
      ).status
    ).toBe(404)
    expect(
      (
        await call("DELETE", `/admin/api/family-groups/${groupId}/members/${added.body.id as string}`, {
          admin: true
        })
      ).status
    ).toBe(200)
    expect(
      (await call("DELETE", `/admin/api/family-groups/${groupId}/members/${unknownId}`, { admin: true }))
        .status
    ).toBe(404)
    expect((await call("GET", "/healthz")).status).toBe(200)
    expect((await call("DELETE", `/admin/api/family-groups/${groupId}`, { admin: true })).status).toBe(204)

    // Onboarding by invite: the admin makes a code, one group is created with it.
    const on = inviteOnly
    const invite = await call("POST", "/admin/api/invites", { admin: true, on, json: { note: "the Smiths" } })
    expect(invite.status).toBe(201)
    expect(
      (await call("POST", "/admin/api/invites", { admin: true, on, json: { expiresInHours: 0 } })).status
    ).toBe(400)
    expect((await call("POST", "/admin/api/invites", { admin: true, on, json: { x: 1 } })).status).toBe(400)
    const family = { plexUsername: freshPlexUser("Invited"), labels: ["A"] }
    expect((await call("POST", "/oauth/family/state", { on, json: family })).status).toBe(403)
    const inviteCode = invite.body.code as string
    expect((await call("POST", "/oauth/family/state", { on, json: { ...family, inviteCode } })).status).toBe(
      201
    )
    const reused = { ...family, plexUsername: freshPlexUser("Again"), inviteCode }
    expect((await call("POST", "/oauth/family/state", { on, json: reused })).status).toBe(403)
    const invites = await call("GET", "/admin/api/invites", { admin: true, on })
    expect(invites.status).toBe(200)
    expect((invites.body.invites as ReadonlyArray<Json>)[0]).toMatchObject({
      state: "used",
      note: "the Smiths"
    })
    expect(JSON.stringify(invites.body)).not.toContain(inviteCode)
    expect(
      (await call("DELETE", `/admin/api/invites/${invite.body.id as string}`, { admin: true, on })).status
    ).toBe(204)
    expect((await call("DELETE", `/admin/api/invites/${unknownId}`, { admin: true, on })).status).toBe(404)

    // Onboarding by the admin only.
    const adminFamily = { plexUsername: freshPlexUser("AdminMade"), labels: ["A", "B"] }
    expect((await call("POST", "/oauth/family/state", { on: adminOnly, json: adminFamily })).status).toBe(403)
    const made = await call("POST", "/admin/api/family-groups", {
      admin: true,
      on: adminOnly,
      json: adminFamily
    })
    expect(made.status).toBe(201)
    expect(made.body.members).toHaveLength(2)
    expect(
      (await call("POST", "/admin/api/family-groups", { admin: true, on: adminOnly, json: adminFamily }))
        .status
    ).toBe(409)
    expect(
      (
        await call("POST", "/admin/api/family-groups", {
          admin: true,
          on: adminOnly,
          json: { ...adminFamily, inviteCode: "x" }
        })
      ).status
    ).toBe(400)
    expect(
      (
        await call("POST", "/oauth/family/state", {
          on: adminOnly,
          json: { groupId: made.body.groupId, label: "C" }
        })
      ).status
    ).toBe(403)

    // Every operation of the document was walked.
    const listed = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`)
    )
    expect(listed.filter((operation) => !walked.has(operation))).toEqual([])
  })
})

describe("the validator this test relies on", () => {
  it("finds what does not match a documented schema", () => {
    const request = { $ref: "#/components/schemas/CreateGroupRequest" }
    expect(validate(doc, request, { plexUsername: "p", labels: ["a"] })).toEqual([])
    expect(validate(doc, request, { plexUsername: 1, labels: "a", extra: true })).toEqual([
      "$.plexUsername: expected string, got integer",
      "$.labels: expected array, got string",
      "$.extra: not allowed"
    ])
    expect(validate(doc, { $ref: "#/components/schemas/Health" }, { status: "ok" })).not.toEqual([])
  })
})
