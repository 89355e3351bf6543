export * from "./memory/PruneStoreInMemory.js"
