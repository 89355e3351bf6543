/**
 * Read a multipart/form-data webhook body: buffer the `payload` part (up to a
 * limit), measure the `thumb` part without buffering it, skip everything else.
 */
import * as Multipasta from "multipasta"

/** The result of reading a multipart body; `error` is the first parse error, if any. */
export interface MultipartRead {
  /** The first parse error, as a sentence for `MalformedMultipart.reason`. */
  readonly error: string | undefined
  /** The `payload` part's text, if present and within the limit. */
  readonly payload: string | undefined
  /** The `payload` part's size in bytes (also when over the limit; 0 when absent). */
  readonly payloadSize: number
  readonly thumb: { readonly contentType: string; readonly size: number } | undefined
  /** Every part name, in order. */
  readonly fields: ReadonlyArray<string>
}

const describeError = (error: Multipasta.MultipartError): string => {
  switch (error._tag) {
    case "InvalidBoundary":
      return "the Content-Type header has no usable `boundary` parameter"
    case "BadHeaders":
      return `a part has malformed headers (${error.error.reason})`
    case "InvalidDisposition":
      return "a part's Content-Disposition has no field name"
    case "ReachedLimit":
      return `a parser limit was reached (${error.limit})`
    case "EndNotReached":
      return "the body ends before its closing boundary (a truncated upload?)"
  }
}

const noop = (_chunk: Uint8Array | null): void => {}

/** Parse `body` as multipart/form-data with the boundary of `contentType`. Synchronous. */
export const readMultipart = (
  body: Uint8Array,
  contentType: string,
  maxPayloadBytes: number
): MultipartRead => {
  if (body.length === 0) {
    return { error: "the body is empty", payload: undefined, payloadSize: 0, thumb: undefined, fields: [] }
  }
  let error: string | undefined
  let done = false
  let payloadInfo: Multipasta.PartInfo | undefined
  const payloadChunks: Array<Uint8Array> = []
  let payloadSize = 0
  let payloadComplete = false
  let thumb: { contentType: string; size: number } | undefined
  const fields: Array<string> = []

  const parser = Multipasta.make({
    headers: { "content-type": contentType },
    // Every part is streamed as a "file" so that no part is buffered by the
    // parser: `payload` is buffered here up to its limit, the rest only counted.
    isFile: () => true,
    onField: () => {},
    onFile: (info) => {
      fields.push(info.name)
      if (info.name === "payload" && payloadInfo === undefined) {
        payloadInfo = info
        return (chunk) => {
          if (chunk === null) {
            payloadComplete = true
            return
          }
          payloadSize += chunk.length
          // Copy: the parser may reuse the memory behind `chunk`.
          if (payloadSize <= maxPayloadBytes) payloadChunks.push(chunk.slice())
        }
      }
      if (info.name === "thumb" && thumb === undefined) {
        const part = { contentType: info.contentType, size: 0 }
        thumb = part
        return (chunk) => {
          if (chunk !== null) part.size += chunk.length
        }
      }
      return noop
    },
    onError: (e) => {
      error ??= describeError(e)
    },
    onDone: () => {
      done = true
    }
  })
  parser.write(body)
  parser.end()

  if (error === undefined && !done) error = "the body ends before its closing boundary (a truncated upload?)"

  let payload: string | undefined
  if (payloadInfo !== undefined && payloadComplete && payloadSize <= maxPayloadBytes) {
    const bytes = new Uint8Array(payloadSize)
    let offset = 0
    for (const chunk of payloadChunks) {
      bytes.set(chunk, offset)
      offset += chunk.length
    }
    payload = Multipasta.decodeField(payloadInfo, bytes)
  }

  return { error, payload, payloadSize, thumb, fields }
}
