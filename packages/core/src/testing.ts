/**
 * `@org/core/testing`: deterministic implementations of the shared ports for tests.
 *
 * @packageDocumentation
 */

export * from "./testing/FakeHashing.js"
export * from "./testing/SecureRandomSeeded.js"
