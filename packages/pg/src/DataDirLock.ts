/**
 * One process per embedded database. PGlite keeps a Postgres data directory in
 * files and has no server to arbitrate between processes: two processes on one
 * directory both run, and one's acknowledged writes are lost. So the directory is
 * locked for the life of the process that opens it: a lock file created with
 * `O_EXCL` holding the owner's pid, host and start time, removed when the
 * database closes (and at process exit). A lock whose process is gone (a
 * `kill -9`, a power cut) is taken over; a live one is refused with a message that
 * names the directory, the holder, and `DATABASE_URL` for several processes.
 */
import { randomUUID } from "node:crypto"
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs"
import { access, constants, mkdir } from "node:fs/promises"
import { hostname } from "node:os"
import { join, resolve } from "node:path"
import { Data, Effect } from "effect"

/** The embedded database could not start (an unwritable directory, one in use, a corrupt one, …). */
export class EmbeddedDatabaseError extends Data.TaggedError("EmbeddedDatabaseError")<{
  readonly message: string
  readonly cause: unknown
}> {}

/** The lock file's name, inside the data directory. */
export const DATA_DIR_LOCK_FILE = ".org-media-sdk.lock"

interface LockOwner {
  readonly pid: number
  readonly host: string
  readonly since: string
  readonly nonce: string
}

const readOwner = (path: string): LockOwner | undefined => {
  try {
    const value = JSON.parse(readFileSync(path, "utf8")) as Partial<LockOwner>
    return typeof value.pid === "number" && typeof value.host === "string"
      ? {
          pid: value.pid,
          host: value.host,
          since: String(value.since ?? "?"),
          nonce: String(value.nonce ?? "")
        }
      : undefined
  } catch {
    return undefined
  }
}

/** Whether `pid` runs on this machine (EPERM: it runs, as another user). */
const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

const reason = (error: unknown): string => {
  const code = (error as NodeJS.ErrnoException).code
  switch (code) {
    case "EACCES":
    case "EPERM":
      return "permission denied (the process cannot write there)"
    case "EROFS":
      return "the file system is read-only"
    case "ENOTDIR":
      return "a part of the path is a file, not a directory"
    case "ENOSPC":
      return "the disk is full"
    default:
      return error instanceof Error ? error.message : String(error)
  }
}

export interface DataDirLock {
  readonly directory: string
  readonly release: () => void
}

/**
 * Create `directory` if needed, check it is writable, and lock it for this
 * process; fails with `EmbeddedDatabaseError` saying which directory and why.
 */
export const lockDataDir = (directory: string): Effect.Effect<DataDirLock, EmbeddedDatabaseError> =>
  Effect.gen(function* () {
    const dir = resolve(directory)
    const fail = (message: string, cause: unknown) => new EmbeddedDatabaseError({ message, cause })
    yield* Effect.tryPromise({
      try: async () => {
        await mkdir(dir, { recursive: true })
        await access(dir, constants.W_OK)
      },
      catch: (cause) =>
        fail(`The embedded database cannot use the directory ${dir}: ${reason(cause)}.`, cause)
    })
    const path = join(dir, DATA_DIR_LOCK_FILE)
    const me: LockOwner = {
      pid: process.pid,
      host: hostname(),
      since: new Date().toISOString(),
      nonce: randomUUID()
    }
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const fd = openSync(path, "wx", 0o600)
        try {
          writeSync(fd, JSON.stringify(me))
        } finally {
          closeSync(fd)
        }
        const onExit = () => removeIfMine(path, me.nonce)
        process.once("exit", onExit)
        return {
          directory: dir,
          release: () => {
            process.off("exit", onExit)
            removeIfMine(path, me.nonce)
          }
        }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST")
          return yield* fail(
            `The embedded database cannot lock the directory ${dir}: ${reason(error)}.`,
            error
          )
      }
      const owner = readOwner(path)
      // A lock of another machine (a shared disk) cannot be checked: it is respected.
      const held = owner !== undefined && (owner.host !== me.host || isAlive(owner.pid))
      if (held) {
        const who =
          owner.pid === process.pid && owner.host === me.host
            ? "this process (it is opened twice)"
            : `process ${owner.pid}${owner.host === me.host ? "" : ` on ${owner.host}`} (since ${owner.since})`
        return yield* fail(
          `The embedded database in ${dir} is in use by ${who}. An embedded database serves one process: stop the other one, or set DATABASE_URL to a Postgres server to run several processes.`,
          owner
        )
      }
      // The holder is gone (or the file is unreadable, a crash while writing it): take it over.
      yield* Effect.logWarning("taking over the lock of a process that is gone").pipe(
        Effect.annotateLogs({ directory: dir, previous_pid: owner?.pid ?? "unknown" })
      )
      try {
        unlinkSync(path)
      } catch {
        // Another process took it over first: the next attempt sees its lock.
      }
    }
    return yield* fail(`The embedded database could not lock ${dir}: it changed hands too often.`, undefined)
  })

const removeIfMine = (path: string, nonce: string) => {
  try {
    if (readOwner(path)?.nonce === nonce) unlinkSync(path)
  } catch {
    // Already gone.
  }
}
