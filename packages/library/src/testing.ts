/**
 * `@org/library/testing`: the library stores in memory, and the whole platform
 * (accounts and library) over them, deterministic.
 *
 * @packageDocumentation
 */
import type { AccountsSettingsInput } from "@org/accounts"
import { AccountsTest } from "@org/accounts/testing"
import { Layer } from "effect"
import { LibraryInMemory } from "./memory/LibraryInMemory.js"

export * from "./memory/LibraryInMemory.js"

/** Accounts and library in memory, with fast fakes for hashing and signing. */
export const LibraryTest = (
  options: { readonly settings?: AccountsSettingsInput; readonly seed?: number } = {}
) => Layer.merge(AccountsTest(options), LibraryInMemory)
