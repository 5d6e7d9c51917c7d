import { delimiter, dirname, join } from 'node:path'

/** The command line as installed (bin/agnes → dist/, so `npm run build` first). */
export const AGNES_BIN = join(import.meta.dirname, '..', '..', 'bin', 'agnes')

/**
 * A PATH for running bin/agnes directly, as a user does: its first line (`env -S … node …`) then finds the Node.js
 * running this process before any other on PATH.
 */
export function pathWithThisNode(): string {
  return [dirname(process.execPath), process.env.PATH].filter(Boolean).join(delimiter)
}
