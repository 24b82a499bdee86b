/**
 * Id generation port. The type is the domain's (`(prefix) => id`); adapters provide sortable
 * ULID-style ids (`sess_01J…`), tests provide `sequentialIds()`.
 */
export type { IdGenerator } from "../../domain/shared/ids";
