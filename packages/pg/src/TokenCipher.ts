/**
 * Encryption of OAuth tokens at rest: AES-256-GCM from `node:crypto`, with the
 * key id stored beside the ciphertext so keys can be rotated (new writes use the
 * current key; old rows stay readable while their key is configured).
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto"
import { Data, Redacted } from "effect"

export interface TokenKeys {
  /** Id of the key new ciphertexts are written with. */
  readonly current: string
  /** Every key that may have written a stored token, by id: 32 bytes each. */
  readonly keys: Readonly<Record<string, Redacted.Redacted<Uint8Array>>>
}

export class TokenKeyError extends Data.TaggedError("TokenKeyError")<{ readonly message: string }> {}

export interface TokenCipher {
  readonly encrypt: (token: Redacted.Redacted<string>) => string
  /** Throws `TokenKeyError` when the key is unknown or the ciphertext was tampered with. */
  readonly decrypt: (stored: string) => Redacted.Redacted<string>
}

const keyIdPattern = /^[A-Za-z0-9_-]{1,32}$/

/**
 * Parse keys from configuration: `"<id>:<base64 of 32 bytes>"`, comma-separated;
 * the first is the current key.
 */
export const parseTokenKeys = (value: string): TokenKeys => {
  const entries = value
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
  if (entries.length === 0) throw new TokenKeyError({ message: "no token encryption key is configured" })
  const keys: Record<string, Redacted.Redacted<Uint8Array>> = {}
  for (const entry of entries) {
    const separator = entry.indexOf(":")
    const id = entry.slice(0, separator)
    const key = Buffer.from(entry.slice(separator + 1), "base64")
    if (separator < 1 || !keyIdPattern.test(id))
      throw new TokenKeyError({ message: "each key is <id>:<base64>, the id 1–32 of A–Z a–z 0–9 _ -" })
    if (key.length !== 32)
      throw new TokenKeyError({ message: `key ${id} must be 32 bytes (base64), got ${key.length}` })
    keys[id] = Redacted.make(new Uint8Array(key))
  }
  return { current: entries[0]?.slice(0, entries[0].indexOf(":")) ?? "", keys }
}

export const makeTokenCipher = (keys: TokenKeys): TokenCipher => {
  const keyOf = (id: string) => {
    const key = keys.keys[id]
    if (key === undefined) throw new TokenKeyError({ message: `no token key with id ${id} is configured` })
    return Redacted.value(key)
  }
  keyOf(keys.current)
  return {
    encrypt: (token) => {
      const iv = randomBytes(12)
      const cipher = createCipheriv("aes-256-gcm", keyOf(keys.current), iv)
      const data = Buffer.concat([cipher.update(Redacted.value(token), "utf8"), cipher.final()])
      const tag = cipher.getAuthTag()
      return [keys.current, iv.toString("base64"), tag.toString("base64"), data.toString("base64")].join(":")
    },
    decrypt: (stored) => {
      const [id, iv, tag, data] = stored.split(":")
      if (id === undefined || iv === undefined || tag === undefined || data === undefined)
        throw new TokenKeyError({ message: "a stored token is not in the expected format" })
      try {
        const decipher = createDecipheriv("aes-256-gcm", keyOf(id), Buffer.from(iv, "base64"))
        decipher.setAuthTag(Buffer.from(tag, "base64"))
        const plain = Buffer.concat([decipher.update(Buffer.from(data, "base64")), decipher.final()])
        return Redacted.make(plain.toString("utf8"))
      } catch (error) {
        if (error instanceof TokenKeyError) throw error
        throw new TokenKeyError({ message: `a stored token does not decrypt with key ${id}` })
      }
    }
  }
}

/** What the compare-and-set of a refresh compares: never the token itself. */
export const refreshTokenHash = (token: string): string => createHash("sha256").update(token).digest("base64")

/**
 * A key for one purpose derived from a secret the server already keeps (HKDF
 * with SHA-256, the purpose as `info`): one secret to configure, independent
 * keys for what it serves. Changing the secret makes what the key encrypted
 * unreadable, so give keys of their own (`parseTokenKeys`) where it may change.
 */
export const deriveTokenKeys = (secret: Redacted.Redacted<string>, purpose: string): TokenKeys => ({
  current: "derived",
  keys: {
    derived: Redacted.make(new Uint8Array(hkdfSync("sha256", Redacted.value(secret), "org-sdk", purpose, 32)))
  }
})
