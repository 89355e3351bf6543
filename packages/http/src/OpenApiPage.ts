const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;"
}
const escapeHtml = (value: unknown): string =>
  String(value ?? "").replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c)

/** How the hosting API wraps the page: its own chrome and stylesheet. */
export interface OpenApiPageOptions {
  readonly layout: (page: { readonly title: string; readonly wide: boolean; readonly main: string }) => string
  /** Where the document itself is served, linked from the page. */
  readonly documentUrl: string
}

/**
 * A readable rendering of an OpenAPI 3.1 document, entirely on the server (no
 * script), for every API's docs page. Unknown or malformed parts are skipped,
 * never trusted: every value from the document is escaped.
 */

type JsonObject = Record<string, unknown>

const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value)
const asObject = (value: unknown): JsonObject => (isObject(value) ? value : {})
const asArray = (value: unknown): ReadonlyArray<unknown> => (Array.isArray(value) ? value : [])
const asString = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined)

const METHODS = ["get", "post", "put", "patch", "delete", "options", "head", "trace"] as const
const MAX_DEPTH = 4

const slug = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "") || "x"

/** `#/components/schemas/A~1B` → `A/B` */
const refName = (ref: string): string | undefined => {
  const prefix = "#/components/schemas/"
  return ref.startsWith(prefix) ? ref.slice(prefix.length).replace(/~1/g, "/").replace(/~0/g, "~") : undefined
}

/** Escaped text where `backticked` spans become `<code>`, as OpenAPI descriptions often use them. */
const prose = (text: string): string => {
  const parts = text.split("`")
  if (parts.length % 2 === 0) return escapeHtml(text) // an unpaired backtick: plain text
  return parts
    .map((part, index) => (index % 2 === 1 ? `<code>${escapeHtml(part)}</code>` : escapeHtml(part)))
    .join("")
}

const paragraph = (text: string | undefined, className = ""): string =>
  text === undefined || text.trim() === ""
    ? ""
    : `<p${className ? ` class="${className}"` : ""}>${prose(text)}</p>`

interface Context {
  readonly schemas: JsonObject
  readonly schemaIds: Map<string, string>
  readonly securitySchemes: JsonObject
}

const lookup = (ctx: Context, schema: unknown): { readonly name?: string; readonly schema: JsonObject } => {
  const ref = asString(asObject(schema).$ref)
  const name = ref === undefined ? undefined : refName(ref)
  if (name === undefined) return { schema: asObject(schema) }
  return { name, schema: asObject(ctx.schemas[name]) }
}

const schemaLink = (ctx: Context, name: string): string => {
  const id = ctx.schemaIds.get(name)
  return id === undefined ? escapeHtml(name) : `<a href="#${escapeHtml(id)}">${escapeHtml(name)}</a>`
}

const literal = (value: unknown): string => escapeHtml(JSON.stringify(value) ?? "undefined")

const constraints = (schema: JsonObject): string => {
  const parts: Array<string> = []
  const format = asString(schema.format)
  if (format !== undefined) parts.push(format)
  const range = (min: unknown, max: unknown, unit: string) => {
    const lo = typeof min === "number" ? min : undefined
    const hi = typeof max === "number" ? max : undefined
    if (lo !== undefined && hi !== undefined) parts.push(`${lo}–${hi}${unit}`)
    else if (lo !== undefined) parts.push(`≥ ${lo}${unit}`)
    else if (hi !== undefined) parts.push(`≤ ${hi}${unit}`)
  }
  range(schema.minLength, schema.maxLength, " chars")
  range(schema.minItems, schema.maxItems, " items")
  range(schema.minimum, schema.maximum, "")
  const pattern = asString(schema.pattern)
  if (pattern !== undefined) parts.push(`pattern ${pattern}`)
  return parts.length === 0 ? "" : ` (${escapeHtml(parts.join(", "))})`
}

/** A one-line type, as HTML: `string (uuid)`, `Array<Member>`, `"a" | "b"`. */
const typeText = (ctx: Context, schema: unknown, depth = 0): string => {
  const s = asObject(schema)
  const ref = asString(s.$ref)
  if (ref !== undefined) {
    const name = refName(ref)
    return name === undefined ? escapeHtml(ref) : schemaLink(ctx, name)
  }
  if (depth > MAX_DEPTH) return "…"
  if ("const" in s) return literal(s.const)
  if (Array.isArray(s.enum)) return s.enum.map(literal).join(" | ")
  for (const [key, sep] of [
    ["anyOf", " | "],
    ["oneOf", " | "],
    ["allOf", " & "]
  ] as const) {
    const parts = asArray(s[key])
    if (parts.length > 0) return parts.map((part) => typeText(ctx, part, depth + 1)).join(sep)
  }
  const type = s.type
  if (Array.isArray(type)) return type.map((t) => typeText(ctx, { ...s, type: t }, depth + 1)).join(" | ")
  switch (type) {
    case "array": {
      const tuple = asArray(s.prefixItems)
      if (tuple.length > 0) return `[${tuple.map((item) => typeText(ctx, item, depth + 1)).join(", ")}]`
      return `Array&lt;${typeText(ctx, s.items, depth + 1)}&gt;${constraints(s)}`
    }
    case "object": {
      if (isObject(s.properties) && Object.keys(s.properties).length > 0) return "object"
      if (isObject(s.additionalProperties))
        return `Record&lt;string, ${typeText(ctx, s.additionalProperties, depth + 1)}&gt;`
      return "object"
    }
    case undefined:
      return isObject(s.properties) ? "object" : "any"
    default:
      return `${escapeHtml(String(type))}${constraints(s)}`
  }
}

/** A schema as a property list when it is an object, else its one-line type. */
const schemaBlock = (ctx: Context, schema: unknown, depth = 0): string => {
  const { name, schema: resolved } = lookup(ctx, schema)
  const properties = asObject(resolved.properties)
  const keys = Object.keys(properties)
  const heading = name === undefined ? "" : `<span class="type">${schemaLink(ctx, name)}</span>`
  const alternatives = asArray(resolved.anyOf ?? resolved.oneOf)
  if (keys.length === 0 && depth === 0 && alternatives.length > 1) {
    // A union body: each alternative with its fields.
    return `${heading}<p>One of:</p><ul class="schema">${alternatives
      .map((alternative) => `<li>${schemaBlock(ctx, alternative, depth + 1)}</li>`)
      .join("")}</ul>`
  }
  if (keys.length === 0 || depth > 2) {
    return `<span class="type">${typeText(ctx, name === undefined ? resolved : schema)}</span>`
  }
  const required = new Set(asArray(resolved.required).filter((key) => typeof key === "string"))
  const items = keys
    .map((key) => {
      const property = properties[key]
      const inner = lookup(ctx, property)
      const nested =
        inner.name === undefined && Object.keys(asObject(inner.schema.properties)).length > 0
          ? schemaBlock(ctx, property, depth + 1)
          : ""
      const description = asString(asObject(property).description) ?? asString(inner.schema.description)
      return `<li><code>${escapeHtml(key)}</code> <span class="type">${typeText(ctx, property)}</span>${
        required.has(key) ? ' <span class="required">required</span>' : ""
      }${description === undefined ? "" : ` — ${prose(description)}`}${nested}</li>`
    })
    .join("")
  return `${heading}<ul class="schema">${items}</ul>`
}

/** The `_tag`s a response body can carry (through `$ref`, `anyOf`, `oneOf`, `allOf`). */
const errorTags = (ctx: Context, schema: unknown, seen = new Set<string>()): Array<string> => {
  const s = asObject(schema)
  const ref = asString(s.$ref)
  if (ref !== undefined) {
    if (seen.has(ref)) return []
    seen.add(ref)
    return errorTags(ctx, lookup(ctx, s).schema, seen)
  }
  const tags: Array<string> = []
  const tag = asObject(asObject(s.properties)._tag)
  if (typeof tag.const === "string") tags.push(tag.const)
  for (const value of asArray(tag.enum)) if (typeof value === "string") tags.push(value)
  for (const key of ["anyOf", "oneOf", "allOf"] as const) {
    for (const part of asArray(s[key])) tags.push(...errorTags(ctx, part, seen))
  }
  return [...new Set(tags)]
}

const bodyContent = (ctx: Context, content: unknown): string =>
  Object.entries(asObject(content))
    .map(
      ([type, media]) =>
        `<p class="hint">${escapeHtml(type)}</p>${isObject(asObject(media).schema) ? schemaBlock(ctx, asObject(media).schema) : ""}`
    )
    .join("")

const parametersTable = (ctx: Context, parameters: ReadonlyArray<unknown>): string => {
  if (parameters.length === 0) return ""
  const rows = parameters
    .map((raw) => {
      const p = asObject(raw)
      return `<tr><th scope="row" data-label="Name"><code>${escapeHtml(asString(p.name) ?? "?")}</code></th><td data-label="In">${escapeHtml(
        asString(p.in) ?? ""
      )}</td><td data-label="Type"><span class="type">${typeText(ctx, p.schema)}</span></td><td data-label="Required">${
        p.required === true ? "yes" : "no"
      }</td><td data-label="Description">${prose(asString(p.description) ?? "")}</td></tr>`
    })
    .join("")
  return `<h4>Parameters</h4><table class="stack"><thead><tr><th scope="col">Name</th><th scope="col">In</th><th scope="col">Type</th><th scope="col">Required</th><th scope="col">Description</th></tr></thead><tbody>${rows}</tbody></table>`
}

const responsesTable = (ctx: Context, responses: JsonObject): string => {
  const entries = Object.entries(responses)
  if (entries.length === 0) return ""
  const rows = entries
    .map(([status, raw]) => {
      const response = asObject(raw)
      const content = asObject(response.content)
      const tags = [
        ...new Set(Object.values(content).flatMap((media) => errorTags(ctx, asObject(media).schema)))
      ]
      const errors =
        tags.length === 0
          ? ""
          : `<p>Errors: ${tags.map((tag) => `<code>${escapeHtml(tag)}</code>`).join(", ")}</p>`
      return `<tr><th scope="row" data-label="Status"><code>${escapeHtml(status)}</code></th><td data-label="Response">${paragraph(
        asString(response.description)
      )}${errors}${bodyContent(ctx, content)}</td></tr>`
    })
    .join("")
  return `<h4>Responses</h4><table class="stack"><thead><tr><th scope="col">Status</th><th scope="col">Response</th></tr></thead><tbody>${rows}</tbody></table>`
}

const securityText = (ctx: Context, security: unknown): string => {
  const names = asArray(security).flatMap((requirement) => Object.keys(asObject(requirement)))
  if (names.length === 0) return ""
  const described = names.map((name) => {
    const scheme = asObject(ctx.securitySchemes[name])
    const kind = [asString(scheme.type), asString(scheme.scheme)].filter((x) => x !== undefined).join(" ")
    return `<code>${escapeHtml(name)}</code>${kind ? ` (${escapeHtml(kind)})` : ""}`
  })
  return `<p>Authentication: ${described.join(" or ")}</p>`
}

interface Operation {
  readonly id: string
  readonly method: string
  readonly path: string
  readonly operation: JsonObject
  readonly parameters: ReadonlyArray<unknown>
}

const operationSection = (ctx: Context, op: Operation, globalSecurity: unknown): string => {
  const o = op.operation
  const summary = asString(o.summary)
  const description = asString(o.description)
  const body = asObject(o.requestBody)
  const requestBody = isObject(o.requestBody)
    ? `<h4>Request body${body.required === true ? ' <span class="required">required</span>' : ""}</h4>${paragraph(
        asString(body.description)
      )}${bodyContent(ctx, body.content)}`
    : ""
  return `<article class="operation" id="${escapeHtml(op.id)}" aria-labelledby="${escapeHtml(op.id)}-title">
<h3 id="${escapeHtml(op.id)}-title"><span class="method method-${escapeHtml(op.method)}">${escapeHtml(
    op.method.toUpperCase()
  )}</span> <span class="path">${escapeHtml(op.path)}</span></h3>
${paragraph(summary, "lead")}${description !== summary ? paragraph(description) : ""}${
  o.deprecated === true ? '<p class="alert">Deprecated.</p>' : ""
}${securityText(ctx, "security" in o ? o.security : globalSecurity)}${parametersTable(ctx, op.parameters)}${requestBody}${responsesTable(
  ctx,
  asObject(o.responses)
)}
</article>`
}

/** `/docs`: the API reference, rendered from the OpenAPI document. */
export const openApiPage = (openapi: unknown, options: OpenApiPageOptions): string => {
  const doc = asObject(openapi)
  const info = asObject(doc.info)
  const components = asObject(doc.components)
  const schemas = asObject(components.schemas)
  const used = new Set<string>()
  const uniqueId = (base: string): string => {
    let id = base
    for (let n = 2; used.has(id); n++) id = `${base}-${n}`
    used.add(id)
    return id
  }
  const ctx: Context = {
    schemas,
    schemaIds: new Map(Object.keys(schemas).map((name) => [name, uniqueId(`schema-${slug(name)}`)])),
    securitySchemes: asObject(components.securitySchemes)
  }

  // Operations, grouped by their first tag, in the order of the document's `tags`.
  const groups = new Map<string, Array<Operation>>()
  const tagInfo = new Map<string, JsonObject>()
  for (const tag of asArray(doc.tags)) {
    const name = asString(asObject(tag).name)
    if (name !== undefined) {
      tagInfo.set(name, asObject(tag))
      groups.set(name, [])
    }
  }
  for (const [path, rawItem] of Object.entries(asObject(doc.paths))) {
    const item = asObject(rawItem)
    for (const method of METHODS) {
      if (!isObject(item[method])) continue
      const operation = asObject(item[method])
      const tag = asString(asArray(operation.tags)[0]) ?? "Other"
      const operationId = asString(operation.operationId)
      const list = groups.get(tag) ?? []
      groups.set(tag, list)
      list.push({
        id: uniqueId(`op-${slug(operationId ?? `${method}-${path}`)}`),
        method,
        path,
        operation,
        parameters: [...asArray(item.parameters), ...asArray(operation.parameters)]
      })
    }
  }
  const sections = [...groups].filter(([, operations]) => operations.length > 0)
  const tagIds = new Map(sections.map(([tag]) => [tag, uniqueId(`tag-${slug(tag)}`)]))

  const title = asString(info.title) ?? "API"
  const version = asString(info.version)
  const toc = sections
    .map(
      ([tag, operations]) =>
        `<li><a href="#${escapeHtml(tagIds.get(tag))}">${escapeHtml(tag)}</a> <span class="hint">(${operations.length})</span></li>`
    )
    .join("")
  const body = sections
    .map(([tag, operations]) => {
      const id = tagIds.get(tag) ?? ""
      const description = asString(tagInfo.get(tag)?.description)
      return `<section aria-labelledby="${escapeHtml(id)}-title" id="${escapeHtml(id)}">
<h2 id="${escapeHtml(id)}-title">${escapeHtml(tag)}</h2>
${paragraph(description)}${operations.map((op) => operationSection(ctx, op, doc.security)).join("\n")}
</section>`
    })
    .join("\n")
  const schemaSection =
    ctx.schemaIds.size === 0
      ? ""
      : `<section aria-labelledby="schemas-title" id="schemas">
<h2 id="schemas-title">Schemas</h2>
${[...ctx.schemaIds]
  .map(([name, id]) => {
    const schema = asObject(schemas[name])
    const description = asString(schema.description)
    return `<article class="operation" id="${escapeHtml(id)}"><h3>${escapeHtml(name)}</h3>${paragraph(description)}${schemaBlock(
      ctx,
      schema
    )}</article>`
  })
  .join("\n")}
</section>`

  return options.layout({
    title: `${title} reference`,
    wide: true,
    main: `<h1>${escapeHtml(title)}${version === undefined ? "" : ` <span class="hint">version ${escapeHtml(version)}</span>`}</h1>
${paragraph(asString(info.description), "lead")}<p>The same description, machine-readable: <a href="${escapeHtml(options.documentUrl)}">${escapeHtml(options.documentUrl)}</a> (OpenAPI ${escapeHtml(
      asString(doc.openapi) ?? "3.1"
    )}).</p>
<nav aria-labelledby="toc-title"><h2 id="toc-title">Contents</h2><ul class="toc">${toc}${
      schemaSection === "" ? "" : '<li><a href="#schemas">Schemas</a></li>'
    }</ul></nav>
${sections.length === 0 ? "<p>The document lists no operations.</p>" : body}
${schemaSection}`
  })
}
