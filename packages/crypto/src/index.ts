/**
 * `@org/crypto`: Node crypto implementations of the core packages' ports.
 *
 * @packageDocumentation
 */
export * from "./SecureRandomNode.js"
