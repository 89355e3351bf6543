import { Redacted } from "effect"
import { describe, expect, it } from "vitest"
import { deriveTokenKeys, makeTokenCipher } from "../src/TokenCipher.js"

describe("deriveTokenKeys", () => {
  it("derives the same key from the same secret and purpose, another for another purpose", () => {
    const secret = Redacted.make("a-secret-of-at-least-thirty-two-bytes!")
    const sealed = makeTokenCipher(deriveTokenKeys(secret, "playlist credentials v1")).encrypt(
      Redacted.make("iptv_pass")
    )
    expect(sealed).not.toContain("iptv_pass")
    const again = makeTokenCipher(deriveTokenKeys(secret, "playlist credentials v1"))
    expect(Redacted.value(again.decrypt(sealed))).toBe("iptv_pass")
    const other = makeTokenCipher(deriveTokenKeys(secret, "something else"))
    expect(() => other.decrypt(sealed)).toThrow()
    const otherSecret = makeTokenCipher(
      deriveTokenKeys(Redacted.make("another-secret-of-thirty-two-bytes!!"), "playlist credentials v1")
    )
    expect(() => otherSecret.decrypt(sealed)).toThrow()
  })
})
