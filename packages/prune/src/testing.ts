export * from "./memory/PrunePortsInMemory.js"
export * from "./memory/PruneStoreInMemory.js"
