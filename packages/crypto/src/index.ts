/**
 * `@org/crypto`: Node crypto implementations of the core packages' ports.
 *
 * @packageDocumentation
 */

export * from "./PasswordHasherArgon2.js"
export * from "./SecureRandomNode.js"
export * from "./TokenSignerJose.js"
