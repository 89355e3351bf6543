/** The body formats a Plex webhook arrives in. */
export type WebhookFormat = "multipart" | "json" | "urlencoded"

const formats: Readonly<Record<string, WebhookFormat>> = {
  "multipart/form-data": "multipart",
  "application/json": "json",
  "application/x-www-form-urlencoded": "urlencoded"
}

/** The media type of a `Content-Type` header, lower-cased and without parameters. */
export const mediaTypeOf = (contentType: string): string =>
  (contentType.split(";")[0] ?? "").trim().toLowerCase()

/** The webhook format a `Content-Type` header announces, or `undefined` for any other. */
export const formatOf = (contentType: string | undefined): WebhookFormat | undefined =>
  contentType === undefined ? undefined : formats[mediaTypeOf(contentType)]

/** The `charset` parameter of a `Content-Type` header, if any. */
export const charsetOf = (contentType: string): string | undefined => {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType)
  return match?.[1]?.toLowerCase()
}

/** Decode text in `charset` (UTF-8 when absent or unknown). A leading BOM is dropped. */
export const decodeText = (bytes: Uint8Array, charset: string | undefined): string => {
  if (charset !== undefined && charset !== "utf-8" && charset !== "utf8") {
    try {
      return new TextDecoder(charset).decode(bytes)
    } catch {
      // An unknown charset: fall back to UTF-8, what Plex sends.
    }
  }
  return new TextDecoder("utf-8").decode(bytes)
}
