import { z } from 'zod'

/** Request fragments shared by several routes (and by the CLI, which validates before sending). */
export const idParam = z.strictObject({ id: z.string().min(1).max(100) })
export const email = z.string().trim().max(254).pipe(z.email({ message: 'must be an e-mail address' }))
export const displayName = z.string().trim().min(1).max(256)
export const password = z.string().min(8, 'must be at least 8 characters').max(200)
export const noQuery = z.strictObject({})
