/**
 * The CLI's exit codes. Scripts may rely on them; they are listed in docs/CLIENTS.md and `--help`.
 */
export const EXIT_CODES = {
  /** Done; for `start --wait` and `status`: the upgrade finished (or is running) without errors. */
  OK: 0,
  /** Bad command line: unknown command or flag, missing argument, unknown setting name. */
  USAGE: 1,
  /** No such data stream, or no upgrade task for it. */
  NOT_FOUND: 2,
  /** An unfinished upgrade of this data stream already exists. */
  CONFLICT: 3,
  /** The upgrade completed, but some backing indices failed (or the whole task failed). */
  COMPLETED_WITH_ERRORS: 4,
  /** Temporal or Elasticsearch could not be reached. */
  CONNECTION_FAILURE: 5,
  /** Elasticsearch refused the request: an invalid setting value, missing privileges, ... */
  REFUSED: 6,
  /** Anything else; the message says what. */
  INTERNAL: 7,
  /**
   * `readiness`: the cluster is not ready for the next major (old indices remain that it would refuse).
   * Distinct from every failure code, so that a pipeline can tell "not ready" from "could not check".
   */
  NOT_READY: 8,
} as const;

/** Thrown for command-line mistakes; main prints the message and the usage, and exits with USAGE. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
