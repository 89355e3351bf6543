/**
 * One embedded database, one process: a second process on a data directory is
 * refused at once with a message naming the directory and the holder, a lock
 * left by a killed process is taken over, the lock is released on close, and a
 * directory that cannot be used says which one and why.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, writeFileSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Option } from "effect"
import { DATA_DIR_LOCK_FILE, EmbeddedDatabaseError } from "../src/DataDirLock.js"
import { PgDatabase } from "../src/PgDatabase.js"

const holderScript = fileURLToPath(new URL("./fixtures/embedded-holder.ts", import.meta.url))
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href

/** A process holding the embedded database in `dataDir`, once it said "ready". */
const startHolder = (dataDir: string) =>
  Effect.async<ChildProcess, Error>((resume) => {
    const child = spawn(
      process.execPath,
      ["--conditions=@org/source", "--import", tsx, holderScript, dataDir],
      {
        stdio: ["ignore", "pipe", "pipe"]
      }
    )
    let errors = ""
    child.stderr?.on("data", (chunk) => {
      errors += String(chunk)
    })
    child.stdout?.on("data", (chunk) => {
      if (String(chunk).includes("ready")) resume(Effect.succeed(child))
    })
    child.once("exit", (code) => resume(Effect.fail(new Error(`holder exited ${code}: ${errors}`))))
  })

const killed = (child: ChildProcess) =>
  Effect.async<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    child.once("exit", () => resume(Effect.void))
    child.kill("SIGKILL")
  })

const rows = Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ pid: number }>`SELECT pid FROM held`)

const failureOf = <A, E>(exit: Exit.Exit<A, E>) =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined

const tempDir = Effect.acquireRelease(
  Effect.promise(() => mkdtemp(join(tmpdir(), "org-pg-lock-"))),
  (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
)

describe("one embedded database, one process", () => {
  it.scoped(
    "a second process is refused, naming the directory and the holder; after a kill -9 the lock is taken over and nothing is lost",
    () =>
      Effect.gen(function* () {
        const dataDir = join(yield* tempDir, "pglite")
        const holder = yield* startHolder(dataDir)
        yield* Effect.addFinalizer(() => killed(holder))

        const refused = failureOf(
          yield* Effect.exit(Effect.scoped(Layer.build(PgDatabase.layerEmbedded({ dataDir }))))
        )
        expect(refused).toBeInstanceOf(EmbeddedDatabaseError)
        const message = (refused as EmbeddedDatabaseError).message
        expect(message).toContain(dataDir)
        expect(message).toContain(`process ${holder.pid}`)
        expect(message).toContain("DATABASE_URL")

        // The holder is unharmed by the attempt, and dies without releasing anything.
        yield* killed(holder)
        expect(existsSync(join(dataDir, DATA_DIR_LOCK_FILE))).toBe(true)
        const kept = yield* rows.pipe(Effect.provide(PgDatabase.layerEmbedded({ dataDir })))
        expect(kept).toEqual([{ pid: holder.pid }])
        // Closed again: the lock went with it.
        expect(existsSync(join(dataDir, DATA_DIR_LOCK_FILE))).toBe(false)
      }),
    90_000
  )

  it.scoped(
    "the same directory opened twice in one process is refused too",
    () =>
      Effect.gen(function* () {
        const dataDir = join(yield* tempDir, "pglite")
        yield* Layer.build(PgDatabase.layerEmbedded({ dataDir }))
        const again = failureOf(
          yield* Effect.exit(Effect.scoped(Layer.build(PgDatabase.layerEmbedded({ dataDir }))))
        )
        expect((again as EmbeddedDatabaseError).message).toContain("this process")
      }),
    60_000
  )

  it.scoped("a directory that cannot be used says which one and why", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const file = join(dir, "a-file")
      writeFileSync(file, "not a directory")
      const dataDir = join(file, "pglite")
      const failure = failureOf(
        yield* Effect.exit(Effect.scoped(Layer.build(PgDatabase.layerEmbedded({ dataDir }))))
      )
      expect(failure).toBeInstanceOf(EmbeddedDatabaseError)
      expect((failure as EmbeddedDatabaseError).message).toBe(
        `The embedded database cannot use the directory ${dataDir}: a part of the path is a file, not a directory.`
      )
    })
  )
})
