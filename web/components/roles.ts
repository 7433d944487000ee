import type { Role } from "../../schema";

/** The same order as the server's ROLE_RANK, without importing zod into the browser bundle. */
const RANK = { viewer: 0, operator: 1, admin: 2 } as const satisfies Record<Role, number>;

/**
 * Whether `role` may take an action that needs `needed`: actions a role may not take are not
 * offered (the API still refuses them with 403).
 * @example can("viewer", "operator") // false
 */
export function can(role: Role | undefined, needed: Role): boolean {
  return RANK[role ?? "viewer"] >= RANK[needed];
}
