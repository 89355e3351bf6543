/**
 * `@org/core`: the ports several domains share. Secure randomness for ids and
 * tokens, and keyed locks; their in-memory implementations are in
 * `@org/core/testing`, their Node and Postgres ones in `@org/crypto` and `@org/pg`.
 *
 * @packageDocumentation
 */
export * from "./IdempotencyStore.js"
export * from "./Locks.js"
export * from "./Logging.js"
export * from "./PasswordHasher.js"
export * from "./SecureRandom.js"
export * from "./StoreUnavailable.js"
export * from "./TokenSigner.js"
export * from "./UnitOfWork.js"
