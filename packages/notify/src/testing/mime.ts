/**
 * Just enough MIME to read what nodemailer (or any ordinary mail client) sends:
 * headers with RFC 2047 encoded words, multipart bodies, base64 and
 * quoted-printable, UTF-8 and Latin-1. Not a general mail parser.
 */

export interface ParsedMail {
  /** Header names in lower case; a repeated header keeps its first value. */
  readonly headers: Readonly<Record<string, string>>
  /** The first `text/plain` part, line endings as `\n`. */
  readonly text?: string
  /** The first `text/html` part, line endings as `\n`. */
  readonly html?: string
}

interface Part {
  readonly headers: Record<string, string>
  /** Body as a binary (latin1) string: one char per byte. */
  readonly body: string
}

const splitHeaderBody = (raw: string): Part => {
  const match = /\r?\n\r?\n/.exec(raw)
  const head = match === null ? raw : raw.slice(0, match.index)
  const body = match === null ? "" : raw.slice(match.index + match[0].length)
  const headers: Record<string, string> = {}
  // Unfold continuation lines, then read "Name: value".
  const lines = head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)
  for (const line of lines) {
    const colon = line.indexOf(":")
    if (colon <= 0) continue
    const name = line.slice(0, colon).trim().toLowerCase()
    if (!(name in headers)) headers[name] = line.slice(colon + 1).trim()
  }
  return { headers, body }
}

const charsetOf = (charset: string | undefined): string => {
  const name = (charset ?? "utf-8").toLowerCase()
  return name === "us-ascii" || name === "ascii" ? "utf-8" : name
}

const decodeBytes = (bytes: Buffer, charset: string | undefined): string => {
  try {
    return new TextDecoder(charsetOf(charset)).decode(bytes)
  } catch {
    return bytes.toString("utf8")
  }
}

/** Quoted-printable to bytes (`_` is a space only in encoded words). */
const decodeQuotedPrintable = (input: string, underscoreIsSpace = false): Buffer => {
  const text = input.replace(/=\r?\n/g, "")
  const bytes: Array<number> = []
  for (let i = 0; i < text.length; i++) {
    const char = text[i] ?? ""
    const hex = text.slice(i + 1, i + 3)
    if (char === "=" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16))
      i += 2
    } else if (char === "_" && underscoreIsSpace) {
      bytes.push(0x20)
    } else {
      bytes.push(text.charCodeAt(i) & 0xff)
    }
  }
  return Buffer.from(bytes)
}

/** Decode RFC 2047 encoded words; blanks between two encoded words vanish. */
export const decodeHeaderValue = (binary: string): string => {
  // 8-bit header bytes (SMTPUTF8) are UTF-8.
  const value = Buffer.from(binary, "latin1").toString("utf8")
  return value
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?[^?]+\?[BbQq]\?[^?]*\?=)/g, "$1")
    .replace(
      /=\?([^?*]+)(?:\*[^?]*)?\?([BbQq])\?([^?]*)\?=/g,
      (_, charset: string, encoding: string, text: string) =>
        decodeBytes(
          encoding.toUpperCase() === "B" ? Buffer.from(text, "base64") : decodeQuotedPrintable(text, true),
          charset
        )
    )
}

interface ContentType {
  readonly type: string
  readonly params: Readonly<Record<string, string>>
}

const parseContentType = (value: string | undefined): ContentType => {
  const [type = "text/plain", ...rest] = (value ?? "text/plain").split(";")
  const params: Record<string, string> = {}
  for (const param of rest) {
    const eq = param.indexOf("=")
    if (eq <= 0) continue
    const key = param.slice(0, eq).trim().toLowerCase()
    params[key] = param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, "$1")
  }
  return { type: type.trim().toLowerCase(), params }
}

const decodeLeaf = (part: Part, contentType: ContentType): string => {
  const encoding = (part.headers["content-transfer-encoding"] ?? "7bit").toLowerCase()
  const bytes =
    encoding === "base64"
      ? Buffer.from(part.body.replace(/\s+/g, ""), "base64")
      : encoding === "quoted-printable"
        ? decodeQuotedPrintable(part.body)
        : Buffer.from(part.body, "latin1")
  return decodeBytes(bytes, contentType.params.charset).replace(/\r\n/g, "\n")
}

const splitMultipart = (body: string, boundary: string): Array<string> => {
  const delimiter = `--${boundary}`
  const parts: Array<string> = []
  const lines = body.split(/\r?\n/)
  let current: Array<string> | undefined
  for (const line of lines) {
    if (line.startsWith(delimiter)) {
      if (current !== undefined) parts.push(current.join("\r\n"))
      if (line.startsWith(`${delimiter}--`)) return parts
      current = []
    } else if (current !== undefined) {
      current.push(line)
    }
  }
  if (current !== undefined) parts.push(current.join("\r\n"))
  return parts
}

const collect = (part: Part, found: { text?: string; html?: string }, depth: number): void => {
  if (depth > 8) return
  const contentType = parseContentType(part.headers["content-type"])
  const boundary = contentType.params.boundary
  if (contentType.type.startsWith("multipart/") && boundary !== undefined) {
    for (const child of splitMultipart(part.body, boundary)) collect(splitHeaderBody(child), found, depth + 1)
    return
  }
  const attachment = (part.headers["content-disposition"] ?? "").toLowerCase().startsWith("attachment")
  if (attachment) return
  if (contentType.type === "text/plain" && found.text === undefined)
    found.text = decodeLeaf(part, contentType)
  if (contentType.type === "text/html" && found.html === undefined) found.html = decodeLeaf(part, contentType)
}

/** Parse a message as received after DATA. */
export const parseMail = (raw: Buffer | string): ParsedMail => {
  const binary =
    typeof raw === "string" ? Buffer.from(raw, "utf8").toString("latin1") : raw.toString("latin1")
  const root = splitHeaderBody(binary)
  const found: { text?: string; html?: string } = {}
  collect(root, found, 0)
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(root.headers)) headers[name] = decodeHeaderValue(value)
  return {
    headers,
    ...(found.text === undefined ? {} : { text: found.text }),
    ...(found.html === undefined ? {} : { html: found.html })
  }
}
